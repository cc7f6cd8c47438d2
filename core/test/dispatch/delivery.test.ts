/** Delivery reconciled with the meter's readings (docs/dispatch.md, "Which measurement"): the intervals read, the cap, the source. */
import fc from 'fast-check';
import { parseDispatchRequest } from '../../src/dispatch/dispatch';
import {
  resettleDelivery,
  DEFAULT_READINGS_WAIT_SECONDS,
  deliveredWh,
  dispatchPaymentMicros,
  readingIntervals,
  readingsCapWh,
  reconcileDelivery,
} from '../../src/dispatch/delivery';

describe('readingIntervals', () => {
  it('takes the intervals the setpoint overlaps and as many just before', () => {
    // 17:05-17:20 on a 15-minute grid overlaps 17:00 and 17:15; before: 16:30 and 16:45.
    const t1700 = Date.UTC(2026, 11, 6, 17, 0, 0) / 1000;
    expect(readingIntervals(t1700 + 300, 900, 900)).toEqual({ before: [t1700 - 1800, t1700 - 900], during: [t1700, t1700 + 900] });
    // Exactly one interval: itself and the one before.
    expect(readingIntervals(t1700, 900, 900)).toEqual({ before: [t1700 - 900], during: [t1700] });
    expect(readingIntervals(t1700 + 10, 9, 60)).toEqual({ before: [t1700 - 60], during: [t1700] });
  });

  it('covers the setpoint with whole intervals, the before ones adjacent and as many (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000_000, max: 2_000_000_000 }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.constantFrom(60, 300, 900, 3600),
        (start, duration, len) => {
          const { before, during } = readingIntervals(start, duration, len);
          expect(before).toHaveLength(during.length);
          expect(during[0] <= start && start < during[0] + len).toBe(true);
          const last = during[during.length - 1];
          expect(last < start + duration && start + duration <= last + len).toBe(true);
          [...before, ...during].forEach((t, k, all) => {
            expect(t % len).toBe(0);
            if (k > 0) expect(t - all[k - 1]).toBe(len);
          });
        },
      ),
    );
  });
});

describe('readingsCapWh', () => {
  it('is the rise of net export in the direction asked, never negative', () => {
    expect(readingsCapWh(2000, 300, -200)).toBe(500);
    expect(readingsCapWh(2000, -250, -200)).toBe(0);
    // More import asked: the fall of net export.
    expect(readingsCapWh(-1000, -700, -200)).toBe(500);
    expect(readingsCapWh(-1000, 100, -200)).toBe(0);
  });
});

describe('reconcileDelivery', () => {
  it('confirms, caps, or takes telemetry alone without readings', () => {
    expect(reconcileDelivery(5, 40)).toEqual({ deliveredWh: 5, source: 'readings', capped: false });
    expect(reconcileDelivery(500, 120)).toEqual({ deliveredWh: 120, source: 'readings', capped: true });
    expect(reconcileDelivery(500, 0)).toEqual({ deliveredWh: 0, source: 'readings', capped: true });
    expect(reconcileDelivery(500, undefined)).toEqual({ deliveredWh: 500, source: 'telemetry', capped: false });
  });

  it('is never above telemetry, never above what the readings allow, never negative (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000, max: 10_000 }).filter((p) => p !== 0),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: -20_000, max: 20_000 }),
        fc.integer({ min: -20_000, max: 20_000 }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.boolean(),
        (powerW, duration, baselineW, duringW, duringNet, beforeNet, hasReadings) => {
          const telemetryWh = deliveredWh(powerW, duration, baselineW, duringW);
          const cap = hasReadings ? readingsCapWh(powerW, duringNet, beforeNet) : undefined;
          const r = reconcileDelivery(telemetryWh, cap);
          expect(r.deliveredWh).toBeGreaterThanOrEqual(0);
          expect(r.deliveredWh).toBeLessThanOrEqual(telemetryWh);
          expect(r.deliveredWh).toBeLessThanOrEqual(Math.floor((Math.abs(powerW) * duration) / 3600));
          if (cap !== undefined) {
            expect(r.deliveredWh).toBeLessThanOrEqual(cap);
            expect(r.deliveredWh).toBeLessThanOrEqual(Math.max(Math.sign(powerW) * (duringNet - beforeNet), 0));
          }
          expect(r.source).toBe(hasReadings ? 'readings' : 'telemetry');
          expect(r.capped).toBe(cap !== undefined && cap < telemetryWh);
        },
      ),
    );
  });
});

describe('the request’s wait for readings', () => {
  const base = {
    dispatchId: 'd1',
    communityId: 'c1',
    resourceId: 'bat-1',
    powerW: 1000,
    startAt: '2026-12-06T17:00:00Z',
    durationSeconds: 900,
    priceMicrosPerKwh: 1,
  };
  it('defaults to 1,800 s and takes 0 to 48 h', () => {
    expect(parseDispatchRequest(base).readingsWaitSeconds).toBe(DEFAULT_READINGS_WAIT_SECONDS);
    expect(parseDispatchRequest({ ...base, readingsWaitSeconds: 0 }).readingsWaitSeconds).toBe(0);
    expect(() => parseDispatchRequest({ ...base, readingsWaitSeconds: 172_801 })).toThrow(/readingsWaitSeconds/);
    expect(() => parseDispatchRequest({ ...base, readingsWaitSeconds: -1 })).toThrow(/readingsWaitSeconds/);
  });
});

describe('resettleDelivery', () => {
  it('confirms, caps with the difference taken back, or leaves the payment when the readings never came', () => {
    // 750 Wh paid at 300,000 µ/kWh = 225,000 µ.
    expect(resettleDelivery(750, 225_000, 1_250, 300_000)).toEqual({
      outcome: 'confirmed',
      deliveredWh: 750,
      paymentMicros: 225_000,
      clawbackMicros: 0,
    });
    expect(resettleDelivery(750, 225_000, 100, 300_000)).toEqual({
      outcome: 'capped',
      deliveredWh: 100,
      paymentMicros: 30_000,
      clawbackMicros: 195_000,
    });
    expect(resettleDelivery(750, 225_000, 0, 300_000)).toEqual({
      outcome: 'capped',
      deliveredWh: 0,
      paymentMicros: 0,
      clawbackMicros: 225_000,
    });
    expect(resettleDelivery(750, 225_000, undefined, 300_000)).toEqual({
      outcome: 'no-readings',
      deliveredWh: 750,
      paymentMicros: 225_000,
      clawbackMicros: 0,
    });
  });

  it('never pays more than was paid, never takes back more, and what stays plus what is taken back is what was paid', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.option(fc.integer({ min: -100_000, max: 100_000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (telemetryWh, capWh, price) => {
          const paid = dispatchPaymentMicros(telemetryWh, price);
          const r = resettleDelivery(telemetryWh, paid, capWh, price);
          expect(r.paymentMicros).toBeLessThanOrEqual(paid);
          expect(r.clawbackMicros).toBeGreaterThanOrEqual(0);
          expect(r.paymentMicros + r.clawbackMicros).toBe(paid);
          expect(r.deliveredWh).toBeLessThanOrEqual(telemetryWh);
          if (capWh !== undefined) expect(r.deliveredWh).toBeLessThanOrEqual(Math.max(capWh, 0));
        },
      ),
    );
  });
});
