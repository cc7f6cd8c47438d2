/**
 * Archiving an hour of readings (docs/bounded-state.md): once every horizon of the hour has passed
 * (core hourArchivable), each page deletes the next `pageSize` reading records of the hour from the
 * world state (they are one key range, hour first: readingKey) and folds their Merkle root into the
 * hour's record `readingHourArchive~hour`. The records stay in the block store, in the write set of
 * the transactions that recorded them; the page's event lists each one's key, recording txId and
 * leaf, so that anyone can fetch it (qscc GetTransactionByID) and prove it against the root.
 * A record that is its private chunk's newest takes the chunk with it (chunk-release.ts). Most records leave
 * earlier, with the meter's reading one horizon later (reading-chain.ts): the hour archive takes
 * what that leaves.
 */
import { Context } from 'fabric-contract-api';
import {
  archiveLeaf,
  chainRoot,
  emptyArchive,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  hourArchivable,
  hourMayBeArchived,
  merkleRoot,
  parseReadingHour,
  ReadingHourArchive,
} from '@gridledger/core';
import { key, KeyTypes, readingHourOf } from '../keys';
import { getRecord, putRecord, setEvent, txSeconds } from '../ledger';
import { getStates } from '../state-batch';
import { loadMeteringParams } from './grid';
import { SharedReading } from './privacy';
import { chunksLeavingWith, releaseChunks } from './chunk-release';

/** The most records one archive page deletes (each delete is a write of the transaction). */
export const MAX_ARCHIVE_PAGE = 2000;

export const archiveKey = (ctx: Context, hour: string): string => key(ctx, KeyTypes.readingHourArchive, hour);

/** The hour's archive record, undefined while none of its readings left the state. */
export const readArchive = (ctx: Context, hour: string): Promise<ReadingHourArchive | undefined> =>
  getRecord<ReadingHourArchive>(ctx, archiveKey(ctx, hour));

/** One page of an hour's archive: idempotent (a finished hour is returned as it is). */
export async function archiveReadingHourPage(ctx: Context, hour: string, pageSize: number): Promise<ReadingHourArchive> {
  const hourStart = parseReadingHour(hour);
  if (hourStart === undefined) throw new GridLedgerError(ErrorCodes.ARCHIVE_NOT_DUE, 'hour must be YYYY-MM-DDTHH (UTC)', { field: 'hour' });
  const params = await loadMeteringParams(ctx);
  const now = txSeconds(ctx);
  if (!hourArchivable(hourStart, now, params.lateWindowSeconds, params.archiveAfterSeconds)) {
    throw new GridLedgerError(ErrorCodes.ARCHIVE_NOT_DUE, `the readings of ${hour} stay until every horizon has passed`, {
      hour,
      dueAt: formatInstant(hourStart + 3600 + Math.max(params.lateWindowSeconds, params.archiveAfterSeconds)),
    });
  }
  const before = (await readArchive(ctx, hour)) ?? emptyArchive(hour);
  if (before.done) return before;
  const txId = ctx.stub.getTxID();
  const leaves: Buffer[] = [];
  const entries: { key: string; txId: string; leaf: string }[] = [];
  const records: SharedReading[] = [];
  // Deleted keys are gone from the committed state: every page starts at the hour's first remaining record.
  const iterator = ctx.stub.getStateByPartialCompositeKey(KeyTypes.reading, [hour]);
  for await (const entry of iterator) {
    const value = Buffer.from(entry.value);
    const leaf = archiveLeaf(entry.key, value);
    leaves.push(leaf);
    // The transaction whose write set holds these bytes: the last one that wrote the record (a rewrite moves its private part).
    const record = JSON.parse(value.toString('utf8')) as SharedReading;
    records.push(record);
    entries.push({ key: entry.key, txId: record.privateRef?.txId ?? record.txId, leaf: leaf.toString('hex') });
    if (leaves.length === pageSize) break;
  }
  for (const e of entries) await ctx.stub.deleteState(e.key);
  await releaseChunks(ctx, await notHeads(ctx, records), params.chunkRelease);
  const pageRoot = merkleRoot(leaves);
  const after: ReadingHourArchive = {
    hour,
    count: before.count + leaves.length,
    pages: before.pages + (leaves.length > 0 ? 1 : 0),
    root: leaves.length > 0 ? chainRoot(Buffer.from(before.root, 'hex'), pageRoot).toString('hex') : before.root,
    lastKey: entries.at(-1)?.key ?? before.lastKey,
    lastTxId: leaves.length > 0 ? txId : before.lastTxId,
    done: leaves.length < pageSize,
  };
  await putRecord(ctx, archiveKey(ctx, hour), after);
  // The page's index into the block store: the event is in this transaction's block, not in the state.
  setEvent(ctx, 'ReadingHourArchived', {
    hour,
    page: after.pages,
    prevTxId: before.lastTxId,
    pageRoot: pageRoot.toString('hex'),
    root: after.root,
    records: entries,
    done: after.done,
  });
  return after;
}

