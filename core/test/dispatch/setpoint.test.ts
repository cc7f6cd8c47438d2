import fc from 'fast-check';
import { ErrorCodes } from '../../src/core/errors';
import { formatInstant } from '../../src/core/units';
import {
  deliveredWh,
  dispatchPaymentMicros,
  limitViolation,
  maxFeasiblePowerW,
  parseAck,
  parseDispatchRequest,
  parseRegistration,
  selectResources,
  setpointEnergyWh,
  type Candidate,
  type ResourceState,
} from '../../src/dispatch';

const T0 = 1_800_000_000;
const at = (s: number) => formatInstant(T0 + s);

const battery = (o: Partial<ResourceState> = {}): ResourceState => ({
  kind: 'battery',
  maxPowerW: 5000,
  capacityWh: 10_000,
  minSocWh: 2000,
  socWh: 6000,
  departureAt: null,
  targetWh: null,
  ...o,
});
const ev = (o: Partial<ResourceState> = {}): ResourceState => ({
  kind: 'ev',
  maxPowerW: 7400,
  capacityWh: 60_000,
  minSocWh: 0,
  socWh: 20_000,
  departureAt: at(4 * 3600),
  targetWh: 40_000,
  ...o,
});

/** A resource of either kind with consistent figures, as an owner may register it. */
const arbResource: fc.Arbitrary<ResourceState> = fc
  .record({
    kind: fc.constantFrom('battery' as const, 'ev' as const),
    maxPowerW: fc.integer({ min: 1, max: 20_000 }),
    capacityWh: fc.integer({ min: 1, max: 100_000 }),
    minFrac: fc.integer({ min: 0, max: 100 }),
    socFrac: fc.integer({ min: 0, max: 100 }),
    targetFrac: fc.integer({ min: 0, max: 100 }),
    departure: fc.integer({ min: 0, max: 12 * 3600 }),
  })
  .map((r) => {
    const socWh = Math.floor((r.capacityWh * r.socFrac) / 100);
    return r.kind === 'battery'
      ? battery({ maxPowerW: r.maxPowerW, capacityWh: r.capacityWh, minSocWh: Math.floor((r.capacityWh * r.minFrac) / 100), socWh })
      : ev({
          maxPowerW: r.maxPowerW,
          capacityWh: r.capacityWh,
          socWh,
          targetWh: Math.floor((r.capacityWh * r.targetFrac) / 100),
          departureAt: at(r.departure),
        });
  });

describe('owner limits of a setpoint', () => {
  test('a battery: power, minimum state of charge and capacity', () => {
    const b = battery();
    expect(limitViolation(b, { powerW: 5000, startAt: at(0), durationSeconds: 60 })).toBeUndefined();
    expect(limitViolation(b, { powerW: 5001, startAt: at(0), durationSeconds: 60 })?.limit).toBe('maxPowerW');
    // 4000 Wh above the minimum: 4001 Wh (4001 W for an hour) is one too many.
    expect(limitViolation(b, { powerW: 4000, startAt: at(0), durationSeconds: 3600 })).toBeUndefined();
    expect(limitViolation(b, { powerW: 4001, startAt: at(0), durationSeconds: 3600 })?.limit).toBe('minSocWh');
    expect(limitViolation(b, { powerW: -4001, startAt: at(0), durationSeconds: 3600 })?.limit).toBe('capacityWh');
    expect(limitViolation(b, { powerW: 0, startAt: at(0), durationSeconds: 60 })?.limit).toBe('powerW');
  });

  test('an EV: no setpoint past its departure, and charging less only while it can still reach its target', () => {
    const e = ev();
    expect(limitViolation(e, { powerW: 3000, startAt: at(3 * 3600), durationSeconds: 3601 })?.limit).toBe('departureAt');
    // 20,000 Wh still needed at 7,400 W: 9,730 s of charging, so a pause may end at 14,400 − 9,730 = 4,670 s at the latest.
    expect(limitViolation(e, { powerW: 3000, startAt: at(0), durationSeconds: 4670 })).toBeUndefined();
    expect(limitViolation(e, { powerW: 3000, startAt: at(0), durationSeconds: 4671 })?.limit).toBe('targetWh');
    expect(limitViolation(e, { powerW: -7400, startAt: at(0), durationSeconds: 3600 })).toBeUndefined();
  });

  test('the largest feasible power always passes the limits, and one watt more never does', () => {
    fc.assert(
      fc.property(
        arbResource,
        fc.constantFrom(1 as const, -1 as const),
        fc.integer({ min: 0, max: 3600 }),
        fc.integer({ min: 1, max: 7200 }),
        (r, dir, start, duration) => {
          const p = maxFeasiblePowerW(r, dir, at(start), duration);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(r.maxPowerW);
          if (p > 0) expect(limitViolation(r, { powerW: dir * p, startAt: at(start), durationSeconds: duration })).toBeUndefined();
          expect(limitViolation(r, { powerW: dir * (p + 1), startAt: at(start), durationSeconds: duration })).toBeDefined();
        },
      ),
    );
  });
});

