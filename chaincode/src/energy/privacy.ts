/**
 * (Over 400 lines on purpose: the collection's layout, the reads that join it to the public records and
 * the writes and releases of its chunks are one concern, where a household's private values live.)
 * Household consumption in the private data collection of Community and Utility
 * (chaincode/collections.json), its salted hash on the channel (core/src/metering/private.ts).
 *
 * - Readings arrive as transient data (never in the proposal, so never in a block); the channel
 *   gets the reading without import, import register, signature and VEE flags, plus `importHash`;
 *   those go into the collection, up to READINGS_PER_CHUNK readings of a transaction under one
 *   key `readingChunk` [txId, chunk], named by the public record's `privateRef`. A key per
 *   reading cost every peer a deserialization of the chaincode definition per reading when it validated
 *   the block (docs/benchmarks.md, *Benchmarks: readings at a steady rate*).
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
  ArchivedHead,
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
  readingSalt,
  saltOf,
  splitEstimate,
  splitReading,
  StoredReading,
} from '@gridledger/core';
import { callerOf } from '../access';
import { key, KeyTypes, PrivateKeyType, PrivateKeyTypes, readingKey } from '../keys';
import { getRecord, putRecord } from '../ledger';
import { getStates } from '../state-batch';
import { HeadsBefore, parseHead, RecordWritten, writeHeads } from './reading-chain';
import { chunkKey, chunkOf, heldAfterRewrites, PrivateRef, rememberRecords } from './chunk-release';

export type { PrivateRef } from './chunk-release';

/** The transient field with the submitter's random salt seed (at least 16 bytes). */
export const SALT_SEED_FIELD = 'consumptionSaltSeed';
/** The transient field with the signed readings (the batch, JSON) of metering:submitReadings. */
export const READINGS_FIELD = 'readings';
/** The transient field with a dispute resolution's corrected import (decimal Wh). */
export const IMPORT_FIELD = 'importWh';

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
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      `${action} writes household consumption: only ${CONSUMPTION_MEMBERS.join(' and ')} may`,
      { mspId },
    );
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
    bytes = await ctx.stub.getPrivateData(CONSUMPTION_COLLECTION, key(ctx, type, ...attributes));
  } catch (e) {
    throw unavailable(`${type} ${attributes.join(' ')}`, e instanceof Error ? e.message : String(e));
  }
  if (bytes === undefined || bytes === null || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

/** For queries: what `read` gives, or undefined when this peer cannot give a private value (the caller gets the public record). */
async function orNothing<T>(read: Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read;
  } catch (e) {
    if (e instanceof GridLedgerError && e.code === ErrorCodes.PRIVATE_DATA_UNAVAILABLE) return undefined;
    throw e;
  }
}

/** For queries: a value of the collection, or undefined when this peer cannot give it. */
export const privateOrNothing = <T>(ctx: Context, type: PrivateKeyType, ...attributes: string[]): Promise<T | undefined> =>
  orNothing(getPrivate<T>(ctx, type, ...attributes));

export async function putPrivate(ctx: Context, type: PrivateKeyType, attributes: string[], value: unknown): Promise<void> {
  await ctx.stub.putPrivateData(CONSUMPTION_COLLECTION, key(ctx, type, ...attributes), Buffer.from(canonicalJson(value), 'utf8'));
}

export function unavailable(what: string, peerSays?: string): GridLedgerError {
  return new GridLedgerError(
    ErrorCodes.PRIVATE_DATA_UNAVAILABLE,
    `${what} is not on this peer: endorse on a peer of ${CONSUMPTION_MEMBERS.join(' or ')}`,
    {
      collection: CONSUMPTION_COLLECTION,
      ...(peerSays !== undefined ? { peerSays: peerSays.slice(0, 200) } : {}),
    },
  );
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
    throw new GridLedgerError(
      ErrorCodes.REQUEST_INVALID,
      `${action} needs a random salt seed of at least 16 bytes in the transient field ${SALT_SEED_FIELD}`,
      { field: SALT_SEED_FIELD },
    );
  }
  return seed;
}

/**
 * The private parts of up to this many readings of one transaction share a key of the collection.
 * Every key written costs each peer a lookup of the collection's configuration when it validates
 * the block, so fewer keys save that; a head's private part is read with its whole chunk, so small
 * chunks keep those reads small when a batch's heads come from many transactions.
 */
export const READINGS_PER_CHUNK = 10;

/** A reading as the channel stores it: the public part and where its private part is. */
export type SharedReading = PublicReading & { privateRef: PrivateRef };

/** The private parts of a chunk, without their salts: a reading's salt follows from its signature (readingSalt). */
interface ReadingChunk {
  readings: Omit<PrivateReading, 'salt'>[];
}

const privateKeyOf = (ctx: Context, shared: SharedReading): string => chunkKey(ctx, chunkOf(shared));

/** Values of the collection read in this transaction, by key (a chunk serves up to READINGS_PER_CHUNK readings). */
const privateCache = new WeakMap<Context, Map<string, unknown>>();

