/**
 * Household consumption in the private data collection of Community and Utility
 * (chaincode/collections.json), its salted hash on the channel (core/src/metering/private.ts).
 *
 * - Readings arrive as transient data (never in the proposal, so never in a block); the channel
 *   gets the reading without import, import register, signature and VEE flags, plus `importHash`;
 *   those go into the collection under `readingImport` [meter, interval].
 * - Estimates: `estimateImport` [meter, interval]; positions: `positionPrivate` [participant,
 *   interval] (consumption, net, each meter's import); a resolved dispute's corrected import:
 *   `disputeImport` [meter, interval].
 * - Salts: a reading's comes from its (private) signature; the others from a random seed the
 *   submitter passes as transient data (SALT_SEED_FIELD), kept when a record is settled again.
 *
 * A transaction that needs a private value and does not find it (a peer outside the collection)
 * fails with PRIVATE_DATA_UNAVAILABLE instead of endorsing a wrong result. Queries show the
 * private values to callers of the collection's organizations only (memberOnlyRead).
 */
import { Context } from 'fabric-contract-api';
import {
  canonicalJson,
  CONSUMPTION_COLLECTION,
  CONSUMPTION_MEMBERS,
  ErrorCodes,
  Estimate,
  GridLedgerError,
  joinReading,
  PrivateEstimate,
  PrivateReading,
  PublicEstimate,
  PublicReading,
  saltOf,
  splitEstimate,
  splitReading,
  StoredReading,
} from '@gridledger/core';
import { callerOf, getRecord, key, KeyTypes, putRecord } from '../ledger';
import { getStates } from '../state-batch';

/** The transient field with the submitter's random salt seed (at least 16 bytes). */
export const SALT_SEED_FIELD = 'consumptionSaltSeed';
/** The transient field with the signed readings (the batch, JSON) of metering:submitReadings. */
export const READINGS_FIELD = 'readings';
/** The transient field with a dispute resolution's corrected import (decimal Wh). */
export const IMPORT_FIELD = 'importWh';

/** Key types inside the collection. */
export const PrivateKeyTypes = {
  readingImport: 'readingImport',
  estimateImport: 'estimateImport',
  positionPrivate: 'positionPrivate',
  disputeImport: 'disputeImport',
} as const;
type PrivateKeyType = (typeof PrivateKeyTypes)[keyof typeof PrivateKeyTypes];

export const isConsumptionMember = (ctx: Context): boolean => CONSUMPTION_MEMBERS.includes(ctx.clientIdentity.getMSPID());

/**
 * Whether a query shows a household's private values to the caller: an identity of Community or
 * Utility that is an operator, the utility, or the household itself (a prosumer or consumer sees
 * its own only, although its organization's peer holds everyone's).
 */
export function seesHousehold(ctx: Context, participantId: string): boolean {
  if (!isConsumptionMember(ctx)) return false;
  const { role, participantId: self } = callerOf(ctx);
  return role === 'operator' || role === 'utility' || ((role === 'prosumer' || role === 'consumer') && self === participantId);
}

