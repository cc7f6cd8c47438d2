import fc from 'fast-check';
import { MIN_NOTICE_SECONDS, validateFlexEvent, windowsOverlap } from '../../src/flex/event';
import { microsForWh, performanceOf } from '../../src/flex/performance';
import { codeOf } from '../support';

const now = Date.parse('2026-12-07T10:00:00Z') / 1000;
const request = {
  eventId: 'ev-1',
  programId: 'dr',
  communityId: 'c1',
  zoneIds: ['z2', 'z1'],
  start: '2026-12-07T11:00:00Z',
  end: '2026-12-07T11:30:00Z',
  targetReductionW: 5000,
  priceMicrosPerKwh: 500_000,
  optInDeadline: '2026-12-07T10:30:00Z',
};

describe('a demand-response event', () => {
  it('is cut into the metering intervals of its window', () => {
    const e = validateFlexEvent(request, now, 900);
    expect(e.intervals).toEqual(['2026-12-07T11:00:00Z', '2026-12-07T11:15:00Z']);
    expect(e.zoneIds).toEqual(['z1', 'z2']);
    expect(e.shortfallPriceMicrosPerKwh).toBe(0);
    expect(e.baseline.method).toBe('pge-residential');
  });

  it('is refused in the past, with too short a notice, off the grid, or with a deadline after its start', () => {
    expect(codeOf(() => validateFlexEvent({ ...request, start: '2026-12-07T09:00:00Z' }, now, 900))).toBe('FLEX_EVENT_IN_PAST');
    expect(codeOf(() => validateFlexEvent({ ...request, start: '2026-12-07T10:00:00Z' }, now, 60))).toBe('FLEX_EVENT_IN_PAST');
    const soon = { ...request, start: '2026-12-07T10:00:00Z', end: '2026-12-07T10:02:00Z', optInDeadline: '2026-12-07T10:00:00Z' };
    expect(codeOf(() => validateFlexEvent(soon, now - MIN_NOTICE_SECONDS + 1, 60))).toBe('FLEX_NOTICE_TOO_SHORT');
    expect(codeOf(() => validateFlexEvent(soon, now - MIN_NOTICE_SECONDS, 60))).toBeUndefined();
    expect(codeOf(() => validateFlexEvent({ ...request, start: '2026-12-07T11:01:00Z' }, now, 900))).toBe('FLEX_EVENT_INVALID');
    expect(codeOf(() => validateFlexEvent({ ...request, optInDeadline: '2026-12-07T11:01:00Z' }, now, 900))).toBe('FLEX_EVENT_INVALID');
    expect(codeOf(() => validateFlexEvent({ ...request, zoneIds: [] }, now, 900))).toBe('FLEX_EVENT_INVALID');
    expect(codeOf(() => validateFlexEvent({ ...request, extra: 1 }, now, 900))).toBe('FLEX_EVENT_INVALID');
  });

  it('overlaps another whose window shares an instant', () => {
    const a = { start: '2026-12-07T11:00:00Z', end: '2026-12-07T11:30:00Z' };
    expect(windowsOverlap(a, { start: '2026-12-07T11:15:00Z', end: '2026-12-07T12:00:00Z' })).toBe(true);
    expect(windowsOverlap(a, { start: '2026-12-07T11:30:00Z', end: '2026-12-07T12:00:00Z' })).toBe(false);
  });
});

describe('performance and payment', () => {
  const intervals = ['t1', 't2', 't3'];
  const prices = { priceMicrosPerKwh: 1_234_567, shortfallPriceMicrosPerKwh: 100_000 };

  it('pays the reduction below the baseline, never a rise, nothing for a missing reading', () => {
    const p = performanceOf(intervals, [500, 500, 500], [300, 700, null], 0, prices);
    expect(p.intervals.map((r) => r.reductionWh)).toEqual([200, 0, 0]);
    expect(p.paymentMicros).toBe(246_913); // 200 Wh × 1,234,567 µ/kWh / 1000 = 246,913.4, rounded down
    expect(p.netPaymentMicros).toBe(246_913);
  });

  it('charges a commitment not met at the shortfall price, never more than the payment', () => {
    const p = performanceOf(intervals, [500, 500, 500], [300, 450, 500], 100, prices);
    expect(p.intervals.map((r) => r.shortfallWh)).toEqual([0, 50, 100]);
    expect(p.shortfallChargeMicros).toBe(15_000);
    expect(p.netPaymentMicros).toBe(microsForWh(250, prices.priceMicrosPerKwh) - 15_000);
    expect(performanceOf(intervals, [], [0, 0, 0], 100, prices).netPaymentMicros).toBe(0);
  });

  it('property: reduction is never negative nor above the baseline; payment is the floor of Wh × price / 1000', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1e6), fc.option(fc.nat(1e6))), { minLength: 1, maxLength: 10 }), fc.nat(1e9), (rows, price) => {
        const p = performanceOf(
          rows.map((_, k) => `t${k}`),
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
          0,
          { priceMicrosPerKwh: price, shortfallPriceMicrosPerKwh: 0 },
        );
        for (const [k, r] of p.intervals.entries()) {
          expect(r.reductionWh).toBeGreaterThanOrEqual(0);
          expect(r.reductionWh).toBeLessThanOrEqual(rows[k][0]);
        }
        const exact = BigInt(p.reductionWh) * BigInt(price);
        expect(BigInt(p.paymentMicros) * 1000n <= exact && exact < BigInt(p.paymentMicros + 1) * 1000n).toBe(true);
      }),
    );
  });
});
