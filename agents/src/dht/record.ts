/**
 * The surplus record a home agent publishes in its community's DHT, and the key it lives under.
 *
 * Signed with the home agent's Ed25519 key, which is also the libp2p key of the node that speaks
 * for that home: the record's DHT key names the node's peer id, so any DHT node checks the
 * signature against the key the peer id itself carries, with nothing to look up (docs/agents.md,
 * "Discovery (DHT)"). The meter's own key (ECDSA P-256, in the meter) is not used: it signs
 * readings, and an agent that held it could forge them. Which peer id speaks for which meter is
 * the ledger's to say (AgentBinding in ledger-check.ts); the buyer checks it before it trusts a record.
 */
import type { PrivateKey, PublicKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { canonicalJson, ID_PATTERN, isAmount } from '@gridledger/core';

/** Whether the agent's home has energy to sell or needs energy in the interval. */
export type Balance = 'surplus' | 'deficit';

/** One open offer on the ledger as the seller announces it; the buyer checks it against the ledger. */
export interface AnnouncedOffer {
  offerId: string;
  /** Energy still offered, Wh. */
  energyWh: number;
  priceMicrosPerKwh: number;
}

/** What a home agent announces for one interval. Times are seconds since the epoch. */
export interface SurplusRecord {
  communityId: string;
  /** Peer id (base58) of the agent's node; its key signs the record. */
  agentId: string;
  meterId: string;
  zoneId: string;
  intervalStart: number;
  /** The record is valid until the interval ends (exclusive). */
  intervalEnd: number;
  balance: Balance;
  /** Surplus or deficit of the interval, Wh (the balance says which). */
  energyWh: number;
  offers: AnnouncedOffer[];
  /** Grows with every record the agent publishes for the same interval; the newest valid one wins. */
  seq: number;
}

/** A record with its signature (base64), as stored in the DHT. */
export interface SignedSurplusRecord {
  record: SurplusRecord;
  signature: string;
}

/** The DHT namespace of the records: kad-dht picks validator and selector by the key's first part. */
export const RECORD_NAMESPACE = 'energy';
/** Prefixed to the signed bytes so that a record signature can never be mistaken for another signed message of the same key. */
const SIGNING_DOMAIN = 'gridledger/dht-surplus-record/v1\n';
/** At most this many offers in one record, and this many bytes in a stored record. */
export const MAX_OFFERS = 32;
export const MAX_RECORD_BYTES = 8192;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The DHT key of an agent's record for an interval: `/energy/<community>/<intervalStart>/<agentId>`. */
export function recordKey(communityId: string, intervalStart: number, agentId: string): Uint8Array {
  return encoder.encode(`/${RECORD_NAMESPACE}/${communityId}/${intervalStart}/${agentId}`);
}

/** Why a stored record was refused; counted by reason (DhtMetrics). */
export type RefusalReason = 'malformed' | 'key-mismatch' | 'bad-signature';

/** A record that cannot be accepted, with a stable reason. */
export class RecordRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'RecordRefused';
  }
}

function signedBytes(record: SurplusRecord): Uint8Array {
  return encoder.encode(SIGNING_DOMAIN + canonicalJson(record));
}

/** Signs a record with the agent's key; the record's agentId must be that key's peer id. */
export async function signRecord(record: SurplusRecord, key: PrivateKey): Promise<Uint8Array> {
  const signature = await key.sign(signedBytes(record));
  const signed: SignedSurplusRecord = { record, signature: Buffer.from(signature).toString('base64') };
  return encoder.encode(canonicalJson(signed));
}

const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);
const isTime = (value: unknown): value is number => isAmount(value) && value > 0;

function isOffer(value: unknown): value is AnnouncedOffer {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return Object.keys(o).length === 3 && isId(o.offerId) && isAmount(o.energyWh) && o.energyWh > 0 && isAmount(o.priceMicrosPerKwh);
}

const RECORD_FIELDS = [
  'agentId',
  'balance',
  'communityId',
  'energyWh',
  'intervalEnd',
  'intervalStart',
  'meterId',
  'offers',
  'seq',
  'zoneId',
];

function isRecord(value: unknown): value is SurplusRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    canonicalJson(Object.keys(r).sort()) === canonicalJson(RECORD_FIELDS) &&
    isId(r.communityId) &&
    typeof r.agentId === 'string' &&
    isId(r.meterId) &&
    isId(r.zoneId) &&
    isTime(r.intervalStart) &&
    isTime(r.intervalEnd) &&
    r.intervalEnd > r.intervalStart &&
    (r.balance === 'surplus' || r.balance === 'deficit') &&
    isAmount(r.energyWh) &&
    isAmount(r.seq) &&
    Array.isArray(r.offers) &&
    r.offers.length <= MAX_OFFERS &&
    r.offers.every(isOffer) &&
    (r.balance === 'surplus' || r.offers.length === 0)
  );
}

/** Parses a stored record without checking its signature; throws RecordRefused('malformed'). */
export function parseRecord(value: Uint8Array): SignedSurplusRecord {
  if (value.byteLength > MAX_RECORD_BYTES) throw new RecordRefused('malformed', `record over ${MAX_RECORD_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(value));
  } catch {
    throw new RecordRefused('malformed', 'record is not UTF-8 JSON');
  }
  const p = parsed as Partial<SignedSurplusRecord> | null;
  if (typeof p !== 'object' || p === null || typeof p.signature !== 'string' || !isRecord(p.record)) {
    throw new RecordRefused('malformed', 'record does not have the surplus record form');
  }
  return { record: p.record, signature: p.signature };
}

function publicKeyOf(agentId: string): PublicKey {
  let key: PublicKey | undefined;
  try {
    key = peerIdFromString(agentId).publicKey;
  } catch {
    key = undefined;
  }
  if (key === undefined || key.type !== 'Ed25519') throw new RecordRefused('malformed', 'agentId is not an Ed25519 peer id');
  return key;
}

/**
 * Checks a stored record against its DHT key: the form, that the key names the record's community,
 * interval and agent, and the signature under the agent's key. Returns the record; throws RecordRefused.
 * No clock and no ledger here: every DHT node runs it on every put and get (the buyer checks the rest).
 */
export async function verifyRecord(key: Uint8Array, value: Uint8Array): Promise<SurplusRecord> {
  const { record, signature } = parseRecord(value);
  const expected = recordKey(record.communityId, record.intervalStart, record.agentId);
  if (Buffer.compare(Buffer.from(key), Buffer.from(expected)) !== 0) {
    throw new RecordRefused('key-mismatch', 'the record is not the one its key names');
  }
  const publicKey = publicKeyOf(record.agentId);
  const ok = await publicKey.verify(signedBytes(record), Buffer.from(signature, 'base64'));
  if (!ok) throw new RecordRefused('bad-signature', "the signature is not the agent's");
  return record;
}

/**
 * kad-dht selector: the index of the newest record (highest seq) among those given; records that
 * do not parse lose. Equal seq numbers with different content (the agent's own mistake): the
 * smallest bytes win, so that every node picks the same one.
 */
export function selectNewest(_key: Uint8Array, values: Uint8Array[]): number {
  let best = 0;
  let bestSeq = -1;
  values.forEach((value, i) => {
    let seq: number;
    try {
      seq = parseRecord(value).record.seq;
    } catch {
      seq = -1;
    }
    if (seq > bestSeq || (seq === bestSeq && Buffer.compare(Buffer.from(value), Buffer.from(values[best])) < 0)) {
      best = i;
      bestSeq = seq;
    }
  });
  return best;
}