/** The collection's values under `keys` (parsed JSON, undefined when absent): one round trip for those not read before in this
 * transaction. */
async function privateValues(ctx: Context, keys: readonly string[]): Promise<Map<string, unknown>> {
  let cache = privateCache.get(ctx);
  if (cache === undefined) privateCache.set(ctx, (cache = new Map()));
  const known = cache;
  const missing = [...new Set(keys)].filter((k) => !known.has(k));
  if (missing.length > 0) {
    let values: (Buffer | undefined)[];
    try {
      values = await getStates(ctx, missing, CONSUMPTION_COLLECTION);
    } catch (e) {
      throw unavailable(`the imports of ${missing.length} readings`, e instanceof Error ? e.message : String(e));
    }
    missing.forEach((k, i) => known.set(k, values[i] === undefined ? undefined : JSON.parse(values[i]!.toString('utf8'))));
  }
  return known;
}

/** The private part of a stored public reading among values read by privateValues; undefined when absent. */
function secretOf(ctx: Context, values: Map<string, unknown>, shared: SharedReading): PrivateReading | undefined {
  const value = values.get(privateKeyOf(ctx, shared));
  if (value === undefined) return undefined;
  const entry = (value as ReadingChunk).readings.find((p) => p.meterId === shared.meterId && p.intervalStart === shared.intervalStart);
  return entry === undefined ? undefined : { ...entry, salt: readingSalt(entry) };
}

/** The public reading without its storage pointer. */
export function publicPart(shared: SharedReading): PublicReading {
  const { privateRef: _ref, ...rest } = shared;
  return rest;
}

/** The full readings behind public records, in order, each private key read once: PRIVATE_DATA_UNAVAILABLE when a private part is missing
 * or does not match. */
async function fullReadings(ctx: Context, shared: readonly SharedReading[]): Promise<StoredReading[]> {
  const values = await privateValues(
    ctx,
    shared.map((r) => privateKeyOf(ctx, r)),
  );
  return shared.map((r) => {
    const secret = secretOf(ctx, values, r);
    const full = secret === undefined ? undefined : joinReading(publicPart(r), secret);
    if (full === undefined) throw unavailable(`the import of meter ${r.meterId} for ${r.intervalStart}`);
    return full;
  });
}

async function fullReading(ctx: Context, shared: SharedReading | undefined): Promise<StoredReading | undefined> {
  return shared === undefined ? undefined : (await fullReadings(ctx, [shared]))[0];
}

/**
 * A stored reading with its import (for transactions: endorsed by the collection's members). A
 * record whose chunk is gone and which `pastHorizon` says is past every horizon answers undefined,
 * as a record rolled out does (readHeads says why a chunk can leave before such a record).
 */
export async function readReading(
  ctx: Context,
  meterId: string,
  intervalStart: string,
  pastHorizon: (intervalStart: string) => boolean = () => false,
): Promise<StoredReading | undefined> {
  const shared = await getRecord<SharedReading>(ctx, readingKey(ctx, meterId, intervalStart));
  if (shared === undefined) return undefined;
  rememberRecords(ctx, [shared]);
  const chunk = privateKeyOf(ctx, shared);
  // The chunk is read once per transaction (privateValues caches it); fullReading finds it there.
  if (pastHorizon(intervalStart) && (await privateValues(ctx, [chunk])).get(chunk) === undefined) return undefined;
  return fullReading(ctx, shared);
}

/** The meter's head (latest reading) with its import, without its chain. */
export async function readHead(ctx: Context, meterId: string): Promise<StoredReading | undefined> {
  const [bytes] = await getStates(ctx, [key(ctx, KeyTypes.readingHead, meterId)]);
  return fullReading(ctx, parseHead<SharedReading>(meterId, bytes));
}

/**
 * The heads of `meterIds` with their imports, in order: two round trips on a peer (the public heads,
 * then their private chunks), whatever the number of meters. `before` keeps each head's record and
 * chain for writeReadings. A head whose chunk is gone and whose interval `pastHorizon` says is past
 * every horizon is an ArchivedHead: a chunk holds readings of several meters and leaves with its
 * newest (releaseChunks), so the head of a meter silent since then has its link and nothing more.
 * Any other missing or mismatched private part is PRIVATE_DATA_UNAVAILABLE.
 */
