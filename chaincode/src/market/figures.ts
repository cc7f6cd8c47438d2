/**
 * The market's figures (core/src/market/figures.ts) as a query: it reads what the ledger recorded
 * for each settled interval (interval and clearing records, fills pages, settled participants, the
 * contract settlement and its contracts, the metering community view of the metering intervals
 * inside it) and returns aggregates only, never a participant's own figures, so anyone may read it.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ErrorCodes,
  Fill,
  figuresOf,
  formatInstant,
  GridLedgerError,
  IntervalFiguresInput,
  intervalTotals,
  addTotals,
  EMPTY_TOTALS,
  ParticipantSettlement,
  parseIntervalStart,
  SettledTrade,
} from '@gridledger/core';
import { requireRole } from '../access';
import { checkId, instantOf } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { respond } from '../respond';
import { communityView } from '../energy/community';
import { contractsDeliveringIn, ContractSettlementRecord, loadContract } from './bilateral-store';
import { loadClearingItems, loadClearingRecord } from './clearing';
import { meteringIntervalsOf } from './delivery';
import { IntervalRecord, loadInterval } from './interval';
import { paramsFor } from './params';
import { settledParticipants } from './settlement';
import { settlesIslanded } from '../grid/island';

/** A period query reads at most this many interval records (a day of 5-minute intervals). */
export const MAX_FIGURE_INTERVALS = 288;

/** The figures' inputs of one settled interval, or undefined while it, its contracts or its metering windows are not (an interval settled
 * by hand before its contracts waits for them). */
async function inputOf(ctx: Context, interval: IntervalRecord): Promise<IntervalFiguresInput | undefined> {
  if (interval.status !== 'settled') return undefined;
  const { communityId, intervalStart, params } = interval;
  const clearing = (await loadClearingRecord(ctx, communityId, intervalStart))!;
  const fills = await loadClearingItems<Fill>(ctx, clearing, 'fills');
  // A congested zonal clearing's areas clear at their own prices: the spot value is its trades' (participant buyers only).
  let spotValue: bigint | undefined;
  if (clearing.congested === true) {
    spotValue = 0n;
    for (const t of await loadClearingItems<SettledTrade>(ctx, clearing, 'trades'))
      if (typeof t.buyerFeederZoneId !== 'string') spotValue += BigInt(t.energyWh) * BigInt(t.priceMicrosPerKwh);
  }
  const deviations: ParticipantSettlement[] = await settledParticipants(ctx, communityId, intervalStart);
  const contracts: IntervalFiguresInput['contracts'][number][] = [];
  const settled = await getRecord<ContractSettlementRecord>(ctx, key(ctx, KeyTypes.contractSettled, communityId, intervalStart));
  if (settled === undefined && (await contractsDeliveringIn(ctx, communityId, instantOf(intervalStart, 'intervalStart'))).length > 0)
    return undefined;
  for (const id of settled?.contractIds ?? []) {
    const c = (await loadContract(ctx, id))!;
    contracts.push({
      sellerId: c.sellerId,
      buyerId: c.buyerId,
      energyWh: c.energyWhPerInterval,
      priceMicrosPerKwh: c.priceMicrosPerKwh,
      gridFeeMicrosPerKwh: c.gridFeeMicrosPerKwh,
    });
  }
  const contractDeviations = (settled?.parties ?? [])
    .filter((p) => p.deviationWh !== null)
    .map((p) => ({ deviationWh: p.deviationWh!, estimated: p.estimated }));
  const islanded = await settlesIslanded(ctx, communityId, clearing, instantOf(intervalStart, 'intervalStart'));
  const metering = [];
  for (const start of await meteringIntervalsOf(ctx, instantOf(intervalStart, 'intervalStart'), params.intervalSeconds)) {
    const view = await communityView(ctx, communityId, start);
    if (view === undefined) return undefined;
    metering.push(view);
  }
  return {
    params,
    clearing: { ...clearing, fills, ...(spotValue !== undefined ? { spotValue } : {}) },
    contracts,
    // Islanded, the spot and contract deviations were shared among the participants: the utility supplied and took none of them.
    deviations: islanded ? [] : [...deviations, ...contractDeviations],
    metering,
  };
}

@Info({ title: 'figures', description: 'The figures every market reports, per interval and over a period' })
export class FiguresContract extends Contract {
  constructor() {
    super('figures');
  }

  /** One interval's figures (anyone): INTERVAL_NOT_FOUND until it is settled. */
  @Transaction(false)
  @Returns('string')
  async getIntervalFigures(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getIntervalFigures', async () => {
      requireRole(ctx, 'any', 'reading market figures');
      const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
      const interval = await loadInterval(ctx, checkId(communityId, 'communityId'), start);
      const input = interval === undefined ? undefined : await inputOf(ctx, interval);
      if (input === undefined)
        throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${start} is not settled`, {
          intervalStart: start,
          status: interval?.status ?? 'open',
        });
      return { communityId, intervalStart: start, ...figuresOf(intervalTotals(input)) };
    });
  }

  /**
   * The figures of the settled intervals starting in [from, to) (anyone; from on the interval
   * grid), from the sums of their totals; intervals closed but not settled yet are named in
   * notSettled and left out. At most MAX_FIGURE_INTERVALS intervals (REQUEST_INVALID beyond).
   */
  @Transaction(false)
  @Returns('string')
  async getPeriodFigures(ctx: Context, communityId: string, from: string, to: string): Promise<string> {
    return respond(ctx, 'getPeriodFigures', async () => {
      requireRole(ctx, 'any', 'reading market figures');
      checkId(communityId, 'communityId');
      const fromSeconds = parseIntervalStart(from, (await paramsFor(ctx, communityId, instantOf(from, 'from'))).intervalSeconds);
      const toSeconds = instantOf(to, 'to');
      if (toSeconds <= fromSeconds) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'to must be after from', { field: 'to' });
      // Walk the interval grid (its length may change with the parameters): point reads, no range.
      const intervals: IntervalRecord[] = [];
      for (let t = fromSeconds, steps = 0; t < toSeconds; steps++) {
        if (steps === MAX_FIGURE_INTERVALS)
          throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `a period holds at most ${MAX_FIGURE_INTERVALS} intervals`, {
            field: 'to',
          });
        const interval = await loadInterval(ctx, communityId, formatInstant(t));
        if (interval !== undefined) intervals.push(interval);
        t += interval?.params.intervalSeconds ?? (await paramsFor(ctx, communityId, t)).intervalSeconds;
      }
      let totals = EMPTY_TOTALS;
      const notSettled: string[] = [];
      for (const interval of intervals) {
        const input = await inputOf(ctx, interval);
        if (input === undefined) notSettled.push(interval.intervalStart);
        else totals = addTotals(totals, intervalTotals(input));
      }
      return { communityId, from: formatInstant(fromSeconds), to: formatInstant(toSeconds), notSettled, ...figuresOf(totals) };
    });
  }
}
