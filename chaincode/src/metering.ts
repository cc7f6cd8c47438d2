import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ErrorCodes,
  foldReadingBatch,
  formatInstant,
  GridLedgerError,
  hourMayBeArchived,
  loadReadingBatchState,
  MeterRecord,
  MeteringParams,
  mergeMeteringParams,
  parseInstant,
  parseReadingBatch,
  parseReadingHour,
  ReadingStore,
  SeqGap,
  StoredReading,
} from '@gridledger/core';
import { settleCorrections } from './energy/resettle';
import { areWindowsClosing, storeGaps } from './energy/window';
import { loadMeteringParams } from './energy/grid';
import { getStates, withWriteBatch } from './state-batch';
import {
  EstimateRecord,
  readHeads,
  readingsFromTransient,
  readingView,
  readReading,
  redactImport,
  requireConsumptionMember,
  SharedReading,
  writeReadings,
} from './energy/privacy';
import { releaseChunks } from './energy/chunk-release';
import { actorOf, meterOwner, requireOperator, requireOwnRecords, requireRole } from './access';
import { checkFields, checkId, checkInstant, parseObjectArgument } from './args';
import { key, KeyTypes, readingHourOf, readingKey } from './keys';
import { getRecord, putRecord, setEvent, txSeconds } from './ledger';
import { listRecords, pageSizeOf } from './paging';
import { respond } from './respond';
import { archivedHoursOf, archiveReadingHourPage, failIfArchived, hourPastHorizon, MAX_ARCHIVE_PAGE, readArchive } from './energy/archive';
import { HeadsBefore, parseHead, rollOut } from './energy/reading-chain';

/** listReadings spans at most this many intervals of the current length, and at most MAX_LIST_HOURS hours (one range each). */
export const MAX_LIST_INTERVALS = 1000;
export const MAX_LIST_HOURS = 1000;

export { loadMeteringParams };

/** The loader's reads on the stub; readings come with their private part, estimates it found are kept for the corrections. */
function storeOf(
  ctx: Context,
  params: MeteringParams,
  estimates: Map<string, EstimateRecord>,
  heads: HeadsBefore<SharedReading>,
): ReadingStore {
  const pastHorizon = (intervalStart: string) => hourPastHorizon(ctx, readingHourOf(intervalStart), params);
  return {
    getMeters: async (meterIds) =>
      (
        await getStates(
          ctx,
          meterIds.map((meterId) => key(ctx, KeyTypes.meter, meterId)),
        )
      ).map((bytes) => (bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as MeterRecord))),
    // A record past every horizon may have lost its private part with its chunk's newest reading (releaseChunks).
    getHeads: (meterIds) => readHeads(ctx, meterIds, heads, pastHorizon),
    getReading: (meterId, intervalStart) => readReading(ctx, meterId, intervalStart, pastHorizon),
    areWindowsClosed: (windows) => areWindowsClosing(ctx, windows, params.intervalSeconds),
    hasEstimate: async (meterId, intervalStart) => {
      const estimate = await getRecord<EstimateRecord>(ctx, key(ctx, KeyTypes.estimate, meterId, intervalStart));
      if (estimate !== undefined) estimates.set(`${meterId} ${intervalStart}`, estimate);
      return estimate !== undefined;
    },
    // Past every horizon, a record may have left with the meter's later reading (reading-chain.ts rollOut) before any hour archive.
    isHourArchived: async (hour) => hourPastHorizon(ctx, hour, params) || (await readArchive(ctx, hour)) !== undefined,
  };
}

/** Signed meter readings: verified, ordered per meter, gaps recorded. */
@Info({ title: 'metering', description: 'Signed meter readings' })
export class MeteringContract extends Contract {
  constructor() {
    super('metering');
  }

