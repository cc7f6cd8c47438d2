/**
 * Predictions of t (transaction duration) and q (transaction quality) for a trade with a seller,
 * learnt from trade history (history.ts) with two random forests of `ml-random-forest` (regression,
 * seeded), and their accuracy on held-out trades against two naive baselines: the training mean,
 * and persistence (the seller's last trade; the training mean for a seller never seen).
 * Features: the seller's record before the trade (trades, mean and last duration, mean and last
 * delivered share) and the trade's context (hour of day, energy, same zone, concurrent trades).
 */
import { RandomForestRegression } from 'ml-random-forest';
import { PPM } from '../market/order';
import { agentInputInvalid } from './invalid';
import { newSellerRecord, recordsBefore, recordTrade, SellerRecord, TradeRecord } from './history';

/** What the agent knows of a trade before it requests it. */
export interface TradeContext {
  hourOfDay: number;
  energyWh: number;
  sameZone: boolean;
  concurrentTrades: number;
}

export interface Prediction {
  durationSeconds: number;
  qualityPpm: number;
}

export interface ForestOptions {
  seed: number;
  trees: number;
  maxDepth: number;
  /**
   * The forests learn from the latest `window` trades only (the sellers' records still come from all
   * of them): ml-cart tries a split between every two neighbouring values, so a tree costs about the
   * square of its rows (1,000 rows, 20 trees, depth 6: about 5 s on the 2-core machine).
   */
  window: number;
}

export const DEFAULT_FOREST_OPTIONS: Readonly<ForestOptions> = Object.freeze({ seed: 7, trees: 20, maxDepth: 6, window: 1000 });

export const FEATURES = [
  'trades',
  'meanDurationMs',
  'lastDurationMs',
  'meanDeliveredPpm',
  'lastDeliveredPpm',
  'hourOfDay',
  'energyWh',
  'sameZone',
  'concurrentTrades',
] as const;

const step = (x: number, size: number): number => Math.round(x / size) * size;

/**
 * The features of a trade, coarsened (counts to 50, durations to 250 ms, shares to 1 %, energy to
 * 250 Wh): the forest's trees try every distinct value as a split, so fewer values train far faster
 * at no loss that shows in the held-out accuracy.
 */
export const featuresOf = (s: SellerRecord, c: TradeContext): number[] => [
  Math.min(s.trades, 50),
  step(s.meanDurationMs, 250),
  step(s.lastDurationMs, 250),
  step(s.meanDeliveredPpm, 10_000),
  step(s.lastDeliveredPpm, 10_000),
  c.hourOfDay,
  step(c.energyWh, 250),
  c.sameZone ? 1 : 0,
  c.concurrentTrades,
];

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function forest(o: ForestOptions, rows: number[][], targets: number[]): RandomForestRegression {
  const f = new RandomForestRegression({
    seed: o.seed,
    nEstimators: o.trees,
    maxFeatures: 0.7,
    replacement: false,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { maxDepth: o.maxDepth, minNumSamples: 5 },
  });
  f.train(rows, targets);
  return f;
}

/** Two forests (duration, delivered share) trained on a history, and the sellers' records at its end. */
export class TradePredictor {
  private constructor(
    private readonly duration: RandomForestRegression,
    private readonly delivered: RandomForestRegression,
    readonly prior: { meanDurationMs: number; meanDeliveredPpm: number },
    readonly sellers: ReadonlyMap<string, SellerRecord>,
  ) {}

  /** Trained on `history` (chronological, at least 20 trades). */
  static train(history: readonly TradeRecord[], options: Partial<ForestOptions> = {}): TradePredictor {
    if (history.length < 20) throw agentInputInvalid('history', 'the predictions need at least 20 trades');
    const o = { ...DEFAULT_FOREST_OPTIONS, ...options };
    for (const f of ['trees', 'maxDepth', 'window'] as const)
      if (!Number.isSafeInteger(o[f]) || o[f] < 1) throw agentInputInvalid(f, `${f} must be a positive integer`);
    const prior = { meanDurationMs: mean(history.map((t) => t.durationMs)), meanDeliveredPpm: mean(history.map((t) => t.deliveredPpm)) };
    const all = recordsBefore(history, prior);
    const sellers = new Map<string, SellerRecord>();
    for (const r of all) sellers.set(r.trade.sellerId, recordTrade(r.seller, r.trade));
    const rows = all.slice(-o.window);
    const x = rows.map((r) => featuresOf(r.seller, r.trade));
    return new TradePredictor(
      forest(
        o,
        x,
        rows.map((r) => r.trade.durationMs),
      ),
      forest(
        { ...o, seed: o.seed + 1 },
        x,
        rows.map((r) => r.trade.deliveredPpm),
      ),
      prior,
      sellers,
    );
  }

  /** The seller's record now (the training means for a seller never seen). */
  recordOf(sellerId: string): SellerRecord {
    return this.sellers.get(sellerId) ?? newSellerRecord(this.prior.meanDurationMs, this.prior.meanDeliveredPpm);
  }

  /** Raw predictions for rows of features (duration in ms, delivered share in ppm). */
  predictRows(rows: number[][]): { durationMs: number[]; deliveredPpm: number[] } {
    return { durationMs: this.duration.predict(rows), deliveredPpm: this.delivered.predict(rows) };
  }

  /** t and q for a trade with a seller whose record is `seller` (the candidate's durationSeconds and qualityPpm). */
  predict(seller: SellerRecord, context: TradeContext): Prediction {
    const { durationMs, deliveredPpm } = this.predictRows([featuresOf(seller, context)]);
    return {
      durationSeconds: Math.max(0, durationMs[0] / 1000),
      qualityPpm: Math.min(PPM, Math.max(0, Math.round(deliveredPpm[0]))),
    };
  }
}

export interface Accuracy {
  target: 'durationMs' | 'deliveredPpm';
  forestMae: number;
  meanMae: number;
  persistenceMae: number;
}

/**
 * The forests trained on the first `trainShare` of the history (chronological) and scored on the
 * rest by mean absolute error, with the two baselines on the same trades. The held-out trades see
 * the sellers' records as they stood before each of them (the earlier held-out trades included), as
 * an agent would.
 */
export function heldOutAccuracy(history: readonly TradeRecord[], trainShare = 0.8, options: Partial<ForestOptions> = {}): Accuracy[] {
  const cut = Math.floor(history.length * trainShare);
  if (cut < 20 || cut >= history.length)
    throw agentInputInvalid('trainShare', 'the split must leave 20 trades to train on and some to test');
  const predictor = TradePredictor.train(history.slice(0, cut), options);
  const test = recordsBefore(history.slice(cut), predictor.prior, predictor.sellers);
  const predicted = predictor.predictRows(test.map((r) => featuresOf(r.seller, r.trade)));
  const mae = (xs: number[], target: (r: TradeRecord) => number) => mean(test.map((r, k) => Math.abs(xs[k] - target(r.trade))));
  const row = (target: Accuracy['target'], forestOut: number[], prior: number, last: (s: SellerRecord) => number): Accuracy => ({
    target,
    forestMae: mae(forestOut, (t) => t[target]),
    meanMae: mae(
      test.map(() => prior),
      (t) => t[target],
    ),
    persistenceMae: mae(
      test.map((r) => (r.seller.trades === 0 ? prior : last(r.seller))),
      (t) => t[target],
    ),
  });
  return [
    row('durationMs', predicted.durationMs, predictor.prior.meanDurationMs, (s) => s.lastDurationMs),
    row('deliveredPpm', predicted.deliveredPpm, predictor.prior.meanDeliveredPpm, (s) => s.lastDeliveredPpm),
  ];
}
