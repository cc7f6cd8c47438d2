/**
 * Window close and re-settlement of a closed interval: thin shells over core/src/metering/window.ts.
 *
 * MVCC: readings never write per-participant records; positions are computed at window close
 * from point reads of each meter's reading, in one transaction per interval. Only a correction
 * of a closed interval (a verified reading replacing an estimate, a resolved dispute) rewrites a
 * position, and such transactions are rare.
 */
import { Context } from 'fabric-contract-api';
import {
  compareIds,
  estimateReading,
  gapSpan,
  MeterContribution,
  meterCounting,
  MeteredAsset,
  MeterRecord,
  MeteringParams,
  Position,
  PositionAnnouncement,
  positionOf,
  previousDayOf,
  saltOf,
  SeqGap,
  WindowRef,
  ZoneTotals,
  zoneTotals,
} from '@gridledger/core';
import { key, KeyTypes, readingKey, seqKeyPart } from '../keys';
import { getRecord, putRecord, txInstant } from '../ledger';
import { listRecords } from '../paging';
import { getStates } from '../state-batch';
import { windowCloseKey, windowKey, zoneIntervalKey, zoneIntervalPrefix } from './grid';
import { readReading, SharedReading, writeEstimate } from './privacy';
import { writePosition } from './positions';
import { adjustTokens } from './tokens';

export type { EstimateRecord } from './privacy';
export type { PositionCorrection, PositionRecord } from './positions';

export interface WindowRecord {
  communityId: string;
  intervalStart: string;
  closedAt: string;
  closedBy: string;
  txId: string;
  meters: number;
  estimated: number;
  participants: number;
  /** The participants with a position for the interval, by id. */
  participantIds: string[];
  retiredGaps: number;
  /** When the close took more than one transaction: how many, and when the first one ran. */
  pages?: number;
  startedAt?: string;
}

/**
 * What the position event (and a transaction's answer, which is in the block too) says of each
 * participant: the surplus/deficit announcement, without consumption or net position (private).
 * It names the participant's community, so that each community's bridge relays only its own.
 */
export const announce = (p: Position, communityId: string): PositionAnnouncement => ({
  communityId,
  participantId: p.participantId,
  intervalStart: p.intervalStart,
  balance: p.balance,
  productionWh: p.productionWh,
  estimated: p.estimated,
  tokensWh: p.tokens.reduce((s, t) => s + t.energyWh, 0),
});

export async function assetsOf(ctx: Context, meterIds: readonly string[]): Promise<MeteredAsset[]> {
  const out: MeteredAsset[] = [];
  for (const meterId of meterIds) out.push(...(await listRecords<MeteredAsset>(ctx, KeyTypes.assetByMeter, [meterId])));
  return out;
}

/** The state of a window whose close has begun and not ended: `windowClose~community~interval~length`. */
export interface WindowCloseCursor {
  communityId: string;
  intervalStart: string;
  /** The last participant closed so far: the next page starts after it. */
  afterParticipantId: string;
  pages: number;
  meters: number;
  estimated: number;
  retiredGaps: number;
  participantIds: string[];
  startedAt: string;
  startedBy: string;
}

/** Whether each window's close is under way (or done), in order: new readings of it are too late. One round trip on a peer. */
export async function areWindowsClosing(ctx: Context, windows: readonly WindowRef[], intervalSeconds: number): Promise<boolean[]> {
  const keys = windows.flatMap((w) => [
    windowKey(ctx, w.communityId, w.intervalStart, intervalSeconds),
    windowCloseKey(ctx, w.communityId, w.intervalStart, intervalSeconds),
  ]);
  const values = await getStates(ctx, keys);
  return windows.map((_, i) => values[2 * i] !== undefined || values[2 * i + 1] !== undefined);
}

/**
 * The community's next participants to close after `after`, by id, with their meters, up to
 * `budget` meters (at least one participant), and whether any participant is left after them. A
 * plain range read of the `meterByCommunity` index that stops early: the read set holds only what
 * it saw.
 */
