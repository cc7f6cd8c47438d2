/**
 * Trade history for the predictions of t and q (predict.ts; docs/agents.md, *Predictions*): one
 * record per peer-to-peer trade, what each seller's record looked like before each trade, and a
 * seeded synthetic generator that stands in for the simulation's history until that lands.
 *
 * The generator (documented in docs/agents.md): S sellers, each with its own responsiveness (a base
 * duration of 1 to 10 s) and reliability (75 to 100 % delivered), a third of them solar-only (they
 * deliver less in the evening, when their energy comes from a battery); 15-minute intervals with
 * morning and evening peaks of activity; per trade a random seller, 0.2 to 5 kWh, the same zone in
 * 40 % of trades. Duration grows with the seller's base, the community's concurrent trades, the
 * energy and a zone crossing, times noise of ±30 %; the delivered share falls with energy for a
 * solar seller in the evening, plus noise of ±5 points.
 */
import { PPM } from '../market/order';
import { seededRng } from './random';

export interface TradeRecord {
  sellerId: string;
  /** The market interval's number (chronological). */
  intervalIndex: number;
  hourOfDay: number;
  energyWh: number;
  sameZone: boolean;
  /** Trades in the community in the same interval. */
  concurrentTrades: number;
  /** From the buyer's request to the trade committed (ms). */
  durationMs: number;
  /** Delivered energy over agreed energy at settlement × 10^6. */
  deliveredPpm: number;
}

/** What a seller's record showed before a trade. */
export interface SellerRecord {
  trades: number;
  meanDurationMs: number;
  lastDurationMs: number;
  meanDeliveredPpm: number;
  lastDeliveredPpm: number;
}

/** The record of a seller with no trade yet: the community's means stand in for its own. */
export const newSellerRecord = (meanDurationMs: number, meanDeliveredPpm: number): SellerRecord => ({
  trades: 0,
  meanDurationMs,
  lastDurationMs: meanDurationMs,
  meanDeliveredPpm,
  lastDeliveredPpm: meanDeliveredPpm,
});

/** The record after one more trade. */
export function recordTrade(r: SellerRecord, t: TradeRecord): SellerRecord {
  const n = r.trades + 1;
  const meanOf = (mean: number, x: number) => (r.trades === 0 ? x : mean + (x - mean) / n);
  return {
    trades: n,
    meanDurationMs: meanOf(r.meanDurationMs, t.durationMs),
    lastDurationMs: t.durationMs,
    meanDeliveredPpm: meanOf(r.meanDeliveredPpm, t.deliveredPpm),
    lastDeliveredPpm: t.deliveredPpm,
  };
}

/**
 * Each trade of `history` (chronological) with its seller's record just before it; sellers with no
 * trade yet start from `prior` (for example the training set's means).
 */
export function recordsBefore(
  history: readonly TradeRecord[],
  prior: { meanDurationMs: number; meanDeliveredPpm: number },
  start: ReadonlyMap<string, SellerRecord> = new Map(),
): { trade: TradeRecord; seller: SellerRecord }[] {
  const records = new Map(start);
  return history.map((trade) => {
    const seller = records.get(trade.sellerId) ?? newSellerRecord(prior.meanDurationMs, prior.meanDeliveredPpm);
    records.set(trade.sellerId, recordTrade(seller, trade));
    return { trade, seller };
  });
}

export interface SyntheticHistoryOptions {
  seed: number;
  sellers: number;
  intervals: number;
  /** Mean trades per interval at the quietest hours. */
  tradesPerInterval: number;
}

/** Activity over the day: 1 at night, up to 2.2 at the evening peak (18-21 h) and 1.6 in the morning (7-9 h). */
const activity = (hour: number): number => (hour >= 18 && hour < 21 ? 2.2 : hour >= 7 && hour < 9 ? 1.6 : hour >= 9 && hour < 18 ? 1.3 : 1);

/** A synthetic history, chronological; the same options give the same history. */
export function syntheticHistory(o: SyntheticHistoryOptions): TradeRecord[] {
  const rng = seededRng(o.seed);
  const sellers = Array.from({ length: o.sellers }, (_, k) => ({
    sellerId: `seller-${String(k).padStart(4, '0')}`,
    baseMs: 1000 + 9000 * rng.unit(),
    reliability: 0.75 + 0.25 * rng.unit(),
    solarOnly: rng.unit() < 1 / 3,
  }));
  const out: TradeRecord[] = [];
  for (let k = 0; k < o.intervals; k++) {
    const hourOfDay = Math.floor((k % 96) / 4);
    const busy = activity(hourOfDay);
    const concurrentTrades = Math.max(1, Math.round(o.tradesPerInterval * busy * (0.5 + rng.unit())));
    for (let j = 0; j < concurrentTrades; j++) {
      const s = sellers[rng.int(0, sellers.length - 1)];
      const energyWh = rng.int(200, 5000);
      const sameZone = rng.unit() < 0.4;
      const load = 0.6 + (0.4 * concurrentTrades) / o.tradesPerInterval;
      const seconds = (s.baseMs / 1000) * load + 0.3 * (energyWh / 1000) + (sameZone ? 0 : 0.4);
      const durationMs = Math.round(1000 * seconds * (0.7 + 0.6 * rng.unit()));
      const evening = hourOfDay >= 18 || hourOfDay < 6;
      const shortfall = (s.solarOnly && evening ? 0.05 : 0.01) * (energyWh / 1000);
      const delivered = Math.min(1, Math.max(0, s.reliability - shortfall + 0.1 * (rng.unit() - 0.5)));
      out.push({
        sellerId: s.sellerId,
        intervalIndex: k,
        hourOfDay,
        energyWh,
        sameZone,
        concurrentTrades,
        durationMs,
        deliveredPpm: Math.round(delivered * PPM),
      });
    }
  }
  return out;
}
