/**
 * The operator's view of one interval over every zone (docs/grid.md, "One interval, every zone"):
 * the model in force at the interval, its clearing's zone prices and feeder flows, the zone
 * aggregates telemetry recorded, the mode it settles in and the load shedding in force. Point
 * reads only: one per zone (at most 200) besides the records of the interval.
 */
import { Context } from 'fabric-contract-api';
import { formatInstant, intervalZones, ZoneIntervalTelemetry } from '@gridledger/core';
import { requireRole } from '../access';
import { checkId, instantOf } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { loadClearingRecord } from '../market/clearing';
import { loadInterval } from '../market/interval';
import { settlesIslanded } from './island';
import { modelAt } from './store';

/** Every zone's price, feeder flow and measured balance in the interval at `intervalStart` (operator, utility, regulator). */
export async function getIntervalZones(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, ['operator', 'utility', 'regulator'], "reading an interval's zones");
  checkId(communityId, 'communityId');
  const startSeconds = instantOf(intervalStart, 'intervalStart');
  const start = formatInstant(startSeconds);
  const model = await modelAt(ctx, communityId, startSeconds);
  const clearing = await loadClearingRecord(ctx, communityId, start);
  const measured: ZoneIntervalTelemetry[] = [];
  for (const zone of model?.zones ?? []) {
    const aggregate = await getRecord<ZoneIntervalTelemetry>(ctx, key(ctx, KeyTypes.telemetryInterval, communityId, zone.zoneId, start));
    if (aggregate !== undefined) measured.push(aggregate);
  }
  return {
    communityId,
    intervalStart: start,
    status: (await loadInterval(ctx, communityId, start))?.status ?? null,
    mode: (await settlesIslanded(ctx, communityId, clearing, startSeconds)) ? 'islanded' : 'connected',
    modelEffectiveFrom: model?.effectiveFrom ?? null,
    clearingMethod: clearing === undefined ? null : (clearing.clearingMethod ?? 'uniform'),
    congested: clearing?.congested ?? false,
    priceMicrosPerKwh: clearing?.priceMicrosPerKwh ?? null,
    shedWh: clearing?.shedding?.shedWh ?? 0,
    zones: intervalZones(model?.zones ?? [], clearing, measured),
  };
}
