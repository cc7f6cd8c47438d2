/**
 * The figures every market reports, per interval and over a period (market.md), from what the
 * ledger records: the clearing (price, volume, fills), the contract deliveries, the settled
 * deviations and the metering community view of the metering intervals inside the market interval.
 *
 * Everything is exact: sums in bigint, ratios kept as numerator and denominator with a
 * parts-per-million value rounded half up, averages weighted by volume. A period's figures are
 * computed from the sums of its intervals' totals (never an average of averages): periodFigures
 * adds the totals of each interval and derives every ratio once from those sums.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { Side } from './order';

/** One metering interval of the community view: what the community's meters produced and consumed. */
export interface MeteringTotals {
  productionWh: number;
  consumptionWh: number;
}

/** What the figures of one settled market interval are computed from. */
export interface IntervalFiguresInput {
  /** The interval's retail tariff and grid fee (the spot trades' fee). */
  params: { retailMicrosPerKwh: number; gridFeeMicrosPerKwh: number };
  /** The recorded spot clearing: its price (null when nothing traded) and every order's fill. */
  clearing: {
    priceMicrosPerKwh: number | null;
    volumeWh: number;
    fills: readonly { participantId: string; side: Side; energyWh: number; filledWh: number }[];
    /**
     * Σ price × Wh of what the participants bought, each trade at its own price: given for a
     * congested zonal clearing, whose areas clear at different prices; absent: price × volume.
     */
    spotValue?: bigint;
  };
  /** The bilateral contracts that delivered in the interval, at their own price and grid fee. */
  contracts: readonly { sellerId: string; buyerId: string; energyWh: number; priceMicrosPerKwh: number; gridFeeMicrosPerKwh: number }[];
  /** Every settled deviation of the interval (spot participants and contract-only parties), as corrected. */
  deviations: readonly { deviationWh: number; estimated: boolean }[];
  /** The community view of each metering interval inside the market interval. */
  metering: readonly MeteringTotals[];
}

/** Additive totals: the sum of two intervals' totals is the totals of both. */
export interface FigureTotals {
  intervals: number;
  spotVolumeWh: bigint;
  contractVolumeWh: bigint;
  /** Energy asked for: every buy order's energy plus every contract delivery. */
  demandWh: bigint;
  /** Σ price × Wh of spot trades (µ/kWh × Wh). */
  spotValue: bigint;
  /** Σ price × Wh of all P2P energy (spot and contracts), with and without the grid fee; Σ retail × Wh of the same energy. */
  p2pValue: bigint;
  paidValue: bigint;
  retailValue: bigint;
  productionWh: bigint;
  consumptionWh: bigint;
  /** Σ over metering intervals of min(production, consumption): local production consumed locally. */
  localWh: bigint;
  /** Σ of max(production − consumption, 0) and max(consumption − production, 0). */
  exportedWh: bigint;
  importedWh: bigint;
  deviationSuppliedWh: bigint;
  deviationTakenWh: bigint;
  estimatedPositions: number;
  /** Participant ids, kept only to count distinct ones; never part of the figures. */
  sellers: ReadonlySet<string>;
  buyers: ReadonlySet<string>;
}

/** numerator / denominator with its value in parts per million (rounded half up; null when the denominator is 0). */
export interface Ratio {
  numerator: number;
  denominator: number;
  ppm: number | null;
}

/** A volume-weighted average price: Σ price × Wh over Σ Wh, rounded half up (null when no energy). */
export interface AveragePrice {
  /** Σ price × Wh as a decimal string (it passes 2^53 quickly). */
  weightedSum: string;
  energyWh: number;
  microsPerKwh: number | null;
}

export interface Figures {
  intervals: number;
  /** The spot clearing price: the interval's, or over a period the spot volume-weighted average. */
  clearingPrice: AveragePrice;
  spotVolumeWh: number;
  contractVolumeWh: number;
  p2pVolumeWh: number;
  demandWh: number;
  /** P2P volume / demand. */
  p2pShareOfDemand: Ratio;
  /** What P2P energy cost its buyers per kWh: without, with the grid fee; and the retail tariff over the same energy. */
  averageP2pPrice: AveragePrice;
  averagePaidPrice: AveragePrice;
  averageRetailPrice: AveragePrice;
  productionWh: number;
  consumptionWh: number;
  locallyConsumedWh: number;
  /** locally consumed / consumption. */
  selfSufficiency: Ratio;
  /** locally consumed / production. */
  selfConsumption: Ratio;
  exportedToUtilityWh: number;
  importedFromUtilityWh: number;
  activeSellers: number;
  activeBuyers: number;
  deviationSuppliedWh: number;
  deviationTakenWh: number;
  estimatedPositions: number;
}

