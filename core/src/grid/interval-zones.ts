/**
 * The operator's view of one interval over every zone (docs/grid.md, "One interval, every zone"),
 * pure: the zones of the model in force with their feeder ratings, the price the clearing gave
 * each zone and the flow, binding limit, losses and congestion rent of its feeder, and the
 * balance telemetry measured in it (the interval aggregate on the ledger). Zones in id order.
 */
import { compareIds } from '../core/identity';
import type { FeederFlow, ZonePrice } from '../market/zonal';
import type { ZoneIntervalTelemetry } from '../telemetry/balance';
import type { GridZone } from './model';

/** One zone of the view. A field the interval does not have yet (not cleared, nothing measured) is null. */
export interface IntervalZone extends GridZone {
  /** The zone's price: its area's in a zonal clearing, the one price of a uniform one. */
  priceMicrosPerKwh: number | null;
  areaZoneId: string | null;
  /** The zone's feeder in the clearing (null for the root, a uniform clearing, or before the clearing). */
  feeder: Omit<FeederFlow, 'zoneId' | 'parentZoneId'> | null;
  /** What telemetry measured in the zone over the interval (null: no aggregate recorded). */
  measured: Omit<ZoneIntervalTelemetry, 'zone' | 'intervalStart'> | null;
}

/** A clearing as the view takes it: its one price, and the zones and feeders of a zonal one. */
export interface ClearedPrices {
  priceMicrosPerKwh: number | null;
  zones?: readonly ZonePrice[];
  feeders?: readonly FeederFlow[];
}

/** Every zone of the model with its cleared price and feeder flow (when `clearing` is given) and its measured aggregate. */
export function intervalZones(
  model: readonly GridZone[],
  clearing: ClearedPrices | undefined,
  measured: readonly ZoneIntervalTelemetry[],
): IntervalZone[] {
  const root = model.find((z) => z.parentZoneId === null)?.zoneId ?? null;
  return [...model]
    .sort((a, b) => compareIds(a.zoneId, b.zoneId))
    .map((zone) => {
      const price = clearing?.zones?.find((z) => z.zoneId === zone.zoneId);
      const flow = clearing?.feeders?.find((f) => f.zoneId === zone.zoneId);
      const m = measured.find((x) => x.zone === zone.zoneId);
      const feeder: IntervalZone['feeder'] =
        flow === undefined
          ? null
          : {
              flowWh: flow.flowWh,
              binding: flow.binding,
              lossWh: flow.lossWh,
              lossMicros: flow.lossMicros,
              congestionRentMicros: flow.congestionRentMicros,
            };
      const aggregate: IntervalZone['measured'] =
        m === undefined
          ? null
          : {
              intervalSeconds: m.intervalSeconds,
              ticks: m.ticks,
              meanSupplyW: m.meanSupplyW,
              meanDemandW: m.meanDemandW,
              meanFeederFlowW: m.meanFeederFlowW,
              peakLoadingPpm: m.peakLoadingPpm,
              minFrequencyMHz: m.minFrequencyMHz,
              maxFrequencyMHz: m.maxFrequencyMHz,
              minVoltageMv: m.minVoltageMv,
              maxVoltageMv: m.maxVoltageMv,
            };
      return {
        ...zone,
        priceMicrosPerKwh: clearing === undefined ? null : price !== undefined ? price.priceMicrosPerKwh : clearing.priceMicrosPerKwh,
        areaZoneId: clearing === undefined ? null : (price?.areaZoneId ?? root),
        feeder,
        measured: aggregate,
      };
    });
}
