import { parseInstant } from '@gridledger/core';
import {
  clearedLine,
  DEMO_CREDITS,
  DEMO_MARKET_PARAMS,
  bothSides,
  demoOrder,
  intervalsToOrder,
  p2pSharePpm,
  paramsChange,
  settledLine,
  sideMarginWh,
  topUpMicros,
  tradingShiftSeconds,
  worthSaying,
} from '../src/demo-plan';

const at = (instant: string) => parseInstant(instant)!;
const home = { participantId: 'home-01', index: 0, capacityWh: 100, importWh: 0, exportWh: 0 };

describe('what the demo sets up', () => {
  it('changes only the parameters that differ, all of them when none are set', () => {
    expect(paramsChange(undefined, { a: 1, b: 2 })).toEqual({ a: 1, b: 2 });
    expect(paramsChange({ a: 1, b: 3, c: 9 }, { a: 1, b: 2 })).toEqual({ b: 2 });
    expect(paramsChange({ a: 1, b: 2 }, { a: 1, b: 2 })).toEqual({});
  });

  it('tops a home up to the target once its credits are below the floor', () => {
    expect(topUpMicros(DEMO_CREDITS.floorMicros)).toBe(0);
    expect(topUpMicros(DEMO_CREDITS.floorMicros - 1)).toBe(DEMO_CREDITS.targetMicros - DEMO_CREDITS.floorMicros + 1);
    expect(topUpMicros(-3_000_000)).toBe(DEMO_CREDITS.targetMicros + 3_000_000);
  });

  it('shifts the homes by the least whole quarter hours at which both sides are there for two hours', () => {
    const now = at('2026-12-06T22:10:00Z');
    // Both sides only from 06:00 to 09:00 of the model's day.
    const mixed = (t: number) => t % 86_400 >= 6 * 3600 && t % 86_400 < 9 * 3600;
    const shift = tradingShiftSeconds(now, mixed);
    expect(shift % 900).toBe(0);
    expect((at('2026-12-06T22:00:00Z') + shift) % 86_400).toBe(6 * 3600);
    expect(tradingShiftSeconds(at('2026-12-06T07:00:00Z'), mixed)).toBe(0);
    // Never two hours of both: the shift with the most quarter hours of both (the first of them).
    const brief = (t: number) => t % 86_400 >= 6 * 3600 && t % 86_400 < 7 * 3600;
    expect((at('2026-12-06T22:00:00Z') + tradingShiftSeconds(now, brief)) % 86_400).toBe(5 * 3600);
    expect(tradingShiftSeconds(now, () => false)).toBe(0);
  });

  it('both sides: some homes export and some import, each by more than the margin', () => {
    const homes = (...pairs: [number, number][]) => pairs.map(([loadWh, pvWh]) => ({ loadWh, pvWh }));
    const cases: [ReturnType<typeof homes>, number, boolean][] = [
      [homes([5, 9], [7, 2]), 0, true],
      [homes([5, 9], [7, 7]), 0, false],
      [homes([9, 0], [7, 2]), 0, false],
      [homes([100, 131], [131, 100]), sideMarginWh(60), true],
      [homes([100, 130], [131, 100]), sideMarginWh(60), false],
    ];
    for (const [energies, margin, expected] of cases) expect(bothSides(energies, margin)).toBe(expected);
  });

  it('the margin keeps every minute of a quarter on its side', () => {
    // The worst case of whole-Wh shares: load and PV that split unevenly over 15 minutes.
    for (const [loadWh, pvWh] of [
      [131, 100],
      [44, 13],
      [1000, 969],
    ]) {
      const share = (total: number, i: number) => Math.floor((total * (i + 1)) / 15) - Math.floor((total * i) / 15);
      for (let i = 0; i < 15; i++) expect(share(loadWh, i)).toBeGreaterThan(share(pvWh, i));
    }
  });

  it('orders the next intervals whose gate is at least 5 s away', () => {
    // 12:00:44: the gate of 12:01 closes at 12:00:50, 6 s away.
    expect(intervalsToOrder(at('2026-12-06T12:00:44Z'), DEMO_MARKET_PARAMS)).toEqual(
      ['12:01', '12:02', '12:03'].map((t) => at(`2026-12-06T${t}:00Z`)),
    );
    // 12:00:46: 4 s: that interval is left alone.
    expect(intervalsToOrder(at('2026-12-06T12:00:46Z'), DEMO_MARKET_PARAMS)[0]).toBe(at('2026-12-06T12:02:00Z'));
  });
});

