/** The community view of one metering interval: its zone totals, summed once the window is closed. */
import { Context } from 'fabric-contract-api';
import { ZoneTotals } from '@gridledger/core';
import { KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { listRecords } from '../paging';
import { loadMeteringParams, windowKey, zoneIntervalPrefix } from './grid';

export interface CommunityView {
  communityId: string;
  intervalStart: string;
  productionWh: number;
  consumptionWh: number;
  /** What the community exchanged with the utility's grid: > 0 it exported, < 0 it imported. */
  netExchangeWh: number;
  estimatedMeters: number;
  zones: ZoneTotals[];
}

/** The view of one community (the zones of its meters), or undefined while the interval's metering window is not closed. */
export async function communityView(ctx: Context, communityId: string, intervalStart: string): Promise<CommunityView | undefined> {
  const { intervalSeconds } = await loadMeteringParams(ctx);
  if ((await getRecord(ctx, windowKey(ctx, communityId, intervalStart, intervalSeconds))) === undefined) return undefined;
  const zones = await listRecords<ZoneTotals>(ctx, KeyTypes.zoneInterval, zoneIntervalPrefix(intervalStart, intervalSeconds, communityId));
  const productionWh = zones.reduce((s, z) => s + z.productionWh, 0);
  const consumptionWh = zones.reduce((s, z) => s + z.consumptionWh, 0);
  const estimatedMeters = zones.reduce((s, z) => s + z.estimatedMeters, 0);
  return { communityId, intervalStart, productionWh, consumptionWh, netExchangeWh: productionWh - consumptionWh, estimatedMeters, zones };
}
