import fc from 'fast-check';
import { formatInstant } from '../../src/core/units';
import { scheduleCharging, scheduleCostMicros, slotCapacityWh, type ChargingSession, type PriceInterval } from '../../src/dispatch';

const T0 = 1_800_000_000;
const at = (s: number) => formatInstant(T0 + s);

const intervalsOf = (prices: number[], headroom: number[], seconds: number): PriceInterval[] =>
  prices.map((p, k) => ({ intervalStart: at(k * seconds), intervalSeconds: seconds, priceMicrosPerKwh: p, headroomW: headroom[k] }));

/** The least Σ energy × price over every integer split of `energy` into the intervals' capacities, or undefined. */
function bruteForce(caps: number[], prices: number[], energy: number): number | undefined {
  let best: number | undefined;
  const walk = (k: number, left: number, cost: number) => {
    if (k === caps.length) {
      if (left === 0 && (best === undefined || cost < best)) best = cost;
      return;
    }
    for (let e = 0; e <= Math.min(caps[k], left); e++) walk(k + 1, left - e, cost + e * prices[k]);
  };
  walk(0, energy, 0);
  return best;
}

describe('EV smart charging', () => {
  test('the cheapest intervals first, within the session, the charger and the headroom', () => {
    // Four 15-minute intervals; the EV arrives 5 minutes into the first and leaves at the end of the third.
    const session: ChargingSession = { arrivalAt: at(300), departureAt: at(2700), energyWh: 2500, maxPowerW: 7200 };
    const intervals = intervalsOf([300_000, 100_000, 200_000, 50_000], [10_000, 4000, 10_000, 10_000], 900);
    const s = scheduleCharging(session, intervals);
    // Interval 2 (100k): 4,000 W headroom × 900 s = 1,000 Wh; interval 3 (200k): 7,200 W × 900 s = 1,800 Wh, 1,500 of it used.
    expect(s.slots).toEqual([
      { intervalStart: at(900), energyWh: 1000, powerW: 4000, priceMicrosPerKwh: 100_000 },
      { intervalStart: at(1800), energyWh: 1500, powerW: 6000, priceMicrosPerKwh: 200_000 },
    ]);
    expect(s).toMatchObject({ feasible: true, energyWh: 2500, shortfallWh: 0, costMicros: 400_000 });
    // The interval after departure is never used, however cheap; the first holds 600 s of the session.
    expect(slotCapacityWh(session, intervals[0])).toBe(1200);
    expect(slotCapacityWh(session, intervals[3])).toBe(0);
  });

  const arbCase = fc
    .record({
      n: fc.integer({ min: 1, max: 4 }),
      prices: fc.array(fc.integer({ min: 0, max: 500_000 }), { minLength: 4, maxLength: 4 }),
      headroom: fc.array(fc.integer({ min: -100, max: 60 }), { minLength: 4, maxLength: 4 }),
      maxPowerW: fc.integer({ min: 1, max: 50 }),
      arrival: fc.integer({ min: 0, max: 1200 }),
      stay: fc.integer({ min: 1, max: 4 * 900 }),
      energyWh: fc.integer({ min: 0, max: 30 }),
    })
    .map((c) => ({
      session: { arrivalAt: at(c.arrival), departureAt: at(c.arrival + c.stay), energyWh: c.energyWh, maxPowerW: c.maxPowerW },
      intervals: intervalsOf(c.prices.slice(0, c.n), c.headroom, 900),
    }));

  test('target met when feasible, limits never exceeded, cost minimal against brute force', () => {
    fc.assert(
      fc.property(arbCase, ({ session, intervals }) => {
        const s = scheduleCharging(session, intervals);
        const caps = intervals.map((i) => slotCapacityWh(session, i));
        const best = bruteForce(
          caps,
          intervals.map((i) => i.priceMicrosPerKwh),
          session.energyWh,
        );
        expect(s.feasible).toBe(best !== undefined);
        expect(s.energyWh + s.shortfallWh).toBe(session.energyWh);
        if (best !== undefined) {
          expect(s.energyWh).toBe(session.energyWh);
          expect(s.costMicros).toBe(Math.ceil(best / 1000));
        } else {
          expect(s.energyWh).toBe(caps.reduce((a, b) => a + b, 0));
        }
        for (const slot of s.slots) {
          const k = intervals.findIndex((i) => i.intervalStart === slot.intervalStart);
          expect(slot.energyWh).toBeGreaterThan(0);
          expect(slot.energyWh).toBeLessThanOrEqual(caps[k]);
          expect(slot.powerW).toBeLessThanOrEqual(Math.min(session.maxPowerW, intervals[k].headroomW));
        }
        expect(s.costMicros).toBe(scheduleCostMicros(s.slots));
      }),
      { numRuns: 300 },
    );
  });
});