  /**
   * A JSON array of signed readings (or `{ readings: [...] }`), 1 to 200, by a meter-bridge or an
   * operator of Community or Utility, as the transient field `readings` (energy/privacy.ts: import
   * is household data and must not reach a block); the argument `batch` must be empty. Each
   * reading gets its own verdict; a bad one never fails the batch.
   */
  @Transaction()
  @Returns('string')
  async submitReadings(ctx: Context, batch: string): Promise<string> {
    return respond(ctx, 'submitReadings', async () => {
      requireRole(ctx, ['meter-bridge', 'operator'], 'submitting readings');
      requireConsumptionMember(ctx, 'submitting readings');
      const all = parseReadingBatch(readingsFromTransient(ctx, batch));
      const params = await loadMeteringParams(ctx);
      const nowSeconds = txSeconds(ctx);
      const txId = ctx.stub.getTxID();
      // Readings of an archived hour never reach the fold: their records left the state, so they are neither new nor checkable.
      const { inputs, indexes, archived } = await setArchivedApart(ctx, all);
      const estimates = new Map<string, EstimateRecord>();
      const before: HeadsBefore<SharedReading> = new Map();
      const loaded = await loadReadingBatchState(inputs, params, nowSeconds, storeOf(ctx, params, estimates, before));
      const folded = foldReadingBatch(inputs, loaded, { ...params, nowSeconds, txId, recordedAt: formatInstant(nowSeconds) });
      const outcome = {
        ...folded,
        rejected: folded.rejected + archived.length,
        results: [...folded.results.map((r) => ({ ...r, index: indexes[r.index]! })), ...archived].sort((a, b) => a.index - b.index),
      };

      const { readings, heads, gapsToPut, gapsToDelete } = outcome.writes;
      // All writes in one message to the peer (state-batch.ts), sent when the block returns.
      const corrections = await withWriteBatch(ctx, async () => {
        const leaving = await rollOut<SharedReading>(ctx, await writeReadings(ctx, readings, heads, before), params);
        await releaseChunks(ctx, [...leaving, ...(await replacedAndGone(ctx, heads, before, params))], params.chunkRelease);
        await storeGaps(ctx, gapsToPut, gapsToDelete, (meterId) => loaded.meters.get(meterId)!.meter!.communityId, params.intervalSeconds);
        return settleCorrections(ctx, readings, params, loaded.meters, estimates);
      });
      setEvent(ctx, 'ReadingsRecorded', {
        txId,
        accepted: outcome.accepted,
        rejected: outcome.rejected,
        gapsOpened: gapsToPut,
        ...(corrections.length > 0 ? { corrections } : {}),
      });
      // The answer is in the block too: no import value in a rejection's message or details.
      return { results: outcome.results.map(redactImport), txId };
    });
  }

