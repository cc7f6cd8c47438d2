import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import { changeIsland, connectionOpen, curtail, IslandState, Load, LOAD_PRIORITIES, settleIslandDeviations } from '../../src/grid';

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'none';
};

describe('curtail: lowest priority first, critical loads last, pro rata within a class', () => {
  const loads: Load[] = [
    { loadId: 'ev-1', priority: 'deferrable', demandWh: 300 },
    { loadId: 'ev-2', priority: 'deferrable', demandWh: 100 },
    { loadId: 'home-1', priority: 'standard', demandWh: 500 },
    { loadId: 'home-2', priority: 'standard', demandWh: 250 },
    { loadId: 'clinic', priority: 'critical', demandWh: 400 },
  ];
  const cut = (wh: number) => Object.fromEntries(curtail(loads, wh).map((c) => [c.loadId, c.curtailedWh]));

  it('takes the deferrable loads whole before touching a standard one', () => {
    expect(cut(400)).toEqual({ clinic: 0, 'ev-1': 300, 'ev-2': 100, 'home-1': 0, 'home-2': 0 });
  });

  it('shares the cut of a class pro rata, in whole Wh, the rest to the largest remainders', () => {
    // 700 − 400 deferrable = 300 from standard (500 and 250): 200 and 100.
    expect(cut(700)).toEqual({ clinic: 0, 'ev-1': 300, 'ev-2': 100, 'home-1': 200, 'home-2': 100 });
    // 401: 1 Wh from standard, to home-1 (larger remainder 2/3 against 1/3).
    expect(cut(401)).toMatchObject({ 'home-1': 1, 'home-2': 0 });
  });

  it('reaches the critical load only when everything else is off, and never beyond its demand', () => {
    expect(cut(1200)).toMatchObject({ clinic: 50, 'home-1': 500, 'home-2': 250 });
    expect(cut(10_000)).toMatchObject({ clinic: 400 });
  });

  it('refuses bad input with ISLAND_INPUT_INVALID', () => {
    expect(codeOf(() => curtail(loads, -1))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
    expect(codeOf(() => curtail([...loads, loads[0]], 1))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
    expect(codeOf(() => curtail([{ loadId: 'x', priority: 'vip' as never, demandWh: 1 }], 1))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
  });

  it('property: cuts exactly min(asked, demand), each load within its demand, a class cut only after every lower one is whole', () => {
    const load = fc.record({ priority: fc.constantFrom(...LOAD_PRIORITIES), demandWh: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(
      fc.property(fc.array(load, { maxLength: 12 }), fc.integer({ min: 0, max: 15_000 }), (ls, wh) => {
        const input = ls.map((l, k) => ({ ...l, loadId: `l${k}` }));
        const out = curtail(input, wh);
        const total = input.reduce((s, l) => s + l.demandWh, 0);
        expect(out.reduce((s, c) => s + c.curtailedWh, 0)).toBe(Math.min(wh, total));
        for (const c of out) expect(c.curtailedWh + c.servedWh).toBe(c.demandWh);
        for (const c of out) expect(c.curtailedWh).toBeGreaterThanOrEqual(0);
        const rank = (p: string) => LOAD_PRIORITIES.indexOf(p as never);
        for (const higher of out.filter((c) => c.curtailedWh > 0))
          for (const lower of out.filter((c) => rank(c.priority) < rank(higher.priority))) expect(lower.servedWh).toBe(0);
      }),
    );
  });
});

describe('island mode', () => {
  const connected: IslandState = { mode: 'connected', since: '2026-12-06T00:00:00Z', cause: 'initial' };
  const at = { intervalStart: '2026-12-06T10:15:00Z', fromEpoch: 2000, nowEpoch: 1000 };

  it('changes mode from a future interval, and says who caused it', () => {
    const islanded = changeIsland(connected, 'islanded', at, 'telemetry');
    expect(islanded).toEqual({ mode: 'islanded', since: '2026-12-06T10:15:00Z', cause: 'telemetry' });
    expect(changeIsland(islanded, 'connected', { ...at, intervalStart: '2026-12-06T11:00:00Z' }, 'utility').mode).toBe('connected');
  });

  it('refuses the same mode again and a change from an interval that has started', () => {
    expect(codeOf(() => changeIsland(connected, 'connected', at, 'utility'))).toBe(ErrorCodes.ISLAND_MODE_UNCHANGED);
    expect(codeOf(() => changeIsland(connected, 'islanded', { ...at, fromEpoch: 1000 }, 'utility'))).toBe(
      ErrorCodes.ISLAND_CHANGE_NOT_FUTURE,
    );
  });

  it('telemetry shows the connection open only after three samples without power and off-band frequency', () => {
    const open = { powerW: 0, frequencyMHz: 50_400 };
    const grid = { powerW: 3_000, frequencyMHz: 50_010 };
    expect(connectionOpen([grid, open, open])).toBe(false);
    expect(connectionOpen([grid, open, open, open])).toBe(true);
    // No power but the frequency held at nominal: the community balances itself while connected.
    expect(connectionOpen([0, 1, 2].map(() => ({ powerW: 10, frequencyMHz: 50_050 })))).toBe(false);
  });
});

describe('settleIslandDeviations: shortfalls paid to the excess inside the island, credits conserved', () => {
  it('charges the short participants at the island price and shares it over the long ones by their excess', () => {
    const postings = settleIslandDeviations(
      [
        { participantId: 'a', deviationWh: 300 },
        { participantId: 'b', deviationWh: 100 },
        { participantId: 'c', deviationWh: -200 },
      ],
      150_000,
    );
    // c used 200 Wh more than it bought: 30,000 µ at 150,000 µ/kWh, 3:1 to a and b.
    expect(postings).toEqual([
      { from: 'c', to: 'a', amountMicros: 22_500, energyWh: 150 },
      { from: 'c', to: 'b', amountMicros: 7_500, energyWh: 50 },
    ]);
  });

  it('charges no more energy than the excess served, and nothing without excess', () => {
    const postings = settleIslandDeviations(
      [
        { participantId: 'a', deviationWh: 100 },
        { participantId: 'c', deviationWh: -300 },
        { participantId: 'd', deviationWh: -100 },
      ],
      100_000,
    );
    expect(postings.reduce((s, p) => s + p.energyWh, 0)).toBe(100);
    expect(postings).toEqual([
      { from: 'c', to: 'a', amountMicros: 7_500, energyWh: 75 },
      { from: 'd', to: 'a', amountMicros: 2_500, energyWh: 25 },
    ]);
    expect(settleIslandDeviations([{ participantId: 'c', deviationWh: -300 }], 100_000)).toEqual([]);
  });

  it('property: money moves only between participants, what a payer pays is its served shortfall at the price', () => {
    const dev = fc.integer({ min: -5_000, max: 5_000 });
    fc.assert(
      fc.property(fc.array(dev, { maxLength: 10 }), fc.integer({ min: 0, max: 1_000_000 }), (ds, price) => {
        const input = ds.map((deviationWh, k) => ({ participantId: `p${k}`, deviationWh }));
        const postings = settleIslandDeviations(input, price);
        const excess = ds.filter((d) => d > 0).reduce((s, d) => s + d, 0);
        const shortfall = ds.filter((d) => d < 0).reduce((s, d) => s - d, 0);
        expect(postings.reduce((s, p) => s + p.energyWh, 0)).toBe(excess === 0 ? 0 : Math.min(excess, shortfall));
        const paid = new Map<string, number>();
        for (const p of postings) {
          expect(input.find((d) => d.participantId === p.from)!.deviationWh).toBeLessThan(0);
          expect(input.find((d) => d.participantId === p.to)!.deviationWh).toBeGreaterThan(0);
          paid.set(p.from, (paid.get(p.from) ?? 0) + p.amountMicros);
        }
        for (const [payer, micros] of paid) {
          const energy = postings.filter((p) => p.from === payer).reduce((s, p) => s + p.energyWh, 0);
          expect(micros).toBe(Math.floor((energy * price) / 1000));
        }
      }),
    );
  });
});
