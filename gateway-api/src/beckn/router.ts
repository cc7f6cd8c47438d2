import express, { Request, Response, Router } from 'express';
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { silentLogger, type Logger } from '@gridledger/network';
import { httpStatusOf } from '../errors';
import { checkContext, expiryOf, Participant } from './context-check';
import { BecknErrorCodes } from './error-codes';
import type { Inbox } from './inbox';
import { registeredKey, Registry, Subscriber } from './registry';
import { ReplayCache } from './replay-cache';
import { ACTIONS, AckResponse, AnyAction, BecknErrorObject, bodySchema, CALLBACK_ACTIONS, Context, MessageOf } from './schemas';
import {
  BecknSignature,
  bodyDigest,
  checkSignature,
  CLOCK_SKEW_SECONDS,
  readSignatureHeader,
  SIGNED_HEADERS,
  VerifyLimits,
} from './signing';

/** A message that passed every check and was ACKed: what a handler receives, later. */
export interface Incoming<A extends AnyAction = AnyAction> {
  action: A;
  context: Context;
  message?: MessageOf<A>;
  /** A callback's error (the peer could not do what was asked). */
  error?: BecknErrorObject;
  signature: BecknSignature;
  signer: Subscriber;
}

/** Runs after the ACK: a BPP's provider (bpp.ts), a BAP's result sink (bap.ts). */
export type IncomingHandler = (incoming: Incoming) => Promise<void>;

export interface BecknRouterOptions {
  self: Participant;
  registry: Registry;
  inbox: Inbox;
  handle: IncomingHandler;
  replay?: ReplayCache;
  limits?: VerifyLimits;
  nowMs?: () => number;
  log?: Logger;
  /** The largest body taken (default 1 MB). */
  bodyLimit?: string;
}

const ACK: AckResponse = { message: { ack: { status: 'ACK' } } };

/** The NACK of a refused message: the Beckn error code, and our stable code leading the message text. */
export function nack(error: GridLedgerError): AckResponse {
  const field = error.details.field;
  const code = error.code === ErrorCodes.BECKN_REGISTRY_UNAVAILABLE ? BecknErrorCodes.BUSINESS_ERROR : BecknErrorCodes.INVALID_REQUEST;
  return {
    message: { ack: { status: 'NACK' } },
    error: { code, message: `${error.code}: ${error.message}`, ...(typeof field === 'string' ? { paths: field } : {}) },
  };
}

/**
 * The Beckn endpoints of one participant (docs/beckn.md#the-router): `POST /{action}` for a BPP's
 * ten actions, `POST /on_{action}` for a BAP's callbacks. Each message is checked in this order and
 * answered at once: signature (401), registry key (401, 503 when the registry cannot be reached),
 * JSON and schema (400), context (400), message_id (409 for other content under a used one). An
 * ACKed message goes to `handle` after the answer is sent.
 */
export function becknRouter(options: BecknRouterOptions): Router & { recover(): void } {
  const { self, registry, inbox, handle, replay = new ReplayCache(), limits = {}, nowMs = Date.now, log = silentLogger } = options;
  const skew = limits.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;
  const actions: readonly AnyAction[] = self.role === 'bpp' ? ACTIONS : CALLBACK_ACTIONS;
  const router = express.Router() as Router & { recover(): void };

  const dispatch = (incoming: Incoming) => {
    setImmediate(() => {
      handle(incoming).then(
        () => inbox.markHandled({ sender: incoming.signer.subscriberId, action: incoming.action, messageId: incoming.context.message_id }),
        (e: unknown) =>
          log.error({ action: incoming.action, messageId: incoming.context.message_id, err: String(e) }, 'beckn handler failed'),
      );
    });
  };

  async function accept(action: AnyAction, req: Request): Promise<{ outcome: 'new' | 'repeat'; incoming: Incoming }> {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const nowSeconds = Math.floor(nowMs() / 1000);
    const header = readSignatureHeader(req.get('authorization'), nowSeconds, limits);
    const signer = await registry.lookup(header.subscriberId, header.uniqueKeyId);
    const signature = checkSignature(header, body, signer === undefined ? undefined : registeredKey(signer));
    if (!replay.accept(header.signature, header.expires, nowSeconds)) {
      throw new GridLedgerError(ErrorCodes.BECKN_SIGNATURE_REPLAYED, 'this signature was presented before', {
        subscriberId: header.subscriberId,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new GridLedgerError(ErrorCodes.BECKN_MESSAGE_INVALID, 'the body is not JSON', { field: 'body' });
    }
    const parsed = bodySchema(action).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GridLedgerError(ErrorCodes.BECKN_MESSAGE_INVALID, issue.message, { field: issue.path.join('.') || 'body' });
    }
    const { context, message, error } = parsed.data as { context: Context; message?: MessageOf<AnyAction>; error?: BecknErrorObject };
    checkContext(context, action, self, signer!, nowSeconds, skew);
    const incoming: Incoming = {
      action,
      context,
      signature,
      signer: signer!,
      ...(message ? { message } : {}),
      ...(error ? { error } : {}),
    };
    const key = { sender: signature.subscriberId, action, messageId: context.message_id };
    const outcome = inbox.record(key, bodyDigest(body), JSON.stringify(incoming), expiryOf(context), nowSeconds);
    if (outcome === 'conflict') {
      throw new GridLedgerError(ErrorCodes.BECKN_MESSAGE_DUPLICATE, 'this message_id was used for another message', {
        field: 'context.message_id',
      });
    }
    return { outcome, incoming };
  }

  router.use(express.raw({ type: () => true, limit: options.bodyLimit ?? '1mb' }));
  router.post('/:action', async (req: Request, res: Response) => {
    const action = String(req.params.action) as AnyAction;
    if (!actions.includes(action)) {
      res.status(404).json({
        message: { ack: { status: 'NACK' } },
        error: { code: BecknErrorCodes.ACTION_NOT_APPLICABLE, message: `a ${self.role.toUpperCase()} does not take ${action}` },
      });
      return;
    }
    try {
      const { outcome, incoming } = await accept(action, req);
      res.json(ACK);
      if (outcome === 'new') dispatch(incoming);
    } catch (e) {
      const error = e instanceof GridLedgerError ? e : new GridLedgerError(ErrorCodes.INTERNAL, String(e));
      // A registry key of the wrong form is the signer's problem: unauthorised, as an unknown key.
      const status = error.code === ErrorCodes.BECKN_KEY_INVALID ? 401 : httpStatusOf(error.code);
      if (status === 401) res.set('WWW-Authenticate', `Signature realm="${self.subscriberId}",headers="${SIGNED_HEADERS}"`);
      log.warn({ action, code: error.code, details: error.details }, 'beckn message refused');
      res.status(status).json(nack(error));
    }
  });

  /** Hands messages ACKed before a crash, but not handled, to the handler again. */
  router.recover = () => {
    for (const payload of inbox.unhandled()) dispatch(JSON.parse(payload) as Incoming);
  };
  return router;
}