/** Writing (and reading) the collection is for its organizations' identities only (memberOnlyWrite). */
export function requireConsumptionMember(ctx: Context, action: string): void {
  const mspId = ctx.clientIdentity.getMSPID();
  if (!CONSUMPTION_MEMBERS.includes(mspId)) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} writes household consumption: only ${CONSUMPTION_MEMBERS.join(' and ')} may`, { mspId });
  }
}

/**
 * A value of the collection; undefined when there is none. A peer outside the collection answers
 * a key whose hash it holds with an error ("private data matching public hash version is not
 * available"): that is PRIVATE_DATA_UNAVAILABLE, as is any other refusal of the peer.
 */
export async function getPrivate<T>(ctx: Context, type: PrivateKeyType, ...attributes: string[]): Promise<T | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await ctx.stub.getPrivateData(CONSUMPTION_COLLECTION, ctx.stub.createCompositeKey(type, attributes));
  } catch (e) {
    throw unavailable(`${type} ${attributes.join(' ')}`, e instanceof Error ? e.message : String(e));
  }
  if (bytes === undefined || bytes === null || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

/** For queries: a value of the collection, or undefined when this peer cannot give it (the caller gets the public record). */
export async function privateOrNothing<T>(ctx: Context, type: PrivateKeyType, ...attributes: string[]): Promise<T | undefined> {
  try {
    return await getPrivate<T>(ctx, type, ...attributes);
  } catch (e) {
    if (e instanceof GridLedgerError && e.code === ErrorCodes.PRIVATE_DATA_UNAVAILABLE) return undefined;
    throw e;
  }
}

export async function putPrivate(ctx: Context, type: PrivateKeyType, attributes: string[], value: unknown): Promise<void> {
  await ctx.stub.putPrivateData(CONSUMPTION_COLLECTION, ctx.stub.createCompositeKey(type, attributes), Buffer.from(canonicalJson(value), 'utf8'));
}

export function unavailable(what: string, peerSays?: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.PRIVATE_DATA_UNAVAILABLE, `${what} is not on this peer: endorse on a peer of ${CONSUMPTION_MEMBERS.join(' or ')}`, {
    collection: CONSUMPTION_COLLECTION,
    ...(peerSays !== undefined ? { peerSays: peerSays.slice(0, 200) } : {}),
  });
}

/** A transient field's bytes, or undefined. */
export function transientField(ctx: Context, field: string): Uint8Array | undefined {
  const value = ctx.stub.getTransient().get(field);
  return value === undefined || value.length === 0 ? undefined : value;
}

/** The submitter's salt seed: REQUEST_INVALID without one of at least 16 bytes. */
export function saltSeed(ctx: Context, action: string): Uint8Array {
  const seed = transientField(ctx, SALT_SEED_FIELD);
  if (seed === undefined || seed.length < 16) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${action} needs a random salt seed of at least 16 bytes in the transient field ${SALT_SEED_FIELD}`, { field: SALT_SEED_FIELD });
  }
  return seed;
}

/** The full reading behind a public record: PRIVATE_DATA_UNAVAILABLE when its private part is missing or does not match. */
async function fullReading(ctx: Context, shared: PublicReading | undefined): Promise<StoredReading | undefined> {
  if (shared === undefined) return undefined;
  const secret = await getPrivate<PrivateReading>(ctx, PrivateKeyTypes.readingImport, shared.meterId, shared.intervalStart);
  const full = secret === undefined ? undefined : joinReading(shared, secret);
  if (full === undefined) throw unavailable(`the import of meter ${shared.meterId} for ${shared.intervalStart}`);
  return full;
}

/** A stored reading with its import (for transactions: endorsed by the collection's members). */
export async function readReading(ctx: Context, meterId: string, intervalStart: string): Promise<StoredReading | undefined> {
  return fullReading(ctx, await getRecord<PublicReading>(ctx, key(ctx, KeyTypes.reading, meterId, intervalStart)));
}

/** The meter's head (latest reading) with its import. */
export async function readHead(ctx: Context, meterId: string): Promise<StoredReading | undefined> {
  return fullReading(ctx, await getRecord<PublicReading>(ctx, key(ctx, KeyTypes.readingHead, meterId)));
}

/**
 * The heads of `meterIds` with their imports, in order: two round trips on a peer (the public heads,
 * then their private parts), whatever the number of meters.
 */
export async function readHeads(ctx: Context, meterIds: readonly string[]): Promise<(StoredReading | undefined)[]> {
  const shared = (await getStates(ctx, meterIds.map((meterId) => key(ctx, KeyTypes.readingHead, meterId)))).map((bytes) =>
    bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as PublicReading),
  );
  const found = shared.filter((h): h is PublicReading => h !== undefined);
  const privateKeys = found.map((h) => ctx.stub.createCompositeKey(PrivateKeyTypes.readingImport, [h.meterId, h.intervalStart]));
  let secrets: (Buffer | undefined)[];
  try {
    secrets = await getStates(ctx, privateKeys, CONSUMPTION_COLLECTION);
  } catch (e) {
    throw unavailable(`the imports of ${found.length} meter heads`, e instanceof Error ? e.message : String(e));
  }
  const full = new Map<PublicReading, StoredReading>();
  found.forEach((h, i) => {
    const secret = secrets[i] === undefined ? undefined : (JSON.parse(secrets[i]!.toString('utf8')) as PrivateReading);
    const joined = secret === undefined ? undefined : joinReading(h, secret);
    if (joined === undefined) throw unavailable(`the import of meter ${h.meterId} for ${h.intervalStart}`);
    full.set(h, joined);
  });
  return shared.map((h) => (h === undefined ? undefined : full.get(h)));
}