describe('selection', () => {
  const arbCandidates = fc.array(
    fc.record({ r: arbResource, zone: fc.constantFrom('z1', 'z2'), missedAcks: fc.integer({ min: 0, max: 3 }) }),
    { maxLength: 8 },
  );

  test('never a setpoint beyond an owner limit, never more than the need, all of the zone used when short', () => {
    fc.assert(
      fc.property(
        arbCandidates,
        fc.integer({ min: -50_000, max: 50_000 }).filter((p) => p !== 0),
        fc.integer({ min: 1, max: 3600 }),
        (list, need, duration) => {
          const candidates: Candidate[] = list.map((x, i) => ({ ...x.r, resourceId: `r${i}`, zone: x.zone, missedAcks: x.missedAcks }));
          const chosen = selectResources(candidates, { zone: 'z1', powerW: need, startAt: at(0), durationSeconds: duration }, ['r0']);
          const total = chosen.reduce((a, s) => a + s.powerW, 0);
          expect(Math.abs(total)).toBeLessThanOrEqual(Math.abs(need));
          for (const s of chosen) {
            const c = candidates.find((x) => x.resourceId === s.resourceId)!;
            expect(c.zone).toBe('z1');
            expect(s.resourceId).not.toBe('r0');
            expect(Math.sign(s.powerW)).toBe(Math.sign(need));
            expect(limitViolation(c, { powerW: s.powerW, startAt: at(0), durationSeconds: duration })).toBeUndefined();
          }
          if (Math.abs(total) < Math.abs(need)) {
            const dir = need > 0 ? 1 : -1;
            const room = candidates
              .filter((c) => c.zone === 'z1' && c.resourceId !== 'r0')
              .reduce((a, c) => a + maxFeasiblePowerW(c, dir, at(0), duration), 0);
            expect(Math.abs(total)).toBe(room);
          }
        },
      ),
    );
  });

  test('the device that missed acknowledgements comes last', () => {
    const c = (id: string, missedAcks: number): Candidate => ({ ...battery(), resourceId: id, zone: 'z1', missedAcks });
    const chosen = selectResources([c('a', 2), c('b', 0)], { zone: 'z1', powerW: 3000, startAt: at(0), durationSeconds: 60 });
    expect(chosen).toEqual([{ resourceId: 'b', powerW: 3000 }]);
  });
});

describe('delivery and payment', () => {
  test('the change in the direction asked, never negative, never more than asked', () => {
    expect(deliveredWh(2000, 3600, -500, 1500)).toBe(2000);
    expect(deliveredWh(2000, 3600, -500, 500)).toBe(1000);
    expect(deliveredWh(2000, 3600, -500, 4000)).toBe(2000);
    expect(deliveredWh(2000, 3600, -500, -900)).toBe(0);
    expect(deliveredWh(-1000, 1800, 0, -800)).toBe(400);
    expect(dispatchPaymentMicros(1999, 300_000)).toBe(599_700);
    expect(dispatchPaymentMicros(1, 999)).toBe(0);
    expect(setpointEnergyWh(-1000, 1)).toBe(1);
  });
});

describe('parsing', () => {
  const reg = {
    resourceId: 'bat-1',
    communityId: 'c1',
    kind: 'battery',
    meterId: 'm1',
    maxPowerW: 3000,
    capacityWh: 10_000,
    minSocWh: 2000,
    socWh: 5000,
  };
  test('a registration, with the field that is wrong', () => {
    expect(parseRegistration(reg)).toMatchObject({ ...reg, departureAt: null, targetWh: null });
    expect(() => parseRegistration({ ...reg, minSocWh: 10_001 })).toThrow(expect.objectContaining({ code: ErrorCodes.RESOURCE_INVALID }));
    expect(() => parseRegistration({ ...reg, kind: 'ev' })).toThrow(expect.objectContaining({ details: { field: 'departureAt' } }));
    expect(() => parseRegistration({ ...reg, targetWh: 5 })).toThrow(expect.objectContaining({ details: { field: 'targetWh' } }));
  });
  test('a dispatch request and an acknowledgement', () => {
    const req = {
      dispatchId: 'd1',
      communityId: 'c1',
      resourceId: 'bat-1',
      powerW: 100,
      startAt: at(0),
      durationSeconds: 60,
      priceMicrosPerKwh: 1,
    };
    expect(parseDispatchRequest(req)).toEqual({ ...req, ackTimeoutSeconds: 10, readingsWaitSeconds: 1800, replaces: null, alertId: null });
    expect(() => parseDispatchRequest({ ...req, durationSeconds: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.DISPATCH_INVALID }),
    );
    expect(parseAck({ dispatchId: 'd1', status: 'refused', reason: 'busy', socWh: 5, at: at(1) }).status).toBe('refused');
    expect(() => parseAck({ dispatchId: 'd1', status: 'maybe', socWh: 5, at: at(1) })).toThrow(
      expect.objectContaining({ details: { field: 'status' } }),
    );
  });
});