  @Transaction(false)
  @Returns('string')
  async getReading(ctx: Context, meterId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getReading', async () => {
      const caller = requireRole(ctx, 'any', 'reading a meter reading');
      checkId(meterId, 'meterId');
      checkInstant(intervalStart, 'intervalStart');
      const owner = await meterOwner(ctx, meterId);
      requireOwnRecords(caller, owner, 'read the readings of meters');
      const reading = await getRecord<SharedReading>(ctx, readingKey(ctx, meterId, intervalStart));
      if (reading === undefined) {
        await failIfArchived(ctx, meterId, intervalStart);
        throw new GridLedgerError(ErrorCodes.READING_NOT_FOUND, `no reading of meter ${meterId} for ${intervalStart}`, {
          meterId,
          intervalStart,
        });
      }
      return readingView(ctx, reading, owner ?? '');
    });
  }

  /**
   * `{ meterId, from, to, archived? }`: the stored readings with from <= intervalStart <= to, at most
   * 1000 intervals and 1000 hours. With `archived: true` the answer is `{ readings, archivedHours }`:
   * also the archive records of the range's archived hours, whose readings left the state.
   */
  @Transaction(false)
  @Returns('string')
  async listReadings(ctx: Context, query: string): Promise<string> {
    return respond(ctx, 'listReadings', async () => {
      const caller = requireRole(ctx, 'any', 'listing readings');
      const input = parseObjectArgument(query, 'the query');
      checkFields(input, ['meterId', 'from', 'to', 'archived'], 'the query');
      if (input.archived !== undefined && typeof input.archived !== 'boolean')
        throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'archived must be true or false', { field: 'archived' });
      const meterId = checkId(input.meterId, 'meterId');
      const owner = await meterOwner(ctx, meterId);
      requireOwnRecords(caller, owner, 'list the readings of meters');
      const from = checkInstant(input.from, 'from');
      const to = checkInstant(input.to, 'to');
      if (from > to) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'from must not be after to', { field: 'from' });
      const { intervalSeconds } = await loadMeteringParams(ctx);
      const intervals = Math.floor((to - from) / intervalSeconds) + 1;
      if (intervals > MAX_LIST_INTERVALS) {
        throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `a query spans at most ${MAX_LIST_INTERVALS} intervals, not ${intervals}`, {
          field: 'to',
          max: MAX_LIST_INTERVALS,
        });
      }
      // Readings are keyed hour first (readingKey): one range per hour, whatever the interval length was.
      const firstHour = Math.floor(from / 3600) * 3600;
      const hours = Math.floor((to - firstHour) / 3600) + 1;
      if (hours > MAX_LIST_HOURS) {
        throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `a query spans at most ${MAX_LIST_HOURS} hours, not ${hours}`, {
          field: 'to',
          max: MAX_LIST_HOURS,
        });
      }
      const found: SharedReading[] = [];
      for (let h = 0; h < hours; h++) {
        const hour = readingHourOf(formatInstant(firstHour + h * 3600));
        for (const reading of await listRecords<SharedReading>(ctx, KeyTypes.reading, [hour, meterId])) {
          const start = parseInstant(reading.intervalStart)!;
          if (start >= from && start <= to) found.push(reading);
        }
      }
      const readings = [];
      for (const r of found) readings.push(await readingView(ctx, r, owner ?? ''));
      if (input.archived !== true) return readings;
      const hourList = Array.from({ length: hours }, (_, h) => firstHour + h * 3600);
      return { readings, archivedHours: await archivedHoursOf(ctx, hourList) };
    });
  }

  /**
   * `{ hour, pageSize? }` by an operator of CommunityMSP: archives the next page (at most
   * MAX_ARCHIVE_PAGE, default 100) of the hour's readings once every horizon of the hour has passed
   * (energy/archive.ts); returns the hour's archive record, `done` once nothing is left.
   */
  @Transaction()
  @Returns('string')
  async archiveReadingHour(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'archiveReadingHour', async () => {
      requireOperator(ctx, 'archiving readings');
      const input = parseObjectArgument(request, 'the request');
      checkFields(input, ['hour', 'pageSize'], 'the request');
      // The page's deletes, chunk releases and record go to the peer in one message (state-batch.ts), not one round trip each.
      return withWriteBatch(ctx, () => archiveReadingHourPage(ctx, String(input.hour), pageSizeOf(input.pageSize, MAX_ARCHIVE_PAGE)));
    });
  }

  /** `hour` (YYYY-MM-DDTHH): the hour's archive record; READING_NOT_FOUND while none of its readings is archived. */
  @Transaction(false)
  @Returns('string')
  async getReadingHourArchive(ctx: Context, hour: string): Promise<string> {
    return respond(ctx, 'getReadingHourArchive', async () => {
      requireRole(ctx, 'any', 'reading an archived hour');
      const archive = await readArchive(ctx, hour);
      if (archive === undefined) throw new GridLedgerError(ErrorCodes.READING_NOT_FOUND, `no archived readings of ${hour}`, { hour });
      return archive;
    });
  }

  /**
   * The meter's chain (energy/reading-chain.ts): its head's interval and `chain`, from which a
   * verifier walks the block store back (npm run audit -- readings-chain). Null fields before the
   * meter's first reading, and `chain` null on a head written before the chain existed.
   */
  @Transaction(false)
  @Returns('string')
  async getMeterChain(ctx: Context, meterId: string): Promise<string> {
    return respond(ctx, 'getMeterChain', async () => {
      const caller = requireRole(ctx, 'any', "reading a meter's chain");
      checkId(meterId, 'meterId');
      requireOwnRecords(caller, await meterOwner(ctx, meterId), 'read the chains of meters');
      const before: HeadsBefore<SharedReading> = new Map();
      const [bytes] = await getStates(ctx, [key(ctx, KeyTypes.readingHead, meterId)]);
      const head = parseHead<SharedReading>(meterId, bytes, before);
      return { meterId, intervalStart: head?.intervalStart ?? null, chain: before.get(meterId)?.chain ?? null };
    });
  }

  /** The meter's open seq gaps, by afterSeq. */
  @Transaction(false)
  @Returns('string')
  async listGaps(ctx: Context, meterId: string): Promise<string> {
    return respond(ctx, 'listGaps', async () => {
      const caller = requireRole(ctx, 'any', 'listing gaps');
      checkId(meterId, 'meterId');
      requireOwnRecords(caller, await meterOwner(ctx, meterId), 'list the gaps of meters');
      const gaps = await listRecords<SeqGap>(ctx, KeyTypes.gap, [meterId]);
      return gaps.sort((a, b) => a.afterSeq - b.afterSeq);
    });
  }

  @Transaction(false)
  @Returns('string')
  async getParams(ctx: Context): Promise<string> {
    return respond(ctx, 'getParams', async () => {
      requireRole(ctx, 'any', 'reading the metering parameters');
      return loadMeteringParams(ctx);
    });
  }

  /** Fields of the parameters to change, by an operator of CommunityMSP; every change is kept under its tx id. */
  @Transaction()
  @Returns('string')
  async setParams(ctx: Context, change: string): Promise<string> {
    return respond(ctx, 'setParams', async () => {
      const caller = requireOperator(ctx, 'setting the metering parameters');
      const input = parseObjectArgument(change, 'the parameters');
      const previous = await loadMeteringParams(ctx);
      const params = mergeMeteringParams(previous, input);
      const txId = ctx.stub.getTxID();
      await putRecord(ctx, key(ctx, KeyTypes.meteringParams), params);
      const record = {
        txId,
        changedAt: formatInstant(txSeconds(ctx)),
        changedBy: actorOf(ctx, caller),
        mspId: caller.mspId,
        previous,
        params,
      };
      await putRecord(ctx, key(ctx, KeyTypes.meteringParamsChange, txId), record);
      setEvent(ctx, 'MeteringParamsChanged', record);
      return { params, txId };
    });
  }
}