async function nextParticipants(
  ctx: Context,
  communityId: string,
  after: string,
  budget: number,
): Promise<{ page: Map<string, string[]>; more: boolean }> {
  const page = new Map<string, string[]>();
  let meters = 0;
  const iterator = await ctx.stub.getStateByPartialCompositeKey(KeyTypes.meterByCommunity, [communityId]);
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const { attributes } = ctx.stub.splitCompositeKey(next.value.key);
      const [, participantId, meterId] = attributes;
      if (after !== '' && compareIds(participantId, after) <= 0) continue;
      if (!page.has(participantId)) {
        if (meters >= budget) return { page, more: true };
        page.set(participantId, []);
      }
      page.get(participantId)!.push(meterId);
      meters += 1;
    }
  } finally {
    await iterator.close();
  }
  return { page, more: false };
}

/**
 * Whether every interval the gap misses (gapSpan) has its window closed or closing; `known` holds
 * what is known already (the window being closed: true) and caches what is read. From the latest
 * interval back, stopping at the first open window: the read set holds the windows that decided,
 * so a close that commits meanwhile makes this transaction retry.
 */
async function missesClosedWindowsOnly(
  ctx: Context,
  communityId: string,
  gap: SeqGap,
  intervalSeconds: number,
  known: Map<string, boolean>,
): Promise<boolean> {
  for (const intervalStart of gapSpan(gap, intervalSeconds).reverse()) {
    if (!known.has(intervalStart)) {
      const [closing] = await areWindowsClosing(ctx, [{ communityId, intervalStart }], intervalSeconds);
      known.set(intervalStart, closing);
    }
    if (!known.get(intervalStart)) return false;
  }
  return true;
}

/** A retired gap's record: `retiredAt` is the interval whose close retired it, null when the transaction that opened it did. */
export interface RetiredGap extends SeqGap {
  retiredAt: string | null;
  txId: string;
}

async function retireGap(ctx: Context, gap: SeqGap, retiredAt: string | null): Promise<void> {
  await ctx.stub.deleteState(key(ctx, KeyTypes.gap, gap.meterId, seqKeyPart(gap.afterSeq)));
  const record: RetiredGap = { ...gap, retiredAt, txId: ctx.stub.getTxID() };
  await putRecord(ctx, key(ctx, KeyTypes.retiredGap, gap.meterId, seqKeyPart(gap.afterSeq)), record);
}

/**
 * A readings transaction's gap writes. A closed gap is deleted, open or retired (a correction that
 * lands in a retired gap); a new gap whose missed intervals are all closed already is recorded
 * retired at once, so no gap is open once every interval it misses is closed.
 */
export async function storeGaps(
  ctx: Context,
  toPut: readonly SeqGap[],
  toDelete: readonly { meterId: string; afterSeq: number }[],
  communityOf: (meterId: string) => string,
  intervalSeconds: number,
): Promise<void> {
  for (const g of toDelete) {
    await ctx.stub.deleteState(key(ctx, KeyTypes.gap, g.meterId, seqKeyPart(g.afterSeq)));
    await ctx.stub.deleteState(key(ctx, KeyTypes.retiredGap, g.meterId, seqKeyPart(g.afterSeq)));
  }
  const known = new Map<string, boolean>();
  for (const g of toPut) {
    const communityId = communityOf(g.meterId);
    if (await missesClosedWindowsOnly(ctx, communityId, g, intervalSeconds, known)) await retireGap(ctx, g, null);
    else await putRecord(ctx, key(ctx, KeyTypes.gap, g.meterId, seqKeyPart(g.afterSeq)), g);
  }
}

/**
 * Whether the meter has an accepted reading of an interval before `intervalStart`, of any epoch: a
 * gap after one says so; else the chain of public records is walked back from the head (it stops
 * at the first reading before the interval, or at the meter's first reading). A link says when the
 * reading before was, so one before the interval decides without reading it: its hour may be
 * archived (docs/bounded-state.md) when the meter was silent for longer than the horizon.
 */
