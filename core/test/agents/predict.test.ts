import { heldOutAccuracy, recordsBefore, syntheticHistory, TradePredictor } from '../../src/agents';
import { ErrorCodes } from '../../src/core';
import { codeOf } from '../support';

const history = syntheticHistory({ seed: 3, sellers: 20, intervals: 192, tradesPerInterval: 2 });

describe('predictions of t and q', () => {
  it('generates the same synthetic history for the same seed, another for another', () => {
    expect(syntheticHistory({ seed: 3, sellers: 20, intervals: 192, tradesPerInterval: 2 })).toEqual(history);
    expect(syntheticHistory({ seed: 4, sellers: 20, intervals: 192, tradesPerInterval: 2 })).not.toEqual(history);
    for (const t of history) {
      expect(t.deliveredPpm).toBeGreaterThanOrEqual(0);
      expect(t.deliveredPpm).toBeLessThanOrEqual(1_000_000);
      expect(Number.isSafeInteger(t.durationMs)).toBe(true);
    }
  });

  it("sees a seller's record as it stood before each trade, never the trade itself", () => {
    const rows = recordsBefore(history, { meanDurationMs: 0, meanDeliveredPpm: 0 });
    const seller = history[0].sellerId;
    const own = rows.filter((r) => r.trade.sellerId === seller);
    expect(own[0].seller.trades).toBe(0);
    expect(own[1].seller).toMatchObject({ trades: 1, lastDurationMs: own[0].trade.durationMs, meanDurationMs: own[0].trade.durationMs });
    expect(own[2].seller.meanDeliveredPpm).toBeCloseTo((own[0].trade.deliveredPpm + own[1].trade.deliveredPpm) / 2, 6);
  });

  it('beats the mean and persistence baselines on held-out trades for both targets', () => {
    const accuracy = heldOutAccuracy(history, 0.75, { trees: 8, window: 400 });
    expect(accuracy.map((a) => a.target)).toEqual(['durationMs', 'deliveredPpm']);
    for (const a of accuracy) {
      expect(a.forestMae).toBeLessThan(a.meanMae);
      expect(a.forestMae).toBeLessThan(a.persistenceMae);
    }
  });

  it('predicts t in seconds and q in ppm within range, the same for the same seed', () => {
    const train = history.slice(0, 300);
    const a = TradePredictor.train(train, { trees: 5, window: 300 });
    const b = TradePredictor.train(train, { trees: 5, window: 300 });
    const context = { hourOfDay: 19, energyWh: 2500, sameZone: false, concurrentTrades: 4 };
    const p = a.predict(a.recordOf(history[0].sellerId), context);
    expect(p).toEqual(b.predict(b.recordOf(history[0].sellerId), context));
    expect(p.durationSeconds).toBeGreaterThan(0);
    expect(p.qualityPpm).toBeGreaterThan(0);
    expect(p.qualityPpm).toBeLessThanOrEqual(1_000_000);
    expect(a.recordOf('nobody').trades).toBe(0);
    expect(codeOf(() => TradePredictor.train(history.slice(0, 10)))).toBe(ErrorCodes.AGENT_INPUT_INVALID);
  });
});