function invalid(message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.SETTLEMENT_INPUT_INVALID, message);
}

function wh(value: number, what: string, signed = false): bigint {
  if (!Number.isSafeInteger(value) || (!signed && value < 0))
    throw invalid(`${what} must be a ${signed ? '' : 'non-negative '}safe integer`);
  return BigInt(value);
}

function safe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new GridLedgerError(ErrorCodes.AMOUNT_OUT_OF_RANGE, `${what} exceeds ${Number.MAX_SAFE_INTEGER}`, { what });
  return Number(value);
}

/** round(n / d) half up for n ≥ 0, d > 0. */
function divideHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

export function ratioOf(numerator: bigint, denominator: bigint, what: string): Ratio {
  return {
    numerator: safe(numerator, what),
    denominator: safe(denominator, what),
    ppm: denominator === 0n ? null : Number(divideHalfUp(numerator * 1_000_000n, denominator)),
  };
}

export function averageOf(weightedSum: bigint, energyWh: bigint, what: string): AveragePrice {
  return {
    weightedSum: weightedSum.toString(),
    energyWh: safe(energyWh, what),
    microsPerKwh: energyWh === 0n ? null : safe(divideHalfUp(weightedSum, energyWh), what),
  };
}

export const EMPTY_TOTALS: FigureTotals = {
  intervals: 0,
  spotVolumeWh: 0n,
  contractVolumeWh: 0n,
  demandWh: 0n,
  spotValue: 0n,
  p2pValue: 0n,
  paidValue: 0n,
  retailValue: 0n,
  productionWh: 0n,
  consumptionWh: 0n,
  localWh: 0n,
  exportedWh: 0n,
  importedWh: 0n,
  deviationSuppliedWh: 0n,
  deviationTakenWh: 0n,
  estimatedPositions: 0,
  sellers: new Set(),
  buyers: new Set(),
};

/** The totals of one settled interval; SETTLEMENT_INPUT_INVALID when its records do not add up. */
export function intervalTotals(input: IntervalFiguresInput): FigureTotals {
  const { params, clearing } = input;
  const retail = wh(params.retailMicrosPerKwh, 'retailMicrosPerKwh');
  const fee = wh(params.gridFeeMicrosPerKwh, 'gridFeeMicrosPerKwh');
  const volume = wh(clearing.volumeWh, 'volumeWh');
  const sellers = new Set<string>();
  const buyers = new Set<string>();
  let demand = 0n;
  let sold = 0n;
  let bought = 0n;
  for (const f of clearing.fills) {
    const filled = wh(f.filledWh, 'filledWh');
    if (filled > wh(f.energyWh, 'energyWh')) throw invalid('a fill beyond its order');
    if (f.side === 'buy') {
      demand += BigInt(f.energyWh);
      bought += filled;
      if (filled > 0n) buyers.add(f.participantId);
    } else {
      sold += filled;
      if (filled > 0n) sellers.add(f.participantId);
    }
  }
  if (sold !== volume || bought !== volume) throw invalid('the fills do not add up to the clearing volume');
  if (clearing.spotValue === undefined && volume > 0n !== (clearing.priceMicrosPerKwh !== null))
    throw invalid('a clearing price without volume, or volume without a price');
  const price = clearing.priceMicrosPerKwh === null ? 0n : wh(clearing.priceMicrosPerKwh, 'priceMicrosPerKwh');
  const spotValue = clearing.spotValue ?? price * volume;
  let contractVolume = 0n;
  let p2pValue = spotValue;
  let paidValue = spotValue + fee * volume;
  for (const c of input.contracts) {
    const energy = wh(c.energyWh, 'contract energyWh');
    contractVolume += energy;
    p2pValue += wh(c.priceMicrosPerKwh, 'contract price') * energy;
    paidValue += (BigInt(c.priceMicrosPerKwh) + wh(c.gridFeeMicrosPerKwh, 'contract grid fee')) * energy;
    sellers.add(c.sellerId);
    buyers.add(c.buyerId);
  }
  let supplied = 0n;
  let taken = 0n;
  let estimated = 0;
  for (const d of input.deviations) {
    const deviation = wh(d.deviationWh, 'deviationWh', true);
    if (deviation < 0n) supplied -= deviation;
    else taken += deviation;
    if (d.estimated) estimated++;
  }
  let production = 0n;
  let consumption = 0n;
  let local = 0n;
  let exported = 0n;
  let imported = 0n;
  for (const m of input.metering) {
    const p = wh(m.productionWh, 'productionWh');
    const c = wh(m.consumptionWh, 'consumptionWh');
    production += p;
    consumption += c;
    local += p < c ? p : c;
    if (p > c) exported += p - c;
    else imported += c - p;
  }
  return {
    intervals: 1,
    spotVolumeWh: volume,
    contractVolumeWh: contractVolume,
    demandWh: demand + contractVolume,
    spotValue,
    p2pValue,
    paidValue,
    retailValue: retail * (volume + contractVolume),
    productionWh: production,
    consumptionWh: consumption,
    localWh: local,
    exportedWh: exported,
    importedWh: imported,
    deviationSuppliedWh: supplied,
    deviationTakenWh: taken,
    estimatedPositions: estimated,
    sellers,
    buyers,
  };
}

