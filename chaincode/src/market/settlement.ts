/**
 * Settlement of a cleared interval against the participants' metered delivery, one page per
 * transaction, the correction of a position settled on an estimate, and the postings both apply.
 */
import { Context } from 'fabric-contract-api';
import {
  compareIds,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  MeteredPosition,
  ParticipantSettlement,
  SettlementResult,
  Posting,
  safeMicros,
  settleCorrection,
  settleInterval as settleConnected,
  settleIslandedInterval,
  settlementPage,
  SettlementPage,
  SETTLEMENT_PAGE_SIZES,
  settlementPlan,
  settleShedDeviations,
  tradeSettlementPage,
  UTILITY_ACCOUNT,
} from '@gridledger/core';
import { requireOperator, requireRole } from '../access';
import { checkId, instantOf } from '../args';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { AccountOverlay } from './accounts';
import { Clearing, loadClearing, loadClearingRecord, loadTrades } from './clearing';
import { deliveryOf, meteringIntervalsOf } from './delivery';
import { conflict, intervalIn, loadInterval, nextPage, storeInterval } from './interval';
import { correctionTokens, SettledPage, transferTradeTokens } from './settlement-tokens';
import { settlesIslanded } from '../grid/island';

interface SettledRecord extends ParticipantSettlement {
  communityId: string;
  intervalStart: string;
  correctedAt?: string;
}

/**
 * Applies settlement postings: each is stored under a key of its own; the money moves once per
 * participant and reason (trade and grid fee out of the buyer's escrow), with one statement line
 * each, and the utility's side of all of them is one entry under `utilityEntryId`. So a page of
 * 1,000 postings writes 1,000 posting keys and a few keys per participant, not five keys per posting.
 */
export async function applyPostings(
  ctx: Context,
  accounts: AccountOverlay,
  communityId: string,
  intervalStart: string,
  postings: readonly Posting[],
  utilityEntryId: string,
): Promise<void> {
  const moves = new Map<string, { participantId: string; reason: string; fromEscrow: boolean; micros: bigint }>();
  const move = (participantId: string, reason: string, fromEscrow: boolean, micros: number) => {
    const k = `${participantId}\u0000${reason}\u0000${fromEscrow}`;
    const m = moves.get(k) ?? { participantId, reason, fromEscrow, micros: 0n };
    m.micros += BigInt(micros);
    moves.set(k, m);
  };
  let utility = 0n;
  for (const p of postings) {
    if (p.from === UTILITY_ACCOUNT) utility -= BigInt(p.amountMicros);
    else move(p.from, p.reason, p.reason === 'trade' || p.reason === 'grid-fee', -p.amountMicros);
    if (p.to === UTILITY_ACCOUNT) utility += BigInt(p.amountMicros);
    else move(p.to, p.reason, false, p.amountMicros);
    await putRecord(ctx, key(ctx, KeyTypes.posting, communityId, intervalStart, p.postingId), p);
  }
  const ref = `${communityId}/${intervalStart}`;
  for (const m of moves.values()) {
    const micros = safeMicros(m.micros, `the ${m.reason} postings of ${m.participantId}`);
    if (m.fromEscrow) await accounts.change(m.participantId, m.reason, ref, 0, micros);
    else await accounts.change(m.participantId, m.reason, ref, micros);
  }
  if (postings.some((p) => p.from === UTILITY_ACCOUNT || p.to === UTILITY_ACCOUNT)) {
    const entry = { amountMicros: safeMicros(utility, 'the utility entry'), ref: `${ref}/${utilityEntryId}` };
    await putRecord(ctx, key(ctx, KeyTypes.utilityEntry, communityId, intervalStart, utilityEntryId), entry);
  }
}

/**
 * Each trading participant's metered position (deliveryOf): verified, or estimated once the late
 * window has closed; SETTLEMENT_METERING_INCOMPLETE while a reading is missing before that.
 */
async function meteredPositions(
  ctx: Context,
  communityId: string,
  clearing: Pick<Clearing, 'fills'>,
  startSeconds: number,
  meteringIntervals: readonly string[],
): Promise<MeteredPosition[]> {
  const traders = new Set(clearing.fills.map((f) => f.participantId));
  const metered: MeteredPosition[] = [];
  const pending: string[] = [];
  for (const participantId of [...traders].sort(compareIds)) {
    const delivery = await deliveryOf(ctx, communityId, participantId, startSeconds, meteringIntervals);
    if (delivery.kind === 'settled') metered.push({ participantId, netWh: delivery.netWh, estimated: delivery.estimated });
    else pending.push(participantId);
  }
  if (pending.length > 0) {
    const message = 'a metering window of the interval is not closed, or a contract of these participants not settled';
    throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, message, { participantIds: pending.join(',') });
  }
  return metered;
}

/**
 * The whole settlement: without the utility's last-resort leg when the interval settles islanded,
 * and with the shed households held harmless when a load shedding was in force (docs/islanding.md).
 */
