import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import type { Subscriber } from './registry';
import { AnyAction, BECKN_VERSION, Context, durationSeconds, isAction } from './schemas';

/** Who we are on the network: our registration and the domain we serve. */
export interface Participant {
  role: 'bap' | 'bpp';
  subscriberId: string;
  /** Our Beckn endpoint, as registered: `{uri}/search` (BPP) or `{uri}/on_search` (BAP). */
  uri: string;
  domain: string;
}

/** The ttl of a message that states none (the network policy's default). */
export const DEFAULT_TTL_SECONDS = 30;

/** A URL without trailing slashes: `{uri}/{action}` and uri comparisons use it. */
export const trimSlash = (u: string) => u.replace(/\/+$/, '');

function invalid(field: string, message: string): never {
  throw new GridLedgerError(ErrorCodes.BECKN_MESSAGE_INVALID, message, { field });
}

/** When a message stops being valid (Unix seconds): its timestamp plus its ttl. */
export function expiryOf(context: Context): number {
  const ttl = context.ttl === undefined ? DEFAULT_TTL_SECONDS : durationSeconds(context.ttl);
  if (ttl === undefined) invalid('context.ttl', 'ttl is not an ISO 8601 duration');
  return Math.floor(Date.parse(context.timestamp) / 1000) + ttl;
}

/**
 * Checks a schema-valid context against the endpoint it arrived at, its verified signer and the
 * signer's registration (docs/beckn.md#the-context-check). A BPP takes actions from BAPs; a BAP
 * takes callbacks from BPPs; each side's id and uri must be the signer's registered ones and ours.
 */
export function checkContext(
  context: Context,
  action: AnyAction,
  self: Participant,
  signer: Subscriber,
  nowSeconds: number,
  clockSkewSeconds: number,
): void {
  if (context.action !== action) invalid('context.action', `the context's action is ${context.action}, the endpoint's ${action}`);
  if (context.domain !== self.domain) invalid('context.domain', `this ${self.role.toUpperCase()} serves the domain ${self.domain}`);
  if (context.version !== BECKN_VERSION) invalid('context.version', `the version must be ${BECKN_VERSION}`);
  const sent = Date.parse(context.timestamp) / 1000;
  if (sent > nowSeconds + clockSkewSeconds) invalid('context.timestamp', 'the timestamp lies in the future');
  if (expiryOf(context) < nowSeconds) invalid('context.ttl', 'the message is past its timestamp plus ttl');

  const request = isAction(action);
  const peer = request ? { id: context.bap_id, uri: context.bap_uri } : { id: context.bpp_id, uri: context.bpp_uri };
  const mine = request ? { id: context.bpp_id, uri: context.bpp_uri } : { id: context.bap_id, uri: context.bap_uri };
  const peerSide = request ? 'bap' : 'bpp';
  const mySide = request ? 'bpp' : 'bap';
  if ((request ? 'bpp' : 'bap') !== self.role) invalid('context.action', `a ${self.role.toUpperCase()} does not take ${action}`);
  if (peer.id !== signer.subscriberId) invalid(`context.${peerSide}_id`, `${peerSide}_id must be the signer, ${signer.subscriberId}`);
  if (signer.type !== peerSide.toUpperCase()) invalid(`context.${peerSide}_id`, `the signer is registered as a ${signer.type}`);
  if (peer.uri === undefined || trimSlash(peer.uri) !== trimSlash(signer.url)) {
    invalid(`context.${peerSide}_uri`, `${peerSide}_uri must be the signer's registered endpoint`);
  }
  // A search may come before the BAP knows which BPP answers; every other message names us.
  const addressedToAnyone = action === 'search' && mine.id === undefined && mine.uri === undefined;
  if (!addressedToAnyone) {
    if (mine.id !== self.subscriberId) invalid(`context.${mySide}_id`, `${mySide}_id must be ${self.subscriberId}`);
    if (mine.uri === undefined || trimSlash(mine.uri) !== trimSlash(self.uri))
      invalid(`context.${mySide}_uri`, `${mySide}_uri must be ${self.uri}`);
  }
}