/** The totals of two sets of intervals together (counts of sellers and buyers: distinct participants). */
export function addTotals(a: FigureTotals, b: FigureTotals): FigureTotals {
  const out = { ...a, sellers: new Set([...a.sellers, ...b.sellers]), buyers: new Set([...a.buyers, ...b.buyers]) } as Record<
    string,
    unknown
  >;
  for (const k of Object.keys(a) as (keyof FigureTotals)[]) {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'bigint' && typeof y === 'bigint') out[k] = x + y;
    else if (typeof x === 'number' && typeof y === 'number') out[k] = x + y;
  }
  return out as unknown as FigureTotals;
}

/** The reported figures of some totals: every ratio and average derived once from the sums. */
export function figuresOf(t: FigureTotals): Figures {
  const p2p = t.spotVolumeWh + t.contractVolumeWh;
  return {
    intervals: t.intervals,
    clearingPrice: averageOf(t.spotValue, t.spotVolumeWh, 'the spot volume'),
    spotVolumeWh: safe(t.spotVolumeWh, 'the spot volume'),
    contractVolumeWh: safe(t.contractVolumeWh, 'the contract volume'),
    p2pVolumeWh: safe(p2p, 'the P2P volume'),
    demandWh: safe(t.demandWh, 'the demand'),
    p2pShareOfDemand: ratioOf(p2p, t.demandWh, 'the P2P share of demand'),
    averageP2pPrice: averageOf(t.p2pValue, p2p, 'the P2P volume'),
    averagePaidPrice: averageOf(t.paidValue, p2p, 'the P2P volume'),
    averageRetailPrice: averageOf(t.retailValue, p2p, 'the P2P volume'),
    productionWh: safe(t.productionWh, 'the production'),
    consumptionWh: safe(t.consumptionWh, 'the consumption'),
    locallyConsumedWh: safe(t.localWh, 'the local consumption'),
    selfSufficiency: ratioOf(t.localWh, t.consumptionWh, 'the self-sufficiency'),
    selfConsumption: ratioOf(t.localWh, t.productionWh, 'the self-consumption'),
    exportedToUtilityWh: safe(t.exportedWh, 'the export'),
    importedFromUtilityWh: safe(t.importedWh, 'the import'),
    activeSellers: t.sellers.size,
    activeBuyers: t.buyers.size,
    deviationSuppliedWh: safe(t.deviationSuppliedWh, 'the deviations'),
    deviationTakenWh: safe(t.deviationTakenWh, 'the deviations'),
    estimatedPositions: t.estimatedPositions,
  };
}

export function intervalFigures(input: IntervalFiguresInput): Figures {
  return figuresOf(intervalTotals(input));
}

/** A period's figures: the intervals' totals summed, then derived once. */
export function periodFigures(inputs: readonly IntervalFiguresInput[]): Figures {
  return figuresOf(inputs.map(intervalTotals).reduce(addTotals, EMPTY_TOTALS));
}
