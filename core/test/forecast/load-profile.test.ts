import { germanLocal, h25DayType, h25Wh, homeLoadWh, QUARTER_HOUR_SECONDS } from '../../src/forecast';
import { readReference } from './reference';

const ref = readReference();

/** The UTC instant whose German local time reads `local` (YYYY-MM-DDTHH:MM; not an hour that DST skips or repeats). */
function fromLocal(local: string): number {
  const naive = Date.parse(`${local}:00Z`) / 1000;
  const found = [3600, 7200].map((offset) => naive - offset).find((t) => germanLocal(t).getTime() / 1000 === naive);
  if (found === undefined) throw new Error(`no instant for ${local}`);
  return found;
}

describe('BDEW H25 against demandlib 0.2.2 (fixtures/reference.json)', () => {
  test.each(ref.h25.samples.map((s) => [s.local, s.whPerMWh] as const))('%s: %f Wh per quarter hour at 1 MWh a year', (local, wh) => {
    // demandlib applies the dynamisation with its float coefficients to the CSV's three-decimal kWh.
    expect(h25Wh(1000, fromLocal(local))).toBeCloseTo(wh, 9);
  });

  test("the year's total at 1 MWh equals demandlib's, and about 1 MWh", () => {
    const start = fromLocal(`${ref.h25.year}-01-01T00:00`);
    const end = fromLocal(`${ref.h25.year + 1}-01-01T00:00`);
    let total = 0;
    for (let t = start; t < end; t += QUARTER_HOUR_SECONDS) total += h25Wh(1000, t);
    // demandlib's naive local index has no DST: one hour repeated in spring, one skipped in autumn (four quarters each way).
    expect(Math.abs(total - ref.h25.annualWhPerMWh)).toBeLessThan(0.0005 * ref.h25.annualWhPerMWh);
    expect(total).toBeGreaterThan(990_000);
    expect(total).toBeLessThan(1_000_000);
  });

  test('day types: Saturday, Sunday, working day', () => {
    expect(h25DayType(germanLocal(fromLocal('2025-01-04T12:00')))).toBe(1);
    expect(h25DayType(germanLocal(fromLocal('2025-01-05T12:00')))).toBe(2);
    expect(h25DayType(germanLocal(fromLocal('2025-01-06T12:00')))).toBe(0);
  });
});

describe('per-home variation', () => {
  const start = Date.parse('2025-03-03T00:00:00Z') / 1000;
  const quarters = Array.from({ length: 96 * 28 }, (_, i) => start + i * QUARTER_HOUR_SECONDS);

  test('whole Wh, a function of (seed, home, interval), seeds and homes differ', () => {
    const a = quarters.map((t) => homeLoadWh('home-01', 4000, t, 7));
    expect(a.every(Number.isInteger)).toBe(true);
    expect(quarters.map((t) => homeLoadWh('home-01', 4000, t, 7))).toEqual(a);
    expect(quarters.map((t) => homeLoadWh('home-01', 4000, t, 8))).not.toEqual(a);
    expect(quarters.map((t) => homeLoadWh('home-02', 4000, t, 7))).not.toEqual(a);
  });

  test("four weeks' energy within 3 % of H25's, and spikier than H25 (events)", () => {
    const profile = quarters.map((t) => h25Wh(4000, t));
    const home = quarters.map((t) => homeLoadWh('home-05', 4000, t, 1));
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    expect(Math.abs(sum(home) / sum(profile) - 1)).toBeLessThan(0.03);
    const maxRatio = Math.max(...home.map((wh, i) => wh / profile[i]));
    expect(maxRatio).toBeGreaterThan(2);
  });
});
