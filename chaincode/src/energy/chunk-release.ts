/**
 * Which private chunks of readings leave the collection with which public record (privacy.ts keeps
 * the chunks). A chunk holds the private parts of up to ten readings of one transaction; every
 * record names its chunk (`privateRef`). A chunk leaves with the record that is its newest: every
 * other reading of the chunk is as old or older, so past the horizon too once that record is.
 *
 * A rewrite (a late reading relinking its neighbour, a correction) moves a record's private part
 * into the rewriting transaction's chunk. When the old version was its chunk's newest, the new one
 * holds that chunk (`heldChunks`) and takes it along when it leaves; without that, the chunk would
 * keep no holder and stay in the collection for ever.
 */
import { Context } from 'fabric-contract-api';
import { type ChunkRelease, CONSUMPTION_COLLECTION } from '@gridledger/core';
import { key, PrivateKeyTypes, readingKey } from '../keys';
import { getStates } from '../state-batch';

/** A chunk of the collection: the transaction that wrote it and its number in that transaction. */
export interface ChunkRef {
  txId: string;
  chunk: number;
}

/**
 * Where a reading's private part is: a chunk of the transaction that last wrote the reading;
 * `txId` is left out when that is the transaction that recorded it (the record's own txId).
 */
export interface PrivateRef {
  txId?: string;
  chunk: number;
  /** On the record of the chunk's newest interval (the last such one in the chunk): the chunk leaves with this record. */
  last?: true;
  /** Chunks that earlier versions of this record were the newest of (sorted): they leave with this record too. */
  heldChunks?: ChunkRef[];
}

/** What a stored record says of its chunks; records of a ledger from before the chunks have no privateRef. */
export interface ChunkHolder {
  txId: string;
  privateRef?: PrivateRef;
}

export const chunkKey = (ctx: Context, ref: ChunkRef): string => key(ctx, PrivateKeyTypes.readingChunk, ref.txId, String(ref.chunk));

/** The chunk that holds the record's private part. */
export const chunkOf = (record: ChunkHolder & { privateRef: PrivateRef }): ChunkRef => ({
  txId: record.privateRef.txId ?? record.txId,
  chunk: record.privateRef.chunk,
});

const byRef = (a: ChunkRef, b: ChunkRef) => (a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : a.chunk - b.chunk);

/** The chunks that leave the collection when `record` leaves the state. */
export function chunksLeavingWith(record: ChunkHolder): ChunkRef[] {
  const ref = record.privateRef;
  if (ref === undefined) return [];
  return [...(ref.last === true ? [chunkOf({ ...record, privateRef: ref })] : []), ...(ref.heldChunks ?? [])];
}

/** A stored reading record as far as its chunks go. */
type StoredRecord = ChunkHolder & { meterId: string; intervalStart: string };

/** The reading records this transaction read, by key: a rewrite's earlier version (heldAfterRewrites). */
const recordsRead = new WeakMap<Context, Map<string, ChunkHolder>>();

export function rememberRecords(ctx: Context, records: readonly StoredRecord[]): void {
  let known = recordsRead.get(ctx);
  if (known === undefined) recordsRead.set(ctx, (known = new Map()));
  for (const r of records) known.set(readingKey(ctx, r.meterId, r.intervalStart), r);
}

/**
 * What the new version of each record at `keys` holds, by key: the chunks its earlier version
 * held, and that version's own chunk when it was the newest there (sorted). The earlier versions
 * come from what the transaction read; any it did not read, in one round trip.
 */
export async function heldAfterRewrites(ctx: Context, keys: readonly string[]): Promise<Map<string, ChunkRef[]>> {
  const known = recordsRead.get(ctx) ?? new Map<string, ChunkHolder>();
  const missing = keys.filter((k) => !known.has(k));
  const values = await getStates(ctx, missing);
  const earlier = new Map(known);
  missing.forEach((k, i) => values[i] !== undefined && earlier.set(k, JSON.parse(values[i]!.toString('utf8')) as ChunkHolder));
  return new Map(keys.map((k) => [k, chunksLeavingWith(earlier.get(k) ?? { txId: '' }).sort(byRef)]));
}

/**
 * Takes from the collection the chunks that leave with `leaving` (chunksLeavingWith). By the
 * metering parameter `chunkRelease`: a delete (default) leaves the chunk's versions in the members'
 * private data store (about 130 bytes a reading, a tenth of what the block store grows); a purge
 * (purgePrivateData, application capability V2_5) removes them there too, for about 0.2 ms of peer
 * CPU per reading more in the soak (docs/bounded-state.md, "The chunks purged").
 */
export async function releaseChunks(ctx: Context, leaving: readonly ChunkHolder[], release: ChunkRelease): Promise<number> {
  const keys = [...new Set(leaving.flatMap((r) => chunksLeavingWith(r).map((ref) => chunkKey(ctx, ref))))].sort();
  for (const k of keys) {
    if (release === 'purge') await ctx.stub.purgePrivateData(CONSUMPTION_COLLECTION, k);
    else await ctx.stub.deletePrivateData(CONSUMPTION_COLLECTION, k);
  }
  return keys.length;
}