function settleWhole(
  clearing: Clearing,
  params: Parameters<typeof settleConnected>[1],
  metered: readonly MeteredPosition[],
  islanded: boolean,
): SettlementResult {
  if (islanded) return settleIslandedInterval(clearing, params, metered);
  const connected = settleConnected(clearing, params, metered);
  return clearing.shedding === undefined ? connected : settleShedDeviations(connected, clearing.shedding.sheds, params);
}

type Whole = { result: ReturnType<typeof settleWhole>; metered: MeteredPosition[]; islanded: boolean };

/**
 * Settles a cleared interval after delivery against the participants' energy positions, once the
 * metering windows of the interval are closed (SETTLEMENT_METERING_INCOMPLETE until then), one
 * page per transaction (settlementPage in the core: at most 1,000 postings, 500 participants and
 * 1,000 token transfers each). The first page fixes the positions (an estimated position settles
 * money only, flagged, and is corrected once by correctSettlement); every page recomputes the
 * same settlement from the recorded clearing and those positions and applies its own slice; the
 * last one marks the interval settled. `page` names the page the caller means ('' or undefined:
 * the next one): a page done before, or one out of turn, is refused with INTERVAL_STATE_CONFLICT,
 * and so is anything after the last.
 */
export async function settleInterval(ctx: Context, communityId: string, intervalStart: string, page: string): Promise<unknown> {
  requireOperator(ctx, 'settling an interval');
  checkId(communityId, 'communityId');
  const startSeconds = instantOf(intervalStart, 'intervalStart');
  const interval = await intervalIn(ctx, communityId, intervalStart, ['cleared', 'settling'], 'settle');
  const { params } = interval;
  if (txSeconds(ctx) < startSeconds + params.intervalSeconds)
    throw conflict(`interval ${intervalStart} has not been delivered yet`, { status: 'cleared', step: 'settle' });
  const next = nextPage(interval, interval.settlement?.pagesDone ?? 0, page, 'settle');
  const positionsKey = key(ctx, KeyTypes.settlePositions, communityId, intervalStart);
  const meteringIntervals = await meteringIntervalsOf(ctx, startSeconds, params.intervalSeconds);
  const settleParams = { ...params, utilityId: UTILITY_ACCOUNT };
  let progress = interval.settlement;
  let slice: SettlementPage;
  // The whole settlement, computed by the first page and the participant pages only (they read the whole clearing).
  let whole: Whole | undefined;
  const islanded = await settlesIslanded(ctx, communityId, await loadClearingRecord(ctx, communityId, intervalStart), startSeconds);
  if (progress === undefined) {
    // The first page fixes the positions and the plan: each later trade page reads only its own trades and their delivered Wh.
    const clearing = await loadClearing(ctx, communityId, intervalStart);
    const metered = await meteredPositions(ctx, communityId, clearing, startSeconds, meteringIntervals);
    // The whole settlement first: a refusal (AMOUNT_OUT_OF_RANGE...) comes before anything is written.
    const result = settleWhole(clearing, settleParams, metered, islanded);
    await putRecord(ctx, positionsKey, metered);
    const plan = settlementPlan(result, clearing.trades);
    for (let k = 1; k < plan.tradePages; k++)
      await putRecord(ctx, key(ctx, KeyTypes.settlePlan, communityId, intervalStart, seqKeyPart(k)), plan.delivered[k]);
    progress = { pageCount: plan.pageCount, pagesDone: 0, tradePages: plan.tradePages, sizes: SETTLEMENT_PAGE_SIZES };
    slice = settlementPage(result, clearing, plan, 0, settleParams);
    whole = { result, metered, islanded };
  } else if (next < progress.tradePages) {
    const size = progress.sizes.trades;
    const clearingRecord = (await loadClearingRecord(ctx, communityId, intervalStart))!;
    const trades = await loadTrades(ctx, clearingRecord, next * size, (next + 1) * size);
    const delivered = (await getRecord<number[]>(ctx, key(ctx, KeyTypes.settlePlan, communityId, intervalStart, seqKeyPart(next))))!;
    slice = {
      page: next,
      pageCount: progress.pageCount,
      participants: [],
      ...tradeSettlementPage(trades, delivered, clearingRecord, settleParams),
    };
  } else {
    const clearing = await loadClearing(ctx, communityId, intervalStart);
    const metered = (await getRecord<MeteredPosition[]>(ctx, positionsKey))!;
    const result = settleWhole(clearing, settleParams, metered, islanded);
    slice = settlementPage(result, clearing, { ...progress, delivered: [] }, next, settleParams, progress.sizes);
    whole = { result, metered, islanded };
  }
  const accounts = new AccountOverlay(ctx);
  await applyPostings(ctx, accounts, communityId, intervalStart, slice.postings, `page-${seqKeyPart(next)}`);
  await accounts.flush();
  for (const p of slice.participants) {
    await putRecord(ctx, key(ctx, KeyTypes.settled, communityId, intervalStart, p.participantId), { ...p, communityId, intervalStart });
  }
  const tokenTransfers = await transferTradeTokens(ctx, communityId, intervalStart, meteringIntervals, slice.tokenTransfers);
  const txId = ctx.stub.getTxID();
  await putRecord(ctx, key(ctx, KeyTypes.settlePage, communityId, intervalStart, seqKeyPart(next)), {
    page: next,
    txId,
    postingCount: slice.postings.length,
    tokenTransfers,
  });
  const done = next + 1 === slice.pageCount;
  const settledAt = txInstant(ctx);
  const settlement = { ...progress, pagesDone: next + 1 };
  const estimatedParticipantIds = whole?.metered.filter((m) => m.estimated).map((m) => m.participantId);
  const record = {
    communityId,
    intervalStart,
    settledAt,
    txId,
    pageCount: slice.pageCount,
    postingCount: whole?.result.postings.length,
    estimatedParticipantIds,
  };
  if (done) {
    // The last page is the first one or a participant page: both computed the whole settlement.
    await putRecord(ctx, key(ctx, KeyTypes.settlement, communityId, intervalStart), record);
    await storeInterval(ctx, { ...interval, status: 'settled', settlement, settledAt }, interval.status);
    setEvent(ctx, 'IntervalSettled', {
      communityId,
      intervalStart,
      settledAt,
      postingCount: record.postingCount,
      estimatedParticipantIds,
      pageCount: slice.pageCount,
      ...(whole?.islanded === true ? { islanded: true } : {}),
    });
  } else {
    await storeInterval(ctx, { ...interval, status: 'settling', settlement }, interval.status);
  }
  return { ...record, status: done ? 'settled' : 'settling', page: next, participants: slice.participants, tokenTransfers };
}