/**
 * The records among `records` that are not their meter's head: a meter silent since then still
 * reads its head's private part, so that chunk stays until a reading replaces the head
 * (metering.ts replacedAndGone). Only the records that would release a chunk are looked up.
 */
async function notHeads(ctx: Context, records: readonly SharedReading[]): Promise<SharedReading[]> {
  const flagged = records.filter((r) => chunksLeavingWith(r).length > 0);
  const heads = await getStates(
    ctx,
    flagged.map((r) => key(ctx, KeyTypes.readingHead, r.meterId)),
  );
  return flagged.filter((r, i) => {
    const head = heads[i] === undefined ? undefined : (JSON.parse(heads[i]!.toString('utf8')) as SharedReading);
    return head?.intervalStart !== r.intervalStart;
  });
}

/**
 * Whether every horizon of `hour` has passed (core hourArchivable under the current parameters):
 * its records may then have left the state, with the meter's later reading (reading-chain.ts) or
 * the hour archive, and a record not found there is no answer about the reading.
 */
export function hourPastHorizon(ctx: Context, hour: string, params: { lateWindowSeconds: number; archiveAfterSeconds: number }): boolean {
  const start = parseReadingHour(hour);
  return start !== undefined && hourArchivable(start, txSeconds(ctx), params.lateWindowSeconds, params.archiveAfterSeconds);
}

/**
 * READING_ARCHIVED when the hour of `intervalStart` is archived or past every horizon (a record
 * looked for and not found there): with the hour's archive record when it has one, else
 * `rolling: true` (the meter's later reading took it out; the meter's chain commits to it).
 */
export async function failIfArchived(ctx: Context, meterId: string, intervalStart: string): Promise<void> {
  const hour = readingHourOf(intervalStart);
  const archive = await readArchive(ctx, hour);
  if (archive !== undefined) {
    throw new GridLedgerError(
      ErrorCodes.READING_ARCHIVED,
      `the readings of ${archive.hour} are archived: the block store holds them, the hour's root proves them`,
      { meterId, intervalStart, hour: archive.hour, count: archive.count, root: archive.root, lastTxId: archive.lastTxId },
    );
  }
  if (hourPastHorizon(ctx, hour, await loadMeteringParams(ctx))) {
    throw new GridLedgerError(
      ErrorCodes.READING_ARCHIVED,
      `the readings of ${hour} are past every horizon: the block store holds them, the meter's chain proves them`,
      { meterId, intervalStart, hour, rolling: true },
    );
  }
}

/** Where an archived hour's readings went: its count, root and last page's transaction. */
export interface ArchivedHour {
  hour: string;
  count: number;
  root: string;
  lastTxId: string;
  done: boolean;
}

/**
 * The archive records of the hours starting at `hourStarts` (epoch seconds) that are archived, in
 * order: one round trip, and only for hours old enough to have been archived (core hourMayBeArchived).
 */
export async function archivedHoursOf(ctx: Context, hourStarts: readonly number[]): Promise<ArchivedHour[]> {
  const now = txSeconds(ctx);
  const hours = hourStarts.filter((h) => hourMayBeArchived(h, now)).map((h) => formatInstant(h).slice(0, 13));
  const values = await getStates(
    ctx,
    hours.map((h) => archiveKey(ctx, h)),
  );
  const out: ArchivedHour[] = [];
  for (const bytes of values) {
    if (bytes === undefined) continue;
    const { hour, count, root, lastTxId, done } = JSON.parse(bytes.toString('utf8')) as ReadingHourArchive;
    out.push({ hour, count, root, lastTxId, done });
  }
  return out;
}
