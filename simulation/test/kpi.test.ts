import { intervalFigures } from '@gridledger/core';
import { gini, report, type LedgerInterval } from '../src/kpi';
import { retailAt, tariffMicros } from '../src/tariff';

describe('report maths', () => {
  it('Gini: 0 for equal savings, (n-1)/n when one home has all, a known value between', () => {
    expect(gini([5, 5, 5, 5]).ppm).toBe(0);
    expect(gini([0, 0, 0, 10]).ppm).toBe(750_000);
    // Σ|xi − xj| over all ordered pairs of 1, 2, 3, 4 is 20; 20 / (2 · 4² · 2.5) = 0.25.
    expect(gini([4, 1, 3, 2]).ppm).toBe(250_000);
    expect(gini([-3, 3]).ppm).toBeNull();
  });

  it('flat tariff: export at feed-in rounded down, import at retail rounded up', () => {
    const t = { name: 'flat', retailMicrosPerKwh: 300_001, feedInMicrosPerKwh: 80_001 };
    const noon = Date.parse('2026-06-18T12:00:00Z') / 1000;
    expect(tariffMicros(1000, t, noon)).toBe(80_001);
    expect(tariffMicros(3, t, noon)).toBe(240);
    expect(tariffMicros(-3, t, noon)).toBe(-901);
    expect(tariffMicros(0, t, noon)).toBe(0);
  });

  it('time-of-use tariff: the peak price within [fromHour, toHour) of the simulated day (UTC), off-peak outside, feed-in always', () => {
    const t = {
      name: 'tou',
      retailMicrosPerKwh: 250_000,
      feedInMicrosPerKwh: 70_000,
      peak: { fromHour: 17, toHour: 20, retailMicrosPerKwh: 410_001 },
    };
    const at = (hhmm: string) => Date.parse(`2026-06-18T${hhmm}:00Z`) / 1000;
    expect(retailAt(t, at('16:45'))).toBe(250_000);
    expect(retailAt(t, at('17:00'))).toBe(410_001);
    expect(retailAt(t, at('19:45'))).toBe(410_001);
    expect(retailAt(t, at('20:00'))).toBe(250_000);
    // 1,234 Wh imported: 1.234 kWh × 410,001 = 505,941.234, rounded up; off-peak × 250,000 = 308,500.
    expect(tariffMicros(-1234, t, at('18:15'))).toBe(-505_942);
    expect(tariffMicros(-1234, t, at('08:15'))).toBe(-308_500);
    // 1 Wh at peak: 410.001 rounded up; 999 Wh exported: 69,930 at any hour.
    expect(tariffMicros(-1, t, at('18:15'))).toBe(-411);
    expect(tariffMicros(999, t, at('18:15'))).toBe(69_930);
    expect(tariffMicros(999, t, at('08:15'))).toBe(69_930);
  });

  it("each home's savings against its own tariff, across the peak's start, and per tariff", () => {
    // Two intervals, simulated 16:45 and 17:00; both homes import 1,000 Wh in each and pay the market 200,000 each time.
    const interval = (intervalStart: string): LedgerInterval => ({
      intervalStart,
      record: { status: 'settled', params: { intervalSeconds: 60, gateClosureSeconds: 10 } },
      figures: intervalFigures({
        params: { retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 20_000 },
        clearing: { priceMicrosPerKwh: null, volumeWh: 0, fills: [] },
        contracts: [],
        deviations: [],
        metering: [{ productionWh: 0, consumptionWh: 2000 }],
      }),
      fills: [],
      tradeCount: 0,
      settled: [
        { participantId: 'F', netWh: -1000, netMicros: -200_000 },
        { participantId: 'T', netWh: -1000, netMicros: -200_000 },
      ],
    });
    const intervals = [interval('2026-12-06T10:00:00Z'), interval('2026-12-06T10:01:00Z')];
    const sim = { '2026-12-06T10:00:00Z': '2026-06-18T16:45:00Z', '2026-12-06T10:01:00Z': '2026-06-18T17:00:00Z' } as Record<
      string,
      string
    >;
    const r = report({
      simIntervalSeconds: 900,
      simulatedStart: (instant) => Date.parse(sim[instant]) / 1000,
      homes: [
        { participantId: 'F', homeId: 'home-001', tariff: { name: 'flat', retailMicrosPerKwh: 320_000, feedInMicrosPerKwh: 80_000 } },
        {
          participantId: 'T',
          homeId: 'home-002',
          tariff: {
            name: 'tou',
            retailMicrosPerKwh: 250_000,
            feedInMicrosPerKwh: 70_000,
            peak: { fromHour: 17, toHour: 20, retailMicrosPerKwh: 410_000 },
          },
        },
      ],
      intervals,
      period: intervals[0].figures,
      requests: { sent: 0, failed: 0, retried: 0 },
    });
    // F: 2 × 320,000 = 640,000 at its tariff against 400,000 paid; T: 250,000 off-peak + 410,000 at peak = 660,000.
    expect(r.homes.map((h) => [h.tariff, h.tariffMicros, h.savingsMicros])).toEqual([
      ['flat', -640_000, 240_000],
      ['tou', -660_000, 260_000],
    ]);
    expect(r.kpis.savingsByTariff).toEqual([
      { tariff: 'flat', homes: 1, savingsMicros: 240_000 },
      { tariff: 'tou', homes: 1, savingsMicros: 260_000 },
    ]);
    expect(r.kpis.totalSavingsMicros).toBe(500_000);
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
    const tariff = { name: 'flat', retailMicrosPerKwh: 300_000, feedInMicrosPerKwh: 80_000 };
    const r = report({
      simIntervalSeconds: 900,
      simulatedStart: () => Date.parse('2026-06-18T12:00:00Z') / 1000,
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
