/**
 * The network a zonal clearing works on (docs/market.md, Zonal clearing): the community's grid
 * model in force at the interval, its limits in Wh over the interval, and each participant's zone
 * as its book entry recorded it at its first order; and the clearing's zone prices and feeder
 * flows, the operator's view of an interval.
 */
import { Context } from 'fabric-contract-api';
import {
  ClearingNetwork,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  MarketParams,
  networkOf,
  Order,
  participantZones,
} from '@gridledger/core';
import { requireRole } from '../access';
import { checkId, instantOf } from '../args';
import { getRecord } from '../ledger';
import { modelAt } from '../grid/store';
import { BookEntry, bookKey } from './book';
import { loadClearingRecord } from './clearing';

/**
 * The network of a zonal clearing of the interval, or null (uniform) when its market does not
 * select zonal or its community has no grid model in force at the interval. A participant without
 * a zone of the model clears at the connection point (participantZones). Everything it reads is
 * fixed once the interval is closed: a model changes only from an interval whose gate is open,
 * book entries only before the close.
 */
export async function clearingNetwork(
  ctx: Context,
  params: MarketParams,
  intervalStart: string,
  orders: readonly Order[],
): Promise<ClearingNetwork | null> {
  if (params.clearingMethod !== 'zonal') return null;
  const model = await modelAt(ctx, params.communityId, instantOf(intervalStart, 'intervalStart'));
  if (model === undefined) return null;
  const recorded = new Map<string, string | undefined>();
  for (const { participantId } of orders) {
    if (recorded.has(participantId)) continue;
    const entry = await getRecord<BookEntry>(ctx, bookKey(ctx, params.communityId, intervalStart, participantId));
    recorded.set(participantId, entry?.zone);
  }
  const network = networkOf(model.zones, params.intervalSeconds);
  return { network, zoneOf: participantZones(recorded, network) };
}

/**
 * Per interval, each zone's price and each feeder's flow, binding, losses and congestion rent as
 * the clearing recorded them (aggregates only, like the clearing record: anyone with a role). A
 * uniform clearing answers its one price for the whole community and no feeders.
 */
export async function getClearingZones(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, 'any', 'reading the zones of a clearing');
  checkId(communityId, 'communityId');
  const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
  const record = await loadClearingRecord(ctx, communityId, start);
  if (record === undefined)
    throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${start} has not been cleared`, { intervalStart: start });
  return {
    communityId,
    intervalStart: start,
    clearingMethod: record.clearingMethod ?? 'uniform',
    networkDigest: record.networkDigest ?? null,
    congested: record.congested ?? false,
    priceMicrosPerKwh: record.priceMicrosPerKwh,
    zones: record.zones ?? [],
    feeders: record.feeders ?? [],
  };
}
