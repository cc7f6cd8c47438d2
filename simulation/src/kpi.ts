/**
 * The KPI report of a run, pure: every figure from what the ledger recorded for the run's
 * community (the market figures of each interval and of the whole run, each interval's record,
 * clearing fills and settlement), except the client's own request counts, which only the client
 * knows. Exact where the ledger is: ratios as the market figures give them (numerator,
 * denominator, ppm), sums in whole Wh and micro-credits.
 *
 * - Self-sufficiency, self-consumption, utility import and export: the run's market figures.
 * - Share of demand met locally: the figures' P2P share of demand (energy bought from peers over
 *   the energy all buy orders asked for).
 * - Peak import: the largest `importedFromUtilityWh` of one interval, and as simulated power.
 * - Time to trade: per interval, clearing after the gate (`clearedAt` − gate) and settlement after
 *   the interval's end (`settledAt` − end), from the interval records' transaction times.
 * - Forecast error: per home and interval with an order, |ordered net − settled net| (sell
 *   positive), summed over the settled net (WAPE) and averaged (MAE).
 * - Savings of a home against its own tariff: Σ over intervals of what settlement paid it
 *   (`netMicros`) less what its settled net would have paid at its tariff alone (tariff.ts: export
 *   at feed-in rounded down, import at the import price in force at the interval's simulated start
 *   rounded up); summed per tariff too. Fairness: the Gini coefficient of the savings.
 */
import { ratioOf, type Figures, type Ratio } from '@gridledger/core';
import { tariffMicros, type HomeTariff } from './tariff';

export interface LedgerInterval {
  intervalStart: string;
  record: {
    status: string;
    clearedAt?: string;
    settledAt?: string;
    params: { intervalSeconds: number; gateClosureSeconds: number };
  };
  figures: Figures;
  fills: readonly { participantId: string; side: 'buy' | 'sell'; energyWh: number; filledWh: number }[];
  /** The clearing's number of trades. */
  tradeCount: number;
  settled: readonly { participantId: string; netWh: number; netMicros: number }[];
}

export interface ReportHome {
  participantId: string;
  homeId: string;
  tariff: HomeTariff;
}

export interface ReportInput {
  simIntervalSeconds: number;
  /** The simulated start (epoch seconds) of the ledger interval starting at `intervalStart`. */
  simulatedStart: (intervalStart: string) => number;
  homes: readonly ReportHome[];
  intervals: readonly LedgerInterval[];
  /** The ledger's figures of the whole run (GET /markets/{c}/figures?from&to). */
  period: Figures;
  requests: { sent: number; failed: number; retried: number };
}

