/**
 * The rolling archive (core meter-chain.ts, docs/bounded-state.md "The rolling archive"): each
 * reading's transaction deletes the same meter's record one horizon older (and the private chunk it
 * was the newest of), and rewrites the
 * head of every meter whose records it wrote with the meter's chain, which commits to every record
 * the meter's transactions wrote. The hour archive (archive.ts) remains for what this leaves: the
 * records of meters that stopped sending, and of intervals a change of parameters skipped.
 */
import { Context } from 'fabric-contract-api';
import {
  canonicalJson,
  CHAIN_START,
  extendChain,
  formatInstant,
  MeterChain,
  MeteringParams,
  parseInstant,
  rolledOutStart,
  splitHead,
} from '@gridledger/core';
import { key, KeyTypes, readingKey } from '../keys';
import { txSeconds } from '../ledger';
import { getStates } from '../state-batch';

/** A head as this transaction read it: the latest record, and the chain it carried (none on a ledger from before the chain). */
export interface HeadBefore<R> {
  record: R;
  chain?: MeterChain;
}

/** What a transaction read of its meters' heads, by meter (undefined: the meter had no head). */
export type HeadsBefore<R> = Map<string, HeadBefore<R> | undefined>;

/** Parses a stored head into the record and its chain; `before`, when given, keeps both for writeHeads. */
export function parseHead<R extends object>(meterId: string, bytes: Uint8Array | undefined, before?: HeadsBefore<R>): R | undefined {
  const parsed = bytes === undefined ? undefined : splitHead(JSON.parse(Buffer.from(bytes).toString('utf8')) as R & { chain?: MeterChain });
  before?.set(meterId, parsed === undefined ? undefined : { record: parsed.record, ...(parsed.chain ? { chain: parsed.chain } : {}) });
  return parsed?.record;
}

/** One record this transaction wrote: its key, its bytes and the object serialized. */
export interface RecordWritten {
  meterId: string;
  intervalStart: string;
  key: string;
  value: Buffer;
  record: object;
}

/**
 * Rewrites the head of every meter among `written`: the new latest record when the meter has one
 * in `newHeads`, else the head it had, with the chain extended by the meter's records written here.
 */
export async function writeHeads<R extends object>(
  ctx: Context,
  written: readonly RecordWritten[],
  newHeads: readonly { meterId: string; intervalStart: string }[],
  before: HeadsBefore<R>,
): Promise<void> {
  const txId = ctx.stub.getTxID();
  const byMeter = new Map<string, RecordWritten[]>();
  for (const w of written) {
    const records = byMeter.get(w.meterId);
    if (records === undefined) byMeter.set(w.meterId, [w]);
    else records.push(w);
  }
  const latestOf = new Map(newHeads.map((h) => [h.meterId, h.intervalStart]));
  for (const meterId of [...byMeter.keys()].sort()) {
    // The batch loader reads the head of every meter it writes; a head not read would chain on what the transaction never saw.
    if (!before.has(meterId)) throw new Error(`the head of meter ${meterId} was not read before its records were written`);
    const previous = before.get(meterId);
    const records = byMeter.get(meterId)!;
    const chain: MeterChain = {
      root: extendChain(previous?.chain?.root ?? CHAIN_START, records),
      txId,
      prevTxId: previous?.chain?.txId ?? '',
    };
    const latest = latestOf.get(meterId);
    const record = latest === undefined ? previous?.record : records.find((w) => w.intervalStart === latest)?.record;
    if (record === undefined) throw new Error(`the head of meter ${meterId} is neither read nor among the readings written`);
    await ctx.stub.putState(key(ctx, KeyTypes.readingHead, meterId), Buffer.from(canonicalJson({ ...record, chain }), 'utf8'));
  }
}

/**
 * Deletes the record each written reading rolls out (core rolledOutStart) and returns the records
 * that left, whose private chunks the caller releases. The records are read (one round trip for
 * the transaction): only those present are deleted, and a record names its chunk. Nothing but this
 * transaction and the hour archive writes a record that old, so the read adds no conflict a
 * reading of the same meter does not already have (its head).
 */
export async function rollOut<R extends object>(
  ctx: Context,
  written: readonly { meterId: string; intervalStart: string }[],
  params: Pick<MeteringParams, 'intervalSeconds' | 'lateWindowSeconds' | 'archiveAfterSeconds'>,
): Promise<R[]> {
  const now = txSeconds(ctx);
  const keys = new Set<string>();
  for (const w of written) {
    const start = parseInstant(w.intervalStart);
    if (start !== undefined) keys.add(readingKey(ctx, w.meterId, formatInstant(rolledOutStart(start, now, params))));
  }
  const sorted = [...keys].sort();
  const values = await getStates(ctx, sorted);
  const leaving: R[] = [];
  for (const [i, k] of sorted.entries()) {
    const bytes = values[i];
    if (bytes === undefined) continue;
    leaving.push(JSON.parse(bytes.toString('utf8')) as R);
    await ctx.stub.deleteState(k);
  }
  return leaving;
}