/** Stores a reading: the public part on the channel, the private part in the collection. */
export async function writeReading(ctx: Context, r: StoredReading): Promise<void> {
  const { shared, secret } = splitReading(r);
  await putRecord(ctx, key(ctx, KeyTypes.reading, r.meterId, r.intervalStart), shared);
  await putPrivate(ctx, PrivateKeyTypes.readingImport, [r.meterId, r.intervalStart], secret);
}

/** The head is a copy of the latest reading's public part; its private part is that reading's. */
export async function writeHead(ctx: Context, r: StoredReading): Promise<void> {
  await putRecord(ctx, key(ctx, KeyTypes.readingHead, r.meterId), splitReading(r).shared);
}

/** What a query shows of a public reading of `participantId`'s meter: whole to whom seesHousehold allows, on a member's peer. */
export async function readingView(ctx: Context, shared: PublicReading, participantId: string): Promise<PublicReading | StoredReading> {
  if (!seesHousehold(ctx, participantId)) return shared;
  const secret = await privateOrNothing<PrivateReading>(ctx, PrivateKeyTypes.readingImport, shared.meterId, shared.intervalStart);
  return (secret !== undefined && joinReading(shared, secret)) || shared;
}

export interface EstimateRecord extends PublicEstimate {
  txId: string;
  estimatedAt: string;
  /** The transaction whose verified reading replaced the estimate. */
  supersededBy?: string;
}

export async function writeEstimate(ctx: Context, estimate: Estimate, seed: Uint8Array, extra: { txId: string; estimatedAt: string }): Promise<EstimateRecord> {
  const { shared, secret } = splitEstimate(estimate, saltOf(seed, 'estimate', estimate.meterId, estimate.intervalStart));
  const record: EstimateRecord = { ...shared, ...extra };
  await putRecord(ctx, key(ctx, KeyTypes.estimate, estimate.meterId, estimate.intervalStart), record);
  await putPrivate(ctx, PrivateKeyTypes.estimateImport, [estimate.meterId, estimate.intervalStart], secret);
  return record;
}

/** An estimate's import (transactions): PRIVATE_DATA_UNAVAILABLE when missing. */
export async function estimateImportOf(ctx: Context, meterId: string, intervalStart: string): Promise<number> {
  const secret = await getPrivate<PrivateEstimate>(ctx, PrivateKeyTypes.estimateImport, meterId, intervalStart);
  if (secret === undefined) throw unavailable(`the estimated import of meter ${meterId} for ${intervalStart}`);
  return secret.importWh;
}

/** What a query shows of an estimate: its import for a member's identity. */
export async function estimateView(ctx: Context, shared: EstimateRecord, participantId: string): Promise<EstimateRecord | (EstimateRecord & { importWh: number })> {
  if (!seesHousehold(ctx, participantId)) return shared;
  const secret = await privateOrNothing<PrivateEstimate>(ctx, PrivateKeyTypes.estimateImport, shared.meterId, shared.intervalStart);
  return secret === undefined ? shared : { ...shared, importWh: secret.importWh };
}

/**
 * The readings of metering:submitReadings, from the transient field `readings`; the proposal's
 * own argument must be empty (it would put import values into the block).
 */
export function readingsFromTransient(ctx: Context, argument: string): unknown {
  if (argument !== '') {
    throw new GridLedgerError(ErrorCodes.READING_BATCH_INVALID, `readings travel as the transient field ${READINGS_FIELD}, never as an argument (household import is private)`, { field: READINGS_FIELD });
  }
  const bytes = transientField(ctx, READINGS_FIELD);
  if (bytes === undefined) throw new GridLedgerError(ErrorCodes.READING_BATCH_INVALID, `no readings in the transient field ${READINGS_FIELD}`, { field: READINGS_FIELD });
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new GridLedgerError(ErrorCodes.READING_BATCH_INVALID, 'a batch must be JSON');
  }
}

/** A reading's verdict without import values: an import-related rejection keeps its code, meter and interval only. */
export function redactImport<T extends { message?: string; details?: Record<string, string | number | boolean> }>(result: T): T {
  const mentions = (text: string) => /import/i.test(text);
  if (result.message === undefined && result.details === undefined) return result;
  const leaks = (result.message !== undefined && mentions(result.message)) || Object.keys(result.details ?? {}).some(mentions);
  if (!leaks) return result;
  const details = Object.fromEntries(Object.entries(result.details ?? {}).filter(([k, v]) => !mentions(k) && !(typeof v === 'string' && mentions(v))));
  return { ...result, message: 'the reading fails an import check (its values are private: see the code)', details };
}