/** Settles the verified position of a participant that was settled on an estimate: one correction posting, once. */
export async function correctSettlement(ctx: Context, communityId: string, intervalStart: string, participantId: string): Promise<unknown> {
  requireOperator(ctx, 'correcting a settlement');
  checkId(communityId, 'communityId');
  checkId(participantId, 'participantId');
  const startSeconds = instantOf(intervalStart, 'intervalStart');
  const settledKey = key(ctx, KeyTypes.settled, communityId, intervalStart, participantId);
  const settled = await getRecord<SettledRecord>(ctx, settledKey);
  if (settled === undefined)
    throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `${participantId} was not settled in ${intervalStart}`, { participantId });
  if (!settled.estimated) throw conflict(`${participantId} was settled on verified readings`, { status: 'settled', step: 'correct' });
  const interval = (await loadInterval(ctx, communityId, intervalStart))!;
  // Islanded: the deviations were shared among the participants, with no utility leg to correct against.
  if (await settlesIslanded(ctx, communityId, await loadClearingRecord(ctx, communityId, intervalStart), startSeconds))
    throw conflict(`${intervalStart} was settled islanded: its estimated positions are final`, { status: 'settled', step: 'correct' });
  const meteringIntervals = await meteringIntervalsOf(ctx, startSeconds, interval.params.intervalSeconds);
  const delivery = await deliveryOf(ctx, communityId, participantId, startSeconds, meteringIntervals);
  if (delivery.kind !== 'settled' || delivery.estimated)
    throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'the position is still estimated', {
      participantIds: participantId,
    });
  const { participant, posting } = settleCorrection(settled, delivery.netWh, { ...interval.params, utilityId: UTILITY_ACCOUNT });
  const accounts = new AccountOverlay(ctx);
  if (posting !== null) await applyPostings(ctx, accounts, communityId, intervalStart, [posting], posting.postingId);
  await accounts.flush();
  const tokenTransfers =
    settled.side === 'sell'
      ? await correctionTokens(ctx, interval, meteringIntervals, participantId, delivery.netWh, settled.tradedWh)
      : [];
  const correctedAt = txInstant(ctx);
  await putRecord(ctx, settledKey, { ...participant, communityId, intervalStart, correctedAt, tokenTransfers });
  setEvent(ctx, 'SettlementCorrected', { communityId, intervalStart, participantId, posting });
  return { participant, posting, tokenTransfers };
}

/** Each participant's settlement of an interval (settled keys), for the settlement and the figures. */
export const settledParticipants = (ctx: Context, communityId: string, intervalStart: string): Promise<SettledRecord[]> =>
  listRecords<SettledRecord>(ctx, KeyTypes.settled, [communityId, intervalStart]);

/** The settlement of an interval: its record, each participant's settlement and every posting. */
export async function getSettlement(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading a settlement');
  checkId(communityId, 'communityId');
  const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
  const record = await getRecord(ctx, key(ctx, KeyTypes.settlement, communityId, start));
  if (record === undefined)
    throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${start} has not been settled`, { intervalStart: start });
  const participants = await settledParticipants(ctx, communityId, start);
  const postings = await listRecords<Posting>(ctx, KeyTypes.posting, [communityId, start]);
  const pages = await listRecords<SettledPage>(ctx, KeyTypes.settlePage, [communityId, start]);
  return { ...record, participants, postings, tokenTransfers: pages.flatMap((p) => p.tokenTransfers) };
}
