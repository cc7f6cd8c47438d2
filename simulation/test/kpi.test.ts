import { intervalFigures } from '@gridledger/core';
import { gini, report, tariffMicros, type LedgerInterval } from '../src/kpi';

describe('report maths', () => {
  it('Gini: 0 for equal savings, (n-1)/n when one home has all, a known value between', () => {
    expect(gini([5, 5, 5, 5]).ppm).toBe(0);
    expect(gini([0, 0, 0, 10]).ppm).toBe(750_000);
    // Σ|xi − xj| over all ordered pairs of 1, 2, 3, 4 is 20; 20 / (2 · 4² · 2.5) = 0.25.
    expect(gini([4, 1, 3, 2]).ppm).toBe(250_000);
    expect(gini([-3, 3]).ppm).toBeNull();
  });

  it('tariff: export at feed-in rounded down, import at retail rounded up', () => {
    const t = { retailMicrosPerKwh: 300_001, feedInMicrosPerKwh: 80_001 };
    expect(tariffMicros(1000, t)).toBe(80_001);
    expect(tariffMicros(3, t)).toBe(240);
    expect(tariffMicros(-3, t)).toBe(-901);
    expect(tariffMicros(0, t)).toBe(0);
  });

  it('self-sufficiency, savings, forecast error and time to trade from known ledger records', () => {
    // Two homes: A sells 400 Wh to B at 0.2 credits/kWh; metering: production 1000, consumption 800 then 200 and 600.
    const params = { retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 20_000 };
    const fills = [
      { participantId: 'A', side: 'sell' as const, energyWh: 500, filledWh: 400 },
      { participantId: 'B', side: 'buy' as const, energyWh: 400, filledWh: 400 },
    ];
    const figures = intervalFigures({
      params,
      clearing: { priceMicrosPerKwh: 200_000, volumeWh: 400, fills },
      contracts: [],
      deviations: [],
      metering: [
        { productionWh: 1000, consumptionWh: 800 },
        { productionWh: 200, consumptionWh: 600 },
      ],
    });
    const interval: LedgerInterval = {
      intervalStart: '2026-06-18T10:00:00Z',
      record: {
        status: 'settled',
        clearedAt: '2026-06-18T09:59:58Z',
        settledAt: '2026-06-18T10:02:30Z',
        params: { intervalSeconds: 60, gateClosureSeconds: 10 },
      },
      figures,
      fills,
      tradeCount: 1,
      // A exported 450 (50 more than sold: feed-in), B imported 400.
      settled: [
        { participantId: 'A', netWh: 450, netMicros: 80_000 + 4_000 },
        { participantId: 'B', netWh: -400, netMicros: -88_000 },
      ],
    };
    const tariff = { retailMicrosPerKwh: 300_000, feedInMicrosPerKwh: 80_000 };
    const r = report({
      simIntervalSeconds: 900,
      homes: [
        { participantId: 'A', homeId: 'home-001', tariff },
        { participantId: 'B', homeId: 'home-002', tariff },
        { participantId: 'C', homeId: 'home-003', tariff },
      ],
      intervals: [interval],
      period: figures,
      requests: { sent: 10, failed: 1, retried: 2 },
    });
    // Locally consumed: min(1000, 800) + min(200, 600) = 1000 of consumption 1400 and production 1200.
    expect(r.kpis.selfSufficiency).toEqual({ numerator: 1000, denominator: 1400, ppm: 714_286 });
    expect(r.kpis.selfConsumption).toEqual({ numerator: 1000, denominator: 1200, ppm: 833_333 });
    expect(r.kpis.importedFromUtilityWh).toBe(400);
    expect(r.kpis.exportedToUtilityWh).toBe(200);
    expect(r.kpis.peakImportWh).toBe(400);
    expect(r.kpis.peakImportSimulatedW).toBe(1600);
    // A: 84,000 against 450 Wh at feed-in 36,000; B: −88,000 against −120,000; C never settled.
    expect(r.homes.map((h) => [h.homeId, h.savingsMicros])).toEqual([
      ['home-001', 48_000],
      ['home-002', 32_000],
      ['home-003', 0],
    ]);
    expect(r.kpis.totalSavingsMicros).toBe(80_000);
    // Gini of 48,000, 32,000, 0: Σ_{i<j}|xi − xj| = 16,000 + 48,000 + 32,000 = 96,000 over n·Σx = 3 · 80,000.
    expect(r.kpis.giniOfSavings.ppm).toBe(400_000);
    // Ordered +500 and −400, settled +450 and −400: |50| + 0 over 850.
    expect(r.kpis.forecastError).toEqual({ wape: { numerator: 50, denominator: 850, ppm: 58_824 }, maeWh: 25, positions: 2 });
    expect(r.intervals[0]).toMatchObject({ clearedAfterGateSeconds: 8, settledAfterEndSeconds: 90, p2pVolumeWh: 400 });
    expect(r.kpis.requests).toEqual({ sent: 10, failed: 1, retried: 2, source: 'client' });
  });
});