async function reportedBefore(ctx: Context, meterId: string, intervalStart: string, gaps: readonly SeqGap[]): Promise<boolean> {
  if (gaps.some((g) => g.afterIntervalStart < intervalStart)) return true;
  let node = await getRecord<SharedReading>(ctx, key(ctx, KeyTypes.readingHead, meterId));
  while (node !== undefined) {
    if (node.intervalStart < intervalStart) return true;
    if (node.prevIntervalStart === null) return false;
    if (node.prevIntervalStart < intervalStart) return true;
    node = await getRecord<SharedReading>(ctx, readingKey(ctx, meterId, node.prevIntervalStart));
  }
  return false;
}

/**
 * Closes the window of one interval, one page of participants per transaction: estimates each
 * missing reading of the meters that count for it (core meterCounting: a reading for it, or in
 * service at its end and registered before that end or already reporting), retires the seq gaps
 * of the page's meters that miss closed windows only, and fixes, classifies and tokenises every
 * participant's position, adding the page's meters to the zone totals.
 * The first page writes the cursor (from then on the interval takes no new readings), the last
 * one the window record; `window` is returned by the last page only.
 */
export async function closeWindowPage(
  ctx: Context,
  communityId: string,
  intervalStart: string,
  params: MeteringParams,
  closedBy: string,
  seed: Uint8Array,
  budget = params.closePageMeters,
): Promise<{ window?: WindowRecord; cursor?: WindowCloseCursor; positions: Position[]; zones: ZoneTotals[] }> {
  const txId = ctx.stub.getTxID();
  const at = txInstant(ctx);
  const cursorKey = windowCloseKey(ctx, communityId, intervalStart, params.intervalSeconds);
  const cursor: WindowCloseCursor = (await getRecord<WindowCloseCursor>(ctx, cursorKey)) ?? {
    communityId,
    intervalStart,
    afterParticipantId: '',
    pages: 0,
    meters: 0,
    estimated: 0,
    retiredGaps: 0,
    participantIds: [],
    startedAt: at,
    startedBy: closedBy,
  };
  const { page, more } = await nextParticipants(ctx, communityId, cursor.afterParticipantId, budget);
  const byParticipant = new Map<string, MeterContribution[]>();
  const all: (MeterContribution & { communityId: string; zone?: string })[] = [];
  let estimated = 0;
  let retiredGaps = 0;
  // The window being closed counts as closed.
  const closedWindows = new Map<string, boolean>([[intervalStart, true]]);
  for (const [participantId, meterIds] of page) {
    for (const meterId of [...meterIds].sort(compareIds)) {
      const meter = await getRecord<MeterRecord>(ctx, key(ctx, KeyTypes.meter, meterId));
      if (meter === undefined) continue;
      const reading = await readReading(ctx, meter.meterId, intervalStart);
      const gaps = await listRecords<SeqGap>(ctx, KeyTypes.gap, [meter.meterId]);
      // Every gap of the page's meters, counting or not (a retired meter's too), once all it misses is closed.
      for (const gap of gaps) {
        if (!(await missesClosedWindowsOnly(ctx, communityId, gap, params.intervalSeconds, closedWindows))) continue;
        await retireGap(ctx, gap, intervalStart);
        retiredGaps += 1;
      }
      const counting = meterCounting(meter, intervalStart, params.intervalSeconds, reading !== undefined);
      if (counting === 'not') continue;
      if (counting === 'if-reported-before' && !(await reportedBefore(ctx, meter.meterId, intervalStart, gaps))) continue;
      let contribution: MeterContribution;
      if (reading !== undefined) {
        contribution = { meterId: meter.meterId, importWh: reading.importWh, exportWh: reading.exportWh, estimated: false };
      } else {
        const lastDay = await readReading(ctx, meter.meterId, previousDayOf(intervalStart));
        const estimate = estimateReading(meter.meterId, intervalStart, lastDay);
        await writeEstimate(ctx, estimate, seed, { txId, estimatedAt: at });
        contribution = { meterId: meter.meterId, importWh: estimate.importWh, exportWh: estimate.exportWh, estimated: true };
        estimated += 1;
      }
      all.push({ ...contribution, communityId: meter.communityId, ...(meter.zone !== undefined ? { zone: meter.zone } : {}) });
      const list = byParticipant.get(participantId) ?? [];
      list.push(contribution);
      byParticipant.set(participantId, list);
    }
  }

  const positions: Position[] = [];
  for (const participantId of [...byParticipant.keys()].sort(compareIds)) {
    const contributions = byParticipant.get(participantId)!;
    const assets = await assetsOf(
      ctx,
      contributions.filter((c) => c.exportWh > 0).map((c) => c.meterId),
    );
    const position = positionOf(participantId, intervalStart, contributions, assets, params.surplusThresholdWh);
    await writePosition(ctx, position, saltOf(seed, 'position', participantId, intervalStart), { txId, closedAt: at, corrections: [] });
    if (position.tokens.length > 0) await adjustTokens(ctx, participantId, intervalStart, position.tokens, 'window-close');
    positions.push(position);
  }
  // The page's meters are added to the zone totals as it goes, so a correction between pages finds them.
  const zones: ZoneTotals[] = [];
  for (const z of zoneTotals(intervalStart, all)) {
    const zoneKey = zoneIntervalKey(ctx, intervalStart, params.intervalSeconds, z.communityId, z.zone);
    const before = await getRecord<ZoneTotals>(ctx, zoneKey);
    const sum = before === undefined ? z : addZoneTotals(before, z);
    await putRecord(ctx, zoneKey, sum);
    zones.push(sum);
  }
  const progress: WindowCloseCursor = {
    ...cursor,
    afterParticipantId: [...page.keys()].pop() ?? cursor.afterParticipantId,
    pages: cursor.pages + 1,
    meters: cursor.meters + all.length,
    estimated: cursor.estimated + estimated,
    retiredGaps: cursor.retiredGaps + retiredGaps,
    participantIds: [...cursor.participantIds, ...positions.map((p) => p.participantId)],
  };
  if (more) {
    await putRecord(ctx, cursorKey, progress);
    return { cursor: progress, positions, zones };
  }
  if (cursor.pages > 0) await ctx.stub.deleteState(cursorKey);
  const window: WindowRecord = {
    communityId,
    intervalStart,
    closedAt: at,
    closedBy,
    txId,
    meters: progress.meters,
    estimated: progress.estimated,
    participants: progress.participantIds.length,
    participantIds: progress.participantIds,
    retiredGaps: progress.retiredGaps,
    ...(progress.pages > 1 ? { pages: progress.pages, startedAt: progress.startedAt } : {}),
  };
  await putRecord(ctx, windowKey(ctx, communityId, intervalStart, params.intervalSeconds), window);
  // A transaction does not read its own writes: the committed totals of the other zones, and this page's.
  // All of them the community's own.
  const mine = new Set(zones.map((z) => z.zone));
  const others = (
    await listRecords<ZoneTotals>(ctx, KeyTypes.zoneInterval, zoneIntervalPrefix(intervalStart, params.intervalSeconds, communityId))
  ).filter((z) => !mine.has(z.zone));
  return { window, positions, zones: [...others, ...zones].sort((x, y) => compareIds(x.zone, y.zone)) };
}

function addZoneTotals(a: ZoneTotals, b: ZoneTotals): ZoneTotals {
  const productionWh = a.productionWh + b.productionWh;
  const consumptionWh = a.consumptionWh + b.consumptionWh;
  return {
    ...a,
    productionWh,
    consumptionWh,
    netWh: productionWh - consumptionWh,
    meters: a.meters + b.meters,
    estimatedMeters: a.estimatedMeters + b.estimatedMeters,
  };
}