/**
 * The heads this transaction replaces whose record already left the state (the hour archive keeps
 * a head's chunk, archive.ts): their chunk goes now. Only heads past every horizon are looked up:
 * a meter's first reading after a long silence. A head whose record is still there releases its
 * chunk when the record leaves.
 */
async function replacedAndGone(
  ctx: Context,
  heads: readonly StoredReading[],
  before: HeadsBefore<SharedReading>,
  params: MeteringParams,
): Promise<SharedReading[]> {
  const old = heads
    .map((h) => before.get(h.meterId)?.record)
    .filter((r): r is SharedReading => r !== undefined && hourPastHorizon(ctx, readingHourOf(r.intervalStart), params));
  const records = await getStates(
    ctx,
    old.map((r) => readingKey(ctx, r.meterId, r.intervalStart)),
  );
  return old.filter((_, i) => records[i] === undefined);
}

/**
 * The batch's readings whose hour is archived, set apart with a READING_ARCHIVED rejection each; the
 * others in their order, with their indexes in the batch. One read per distinct hour.
 */
async function setArchivedApart(
  ctx: Context,
  all: unknown[],
): Promise<{
  inputs: unknown[];
  indexes: number[];
  archived: {
    index: number;
    meterId: string | null;
    intervalStart: string | null;
    status: 'rejected';
    code: string;
    message: string;
    details: Record<string, string | number>;
  }[];
}> {
  const hourOf = (r: unknown): string | undefined => {
    const start = typeof r === 'object' && r !== null ? (r as { intervalStart?: unknown }).intervalStart : undefined;
    return typeof start === 'string' && start.length >= 13 ? readingHourOf(start) : undefined;
  };
  // Only hours old enough to have been archived under any valid parameters are looked up: a batch of current readings reads nothing more.
  const now = txSeconds(ctx);
  const old = (h: string | undefined): h is string => {
    const start = parseReadingHour(h);
    return start !== undefined && hourMayBeArchived(start, now);
  };
  const hours = [...new Set(all.map(hourOf).filter(old))].sort();
  const archives = new Map<string, { root: string; lastTxId: string }>();
  for (const h of hours) {
    const a = await readArchive(ctx, h);
    if (a !== undefined) archives.set(h, a);
  }
  const inputs: unknown[] = [];
  const indexes: number[] = [];
  const archived = [];
  for (const [index, r] of all.entries()) {
    const a = archives.get(hourOf(r) ?? '');
    if (a === undefined) {
      inputs.push(r);
      indexes.push(index);
      continue;
    }
    const { meterId, intervalStart } = r as { meterId?: unknown; intervalStart: string };
    archived.push({
      index,
      meterId: typeof meterId === 'string' ? meterId : null,
      intervalStart,
      status: 'rejected' as const,
      code: ErrorCodes.READING_ARCHIVED,
      message: `the readings of ${readingHourOf(intervalStart)} are archived`,
      details: { hour: readingHourOf(intervalStart), root: a.root, lastTxId: a.lastTxId },
    });
  }
  return { inputs, indexes, archived };
}
