import fc from 'fast-check';
import { aggregateMatching, ErrorCodes, hourlyMatching } from '../../src';
import { codeOf } from '../support';

describe('hourlyMatching', () => {
  it("matches each hour's consumption against its claimed certificates and green bundled P2P energy, no hour covering another", () => {
    const result = hourlyMatching({
      periodStart: '2026-11-21T10:00:00Z',
      periodEnd: '2026-11-21T13:00:00Z',
      consumption: [
        { intervalStart: '2026-11-21T10:00:00Z', consumptionWh: 300 },
        { intervalStart: '2026-11-21T10:15:00Z', consumptionWh: 300 },
        { intervalStart: '2026-11-21T11:30:00Z', consumptionWh: 400 },
        { intervalStart: '2026-11-21T12:45:00Z', consumptionWh: 300 },
        { intervalStart: '2026-11-21T13:00:00Z', consumptionWh: 999 },
      ],
      claims: [
        { productionStart: '2026-11-21T10:00:00Z', energyWh: 200 },
        { productionStart: '2026-11-21T11:00:00Z', energyWh: 1000 },
      ],
      bundled: [
        { intervalStart: '2026-11-21T10:30:00Z', energyWh: 100, green: true },
        { intervalStart: '2026-11-21T12:00:00Z', energyWh: 100, green: true },
        { intervalStart: '2026-11-21T12:15:00Z', energyWh: 500, green: false },
      ],
    });
    expect(result.hours).toEqual([
      { hourStart: '2026-11-21T10:00:00Z', consumptionWh: 600, claimedWh: 200, bundledWh: 100, matchedWh: 300, matchedPpm: 500_000 },
      { hourStart: '2026-11-21T11:00:00Z', consumptionWh: 400, claimedWh: 1000, bundledWh: 0, matchedWh: 400, matchedPpm: 1_000_000 },
      { hourStart: '2026-11-21T12:00:00Z', consumptionWh: 300, claimedWh: 0, bundledWh: 100, matchedWh: 100, matchedPpm: 333_333 },
    ]);
    expect(result).toMatchObject({ consumptionWh: 1300, matchedWh: 800, scorePpm: 615_384 });
  });

  it('lists hours without consumption with a null share, and refuses periods off the hour, empty or too long', () => {
    const empty = hourlyMatching({
      periodStart: '2026-11-21T10:00:00Z',
      periodEnd: '2026-11-21T11:00:00Z',
      consumption: [],
      claims: [],
      bundled: [],
    });
    expect(empty.hours).toEqual([
      { hourStart: '2026-11-21T10:00:00Z', consumptionWh: 0, claimedWh: 0, bundledWh: 0, matchedWh: 0, matchedPpm: null },
    ]);
    expect(empty.scorePpm).toBeNull();
    const base = { consumption: [], claims: [], bundled: [] };
    expect(codeOf(() => hourlyMatching({ ...base, periodStart: '2026-11-21T10:30:00Z', periodEnd: '2026-11-21T11:00:00Z' }))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    expect(codeOf(() => hourlyMatching({ ...base, periodStart: '2026-11-21T10:00:00Z', periodEnd: '2026-11-21T10:00:00Z' }))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    expect(codeOf(() => hourlyMatching({ ...base, periodStart: '2026-01-01T00:00:00Z', periodEnd: '2027-01-03T00:00:00Z' }))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    const negative = {
      ...base,
      periodStart: '2026-11-21T10:00:00Z',
      periodEnd: '2026-11-21T11:00:00Z',
      claims: [{ productionStart: '2026-11-21T10:00:00Z', energyWh: -1 }],
    };
    expect(codeOf(() => hourlyMatching(negative))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  });

  it('keeps matched within consumption and supply, and the score a share of it (property)', () => {
    const at = (h: number, q: number) => new Date(Date.UTC(2026, 10, 21, h, q * 15)).toISOString().replace('.000Z', 'Z');
    const item = fc.record({
      h: fc.integer({ min: 0, max: 5 }),
      q: fc.integer({ min: 0, max: 3 }),
      wh: fc.nat({ max: 10_000 }),
      green: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(item), fc.array(item), fc.array(item), (consumption, claims, bundled) => {
        const r = hourlyMatching({
          periodStart: '2026-11-21T00:00:00Z',
          periodEnd: '2026-11-21T06:00:00Z',
          consumption: consumption.map((c) => ({ intervalStart: at(c.h, c.q), consumptionWh: c.wh })),
          claims: claims.map((c) => ({ productionStart: at(c.h, 0), energyWh: c.wh })),
          bundled: bundled.map((b) => ({ intervalStart: at(b.h, b.q), energyWh: b.wh, green: b.green })),
        });
        expect(r.hours).toHaveLength(6);
        expect(r.consumptionWh).toBe(consumption.reduce((s, c) => s + c.wh, 0));
        for (const h of r.hours) {
          expect(h.matchedWh).toBe(Math.min(h.consumptionWh, h.claimedWh + h.bundledWh));
          if (h.matchedPpm !== null) expect(h.matchedPpm).toBe(Math.floor((h.matchedWh * 1_000_000) / h.consumptionWh));
        }
        expect(r.hours.reduce((s, h) => s + h.bundledWh, 0)).toBe(bundled.filter((b) => b.green).reduce((s, b) => s + b.wh, 0));
        if (r.scorePpm !== null) expect(r.scorePpm).toBeGreaterThanOrEqual(0);
        if (r.scorePpm !== null) expect(r.scorePpm).toBeLessThanOrEqual(1_000_000);
      }),
    );
  });
});

describe('aggregateMatching', () => {
  it('gives the regulator totals only', () => {
    expect(
      aggregateMatching([
        { consumptionWh: 1000, matchedWh: 250 },
        { consumptionWh: 3000, matchedWh: 3000 },
      ]),
    ).toEqual({
      participants: 2,
      consumptionWh: 4000,
      matchedWh: 3250,
      scorePpm: 812_500,
    });
    expect(aggregateMatching([]).scorePpm).toBeNull();
  });
});