describe("a demo home's order", () => {
  const start = at('2026-12-06T12:01:00Z');
  it('sells its surplus up to its capacity, low in the band', () => {
    const order = demoOrder({ ...home, exportWh: 140 }, 'community-1', start, DEMO_MARKET_PARAMS);
    expect(order).toEqual({
      clientOrderId: `demo-${start}`,
      communityId: 'community-1',
      intervalStart: '2026-12-06T12:01:00Z',
      side: 'sell',
      energyWh: 100,
      priceMicrosPerKwh: 128_000,
    });
  });

  it('buys its deficit high in the band; homes differ in price, and every price is inside the band', () => {
    const prices = [0, 1, 2, 3].map((index) => demoOrder({ ...home, index, importWh: 30 }, 'c', start, DEMO_MARKET_PARAMS)!);
    expect(prices.map((o) => [o.side, o.energyWh])).toEqual(Array(4).fill(['buy', 30]));
    expect(new Set(prices.map((o) => o.priceMicrosPerKwh)).size).toBe(4);
    const sells = [0, 1, 2, 3].map(
      (index) => demoOrder({ ...home, index, exportWh: 30 }, 'c', start, DEMO_MARKET_PARAMS)!.priceMicrosPerKwh,
    );
    // Every seller asks less than every buyer bids: the homes trade whenever both sides are there.
    expect(Math.max(...sells)).toBeLessThan(Math.min(...prices.map((o) => o.priceMicrosPerKwh)));
    expect(Math.min(...sells)).toBeGreaterThanOrEqual(DEMO_MARKET_PARAMS.feedInMicrosPerKwh);
  });

  it('places nothing when the home expects neither surplus nor deficit', () => {
    expect(demoOrder(home, 'c', start, DEMO_MARKET_PARAMS)).toBeUndefined();
  });
});

describe('the console lines', () => {
  it("of up's progress, the parts and the homes, not the network's every step", () => {
    expect(
      [
        '[  0.6 s]   ca-utility on 127.0.0.1:7054',
        '[ 41.0 s] peers',
        '[ 52.3 s] network ready',
        'REST gateways',
        '  home-01: meter home-01.main, PV 7000 W',
      ].filter(worthSaying),
    ).toEqual(['[ 52.3 s] network ready', 'REST gateways', '  home-01: meter home-01.main, PV 7000 W']);
  });

  const cleared = {
    intervalStart: '2026-12-06T12:01:00Z',
    priceMicrosPerKwh: 212_000,
    volumeWh: 75,
    tradeCount: 3,
    fills: [
      { side: 'buy', energyWh: 60 },
      { side: 'buy', energyWh: 40 },
      { side: 'sell', energyWh: 200 },
    ],
  };

  it('P2P share of demand: energy bought from peers over the energy asked for', () => {
    expect(p2pSharePpm(cleared)).toBe(750_000);
    expect(p2pSharePpm({ volumeWh: 0, fills: [{ side: 'sell', energyWh: 5 }] })).toBeNull();
  });

  it('a cleared interval: its time, volume, price, trades, P2P share and the URL', () => {
    expect(clearedLine(cleared, 'http://x/clearing')).toBe(
      '12:01 cleared     75 Wh at 0.212 credits/kWh, 3 trades, P2P share 75 %   http://x/clearing',
    );
    expect(clearedLine({ ...cleared, priceMicrosPerKwh: null, volumeWh: 0, tradeCount: 0 }, 'u')).toBe(
      '12:01 cleared      0 Wh at no price, 0 trades, P2P share 0 %   u',
    );
  });

  it('a settled interval: P2P volume and share, self-sufficiency, deviations', () => {
    const line = settledLine(
      {
        intervalStart: '2026-12-06T12:01:00Z',
        p2pVolumeWh: 75,
        p2pShareOfDemand: { ppm: 750_000 },
        selfSufficiency: { ppm: null },
        deviationSuppliedWh: 4,
        deviationTakenWh: 9,
      },
      'http://x/figures',
    );
    expect(line).toBe('12:01 settled     75 Wh P2P, share 75 %, self-sufficiency -, utility supplied 4 Wh, took 9 Wh   http://x/figures');
  });
});