export async function readHeads(
  ctx: Context,
  meterIds: readonly string[],
  before?: HeadsBefore<SharedReading>,
  pastHorizon: (intervalStart: string) => boolean = () => false,
): Promise<(StoredReading | ArchivedHead | undefined)[]> {
  const values = await getStates(
    ctx,
    meterIds.map((meterId) => key(ctx, KeyTypes.readingHead, meterId)),
  );
  const shared = meterIds.map((meterId, i) => parseHead<SharedReading>(meterId, values[i], before));
  const found = shared.filter((h): h is SharedReading => h !== undefined);
  rememberRecords(ctx, found);
  const chunks = await privateValues(
    ctx,
    found.map((h) => privateKeyOf(ctx, h)),
  );
  const gone = new Set(found.filter((h) => chunks.get(privateKeyOf(ctx, h)) === undefined && pastHorizon(h.intervalStart)));
  const kept = found.filter((h) => !gone.has(h));
  const joined = await fullReadings(ctx, kept);
  const byHead = new Map<SharedReading, StoredReading | ArchivedHead>(kept.map((h, i) => [h, joined[i]!]));
  for (const h of gone) byHead.set(h, { intervalStart: h.intervalStart, archived: true });
  return shared.map((h) => (h === undefined ? undefined : byHead.get(h)));
}

/**
 * Stores the readings a transaction accepted or rewrote and the heads of their meters: each public
 * part on the channel with its `privateRef`, the private parts in chunks of READINGS_PER_CHUNK (in
 * the order given) in the collection; every head is one of `readings` or the head in `before`, with
 * the meter's chain extended (reading-chain.ts). Returns the records written.
 */
export async function writeReadings(
  ctx: Context,
  readings: readonly StoredReading[],
  heads: readonly StoredReading[],
  before: HeadsBefore<SharedReading>,
): Promise<RecordWritten[]> {
  const txId = ctx.stub.getTxID();
  // A rewrite moves a record's private part here: the chunks its earlier version held stay held (chunk-release.ts).
  const held = await heldAfterRewrites(
    ctx,
    readings.filter((r) => r.txId !== txId).map((r) => readingKey(ctx, r.meterId, r.intervalStart)),
  );
  const written: RecordWritten[] = [];
  for (let chunk = 0; chunk * READINGS_PER_CHUNK < readings.length; chunk++) {
    const parts = readings.slice(chunk * READINGS_PER_CHUNK, (chunk + 1) * READINGS_PER_CHUNK).map(splitReading);
    const value: ReadingChunk = { readings: parts.map(({ secret: { salt: _salt, ...rest } }) => rest) };
    await putPrivate(ctx, PrivateKeyTypes.readingChunk, [txId, String(chunk)], value);
    const newest = parts.reduce((best, p, i) => (p.shared.intervalStart >= parts[best]!.shared.intervalStart ? i : best), 0);
    for (const [i, { shared }] of parts.entries()) {
      const { meterId, intervalStart } = shared;
      const recordKey = readingKey(ctx, meterId, intervalStart);
      const heldChunks = held.get(recordKey) ?? [];
      const privateRef: PrivateRef = {
        ...(shared.txId === txId ? {} : { txId }),
        chunk,
        ...(i === newest ? { last: true as const } : {}),
        ...(heldChunks.length > 0 ? { heldChunks } : {}),
      };
      const record = { ...shared, privateRef };
      const w = { meterId, intervalStart, key: recordKey, value: Buffer.from(canonicalJson(record), 'utf8') };
      written.push({ ...w, record });
      await ctx.stub.putState(w.key, w.value);
    }
  }
  await writeHeads(ctx, written, heads, before);
  return written;
}

/** What a query shows of a public reading of `participantId`'s meter: whole to whom seesHousehold allows, on a member's peer. */
export async function readingView(ctx: Context, shared: SharedReading, participantId: string): Promise<PublicReading | StoredReading> {
  const view = publicPart(shared);
  if (!seesHousehold(ctx, participantId)) return view;
  const values = await orNothing(privateValues(ctx, [privateKeyOf(ctx, shared)]));
  const secret = values === undefined ? undefined : secretOf(ctx, values, shared);
  return (secret !== undefined && joinReading(view, secret)) || view;
}

export interface EstimateRecord extends PublicEstimate {
  txId: string;
  estimatedAt: string;
  /** The transaction whose verified reading replaced the estimate. */
  supersededBy?: string;
}

export async function writeEstimate(
  ctx: Context,
  estimate: Estimate,
  seed: Uint8Array,
  extra: { txId: string; estimatedAt: string },
): Promise<EstimateRecord> {
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
export async function estimateView(
  ctx: Context,
  shared: EstimateRecord,
  participantId: string,
): Promise<EstimateRecord | (EstimateRecord & { importWh: number })> {
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
    throw new GridLedgerError(
      ErrorCodes.READING_BATCH_INVALID,
      `readings travel as the transient field ${READINGS_FIELD}, never as an argument (household import is private)`,
      { field: READINGS_FIELD },
    );
  }
  const bytes = transientField(ctx, READINGS_FIELD);
  if (bytes === undefined)
    throw new GridLedgerError(ErrorCodes.READING_BATCH_INVALID, `no readings in the transient field ${READINGS_FIELD}`, {
      field: READINGS_FIELD,
    });
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
  const details = Object.fromEntries(
    Object.entries(result.details ?? {}).filter(([k, v]) => !mentions(k) && !(typeof v === 'string' && mentions(v))),
  );
  return { ...result, message: 'the reading fails an import check (its values are private: see the code)', details };
}
