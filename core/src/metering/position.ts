import { compareIds } from '../core/identity';
import { shareProRata } from '../core/prorata';

/** One meter's accepted reading for the interval, as the position needs it. */
export interface MeterInterval {
  meterId: string;
  importWh: number;
  exportWh: number;
}

/** A participant's interval over all its meters. A site's meters never overlap (see docs/metering.md). */
export interface NetPosition {
  productionWh: number;
  consumptionWh: number;
  /** productionWh − consumptionWh: > 0 the participant fed the grid, < 0 it drew from it. */
  netWh: number;
}

export function netPosition(meters: readonly MeterInterval[]): NetPosition {
  const productionWh = meters.reduce((s, m) => s + m.exportWh, 0);
  const consumptionWh = meters.reduce((s, m) => s + m.importWh, 0);
  return { productionWh, consumptionWh, netWh: productionWh - consumptionWh };
}

export type IntervalBalance = 'surplus' | 'deficit' | 'balanced';

/** Surplus or deficit once |net| reaches the market's threshold; below it the interval is balanced. */
export function classifyPosition(netWh: number, thresholdWh: number): IntervalBalance {
  if (netWh > 0 && netWh >= thresholdWh) return 'surplus';
  if (netWh < 0 && -netWh >= thresholdWh) return 'deficit';
  return 'balanced';
}

export type IntervalCompleteness = 'complete' | 'pending' | 'incomplete';

/**
 * A participant's interval is complete when every meter it had active in the interval has an
 * accepted reading; until the late window closes it is pending; after that, with readings still
 * missing, it is incomplete for good and backs no energy tokens (its net cannot be verified).
 */
export function intervalCompleteness(
  activeMeterIds: readonly string[],
  reportedMeterIds: ReadonlySet<string>,
  intervalEndSeconds: number,
  lateWindowSeconds: number,
  nowSeconds: number,
): IntervalCompleteness {
  if (activeMeterIds.every((id) => reportedMeterIds.has(id))) return 'complete';
  return nowSeconds <= intervalEndSeconds + lateWindowSeconds ? 'pending' : 'incomplete';
}

/** A generation asset as the token attribution needs it. */
export interface MeteredAsset {
  assetId: string;
  meterId: string;
  source: string;
  capacityW: number;
}

export interface TokenShare {
  assetId: string;
  source: string;
  energyWh: number;
}

/**
 * Which assets an interval's surplus came from, so that each energy token names its asset and
 * source: the surplus is shared over the meters in proportion to their export, then over each
 * meter's assets in proportion to their share of the meter's export (that export shared by
 * capacity), in whole Wh (largest remainders, then ids), so no asset's tokens exceed its export.
 * The surplus never exceeds the export (net = export − import), so every Wh finds an asset.
 */
export function attributeSurplus(surplusWh: number, meters: readonly MeterInterval[], assets: readonly MeteredAsset[]): TokenShare[] {
  const exporting = meters.filter((m) => m.exportWh > 0).sort((a, b) => compareIds(a.meterId, b.meterId));
  const totalExport = exporting.reduce((s, m) => s + m.exportWh, 0);
  if (surplusWh > totalExport) throw new RangeError('surplus exceeds export');
  const perMeter = shareProRata(
    surplusWh,
    exporting.map((m) => m.exportWh),
  );
  const shares: TokenShare[] = [];
  exporting.forEach((m, k) => {
    const own = assets.filter((a) => a.meterId === m.meterId).sort((a, b) => compareIds(a.assetId, b.assetId));
    // The meter's export over its assets by capacity, then the surplus over that export: an asset
    // never gets more tokens than its share of the export (largest remainders of the surplus over
    // capacities directly could: capacities 1, 8, 8 W, export 10 Wh, surplus 7 Wh gave the 1 W
    // asset 1 Wh of tokens against 0 Wh of export).
    const exportShares =
      own.length === 0
        ? []
        : shareProRata(
            m.exportWh,
            own.map((a) => a.capacityW),
          );
    const perAsset = shareProRata(perMeter[k], exportShares);
    own.forEach((a, j) => {
      if (perAsset[j] > 0) shares.push({ assetId: a.assetId, source: a.source, energyWh: perAsset[j] });
    });
  });
  return shares.sort((a, b) => compareIds(a.assetId, b.assetId));
}