/** Gini coefficient of `values` (ratio Σ_i (2i − n − 1)·x_(i) / (n·Σx), x sorted ascending); ppm null when Σx ≤ 0. */
export function gini(values: readonly number[]): Ratio {
  const sorted = values.map((v) => BigInt(v)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = BigInt(sorted.length);
  const total = sorted.reduce((s, v) => s + v, 0n);
  const numerator = sorted.reduce((s, v, i) => s + (2n * BigInt(i + 1) - n - 1n) * v, 0n);
  if (total <= 0n) return { numerator: Number(numerator), denominator: Number(n * total), ppm: null };
  return ratioOf(numerator, n * total, 'the Gini coefficient');
}

const seconds = (instant: string | undefined) => (instant === undefined ? undefined : Date.parse(instant) / 1000);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export interface HomeRow {
  participantId: string;
  homeId: string;
  tariff: string;
  settledIntervals: number;
  netWh: number;
  marketMicros: number;
  tariffMicros: number;
  savingsMicros: number;
}

export interface IntervalRow {
  intervalStart: string;
  productionWh: number;
  consumptionWh: number;
  p2pVolumeWh: number;
  tradeCount: number;
  clearingPriceMicrosPerKwh: number | null;
  importedFromUtilityWh: number;
  exportedToUtilityWh: number;
  clearedAfterGateSeconds: number | null;
  settledAfterEndSeconds: number | null;
}

export interface Report {
  kpis: {
    selfSufficiency: Ratio;
    selfConsumption: Ratio;
    shareOfDemandMetLocally: Ratio;
    averageP2pPriceMicrosPerKwh: number | null;
    averagePaidPriceMicrosPerKwh: number | null;
    averageRetailPriceMicrosPerKwh: number | null;
    importedFromUtilityWh: number;
    exportedToUtilityWh: number;
    peakImportWh: number;
    peakImportSimulatedW: number;
    p2pVolumeWh: number;
    requests: { sent: number; failed: number; retried: number; source: 'client' };
    timeToTrade: { clearedAfterGateMedianSeconds: number | null; settledAfterEndMedianSeconds: number | null; maxSeconds: number | null };
    forecastError: { wape: Ratio; maeWh: number | null; positions: number } | null;
    giniOfSavings: Ratio;
    totalSavingsMicros: number;
    /** Per tariff (by name): its homes and their savings. */
    savingsByTariff: { tariff: string; homes: number; savingsMicros: number }[];
  };
  intervals: IntervalRow[];
  homes: HomeRow[];
}

export function report(input: ReportInput): Report {
  const p = input.period;
  const homeBy = new Map(input.homes.map((h) => [h.participantId, h]));
  const rows = new Map(
    input.homes.map((h) => [
      h.participantId,
      {
        participantId: h.participantId,
        homeId: h.homeId,
        tariff: h.tariff.name,
        settledIntervals: 0,
        netWh: 0,
        marketMicros: 0,
        tariffMicros: 0,
        savingsMicros: 0,
      },
    ]),
  );
  let absError = 0;
  let absNet = 0;
  let positions = 0;
  const intervals: IntervalRow[] = input.intervals.map((iv) => {
    const ordered = new Map<string, number>();
    for (const f of iv.fills)
      ordered.set(f.participantId, (ordered.get(f.participantId) ?? 0) + (f.side === 'sell' ? f.energyWh : -f.energyWh));
    const simulatedStart = input.simulatedStart(iv.intervalStart);
    for (const s of iv.settled) {
      const row = rows.get(s.participantId);
      if (!row) continue;
      const atTariff = tariffMicros(s.netWh, homeBy.get(s.participantId)!.tariff, simulatedStart);
      row.settledIntervals++;
      row.netWh += s.netWh;
      row.marketMicros += s.netMicros;
      row.tariffMicros += atTariff;
      row.savingsMicros += s.netMicros - atTariff;
      if (ordered.has(s.participantId)) {
        absError += Math.abs(ordered.get(s.participantId)! - s.netWh);
        absNet += Math.abs(s.netWh);
        positions++;
      }
    }
    const start = seconds(iv.intervalStart)!;
    const cleared = seconds(iv.record.clearedAt);
    const settled = seconds(iv.record.settledAt);
    const gate = start - iv.record.params.gateClosureSeconds;
    return {
      intervalStart: iv.intervalStart,
      productionWh: iv.figures.productionWh,
      consumptionWh: iv.figures.consumptionWh,
      p2pVolumeWh: iv.figures.p2pVolumeWh,
      tradeCount: iv.tradeCount,
      clearingPriceMicrosPerKwh: iv.figures.clearingPrice.microsPerKwh,
      importedFromUtilityWh: iv.figures.importedFromUtilityWh,
      exportedToUtilityWh: iv.figures.exportedToUtilityWh,
      clearedAfterGateSeconds: cleared === undefined ? null : Math.round(cleared - gate),
      settledAfterEndSeconds: settled === undefined ? null : Math.round(settled - start - iv.record.params.intervalSeconds),
    };
  });
  const homes = [...rows.values()].sort((a, b) => (a.participantId < b.participantId ? -1 : 1));
  const peakImportWh = Math.max(0, ...intervals.map((r) => r.importedFromUtilityWh));
  const cleared = intervals.flatMap((r) => (r.clearedAfterGateSeconds === null ? [] : [r.clearedAfterGateSeconds]));
  const settled = intervals.flatMap((r) => (r.settledAfterEndSeconds === null ? [] : [r.settledAfterEndSeconds]));
  return {
    kpis: {
      selfSufficiency: p.selfSufficiency,
      selfConsumption: p.selfConsumption,
      shareOfDemandMetLocally: p.p2pShareOfDemand,
      averageP2pPriceMicrosPerKwh: p.averageP2pPrice.microsPerKwh,
      averagePaidPriceMicrosPerKwh: p.averagePaidPrice.microsPerKwh,
      averageRetailPriceMicrosPerKwh: p.averageRetailPrice.microsPerKwh,
      importedFromUtilityWh: p.importedFromUtilityWh,
      exportedToUtilityWh: p.exportedToUtilityWh,
      peakImportWh,
      peakImportSimulatedW: Math.round((peakImportWh * 3600) / input.simIntervalSeconds),
      p2pVolumeWh: p.p2pVolumeWh,
      requests: { ...input.requests, source: 'client' },
      timeToTrade: {
        clearedAfterGateMedianSeconds: median(cleared),
        settledAfterEndMedianSeconds: median(settled),
        maxSeconds: settled.length === 0 ? null : Math.max(...settled),
      },
      forecastError:
        positions === 0
          ? null
          : { wape: ratioOf(BigInt(absError), BigInt(absNet), 'the forecast error'), maeWh: Math.round(absError / positions), positions },
      giniOfSavings: gini(homes.map((h) => h.savingsMicros)),
      totalSavingsMicros: homes.reduce((s, h) => s + h.savingsMicros, 0),
      savingsByTariff: [...new Set(homes.map((h) => h.tariff))].sort().map((tariff) => {
        const of = homes.filter((h) => h.tariff === tariff);
        return { tariff, homes: of.length, savingsMicros: of.reduce((s, h) => s + h.savingsMicros, 0) };
      }),
    },
    intervals,
    homes,
  };
}
