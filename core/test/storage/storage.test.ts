import fc from 'fast-check';
import { ErrorCodes, formatInstant } from '../../src/core';
import {
  batteryAssetFault,
  cancellationOutcome,
  checkStorageWindow,
  contractMoney,
  contractUsage,
  distanceM,
  efficiencyPpmOf,
  peakReservedWh,
  requireFreeCapacity,
  Reservation,
  searchBatteries,
  settleStorage,
  storageStatusAt,
  validateBattery,
  validateSearch,
  windowDays,
} from '../../src/storage';
import { codeOf } from '../support';

const T0 = Date.UTC(2026, 11, 1) / 1000;
const at = (s: number) => formatInstant(T0 + s);
const battery = {
  batteryId: 'bat-1',
  communityId: 'c1',
  zone: 'z1',
  meterId: 'bat-1.meter',
  capacityWh: 10_000,
  maxChargeW: 5_000,
  maxDischargeW: 5_000,
  roundTripEfficiencyPpm: 900_000,
  latitudeMicro: 52_520_000,
  longitudeMicro: 13_405_000,
  availability: [{ from: at(0), to: at(10 * 86_400) }],
  storedPriceMicrosPerKwh: 50_000,
  reservedPriceMicrosPerKwhDay: 240_000,
  penaltyMicrosPerKwh: 100_000,
};
const fieldOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { details?: { field?: string } }).details?.field;
  }
  return undefined;
};

describe('batteries', () => {
  it('takes a complete registration and sorts its availability', () => {
    const windows = [
      { from: at(86_400), to: at(2 * 86_400) },
      { from: at(0), to: at(3_600) },
    ];
    expect(validateBattery({ ...battery, availability: windows }).availability.map((w) => w.from)).toEqual([at(0), at(86_400)]);
  });

  it.each([
    ['capacityWh', 0],
    ['roundTripEfficiencyPpm', 1_000_001],
    ['latitudeMicro', 90_000_001],
    ['storedPriceMicrosPerKwh', -1],
    ['maxChargeW', 1.5],
    ['batteryId', 'no spaces'],
  ])('refuses %s = %p with STORAGE_INPUT_INVALID naming the field', (field, value) => {
    const input = { ...battery, [field]: value };
    expect(codeOf(() => validateBattery(input))).toBe(ErrorCodes.STORAGE_INPUT_INVALID);
    expect(fieldOf(() => validateBattery(input))).toBe(field);
  });

  it('refuses overlapping or empty availability, and unknown fields', () => {
    const overlapping = [
      { from: at(0), to: at(7_200) },
      { from: at(3_600), to: at(9_000) },
    ];
    expect(fieldOf(() => validateBattery({ ...battery, availability: overlapping }))).toBe('availability');
    expect(fieldOf(() => validateBattery({ ...battery, availability: [] }))).toBe('availability');
    expect(fieldOf(() => validateBattery({ ...battery, availability: [{ from: at(60), to: at(60) }] }))).toBe('availability[0]');
    expect(fieldOf(() => validateBattery({ ...battery, colour: 'red' }))).toBe('colour');
  });

  it("takes an optional storage asset, and says why an asset cannot be the battery's", () => {
    expect(validateBattery(battery).assetId).toBeUndefined();
    expect(validateBattery({ ...battery, assetId: 'bat-1.asset' }).assetId).toBe('bat-1.asset');
    expect(fieldOf(() => validateBattery({ ...battery, assetId: 'a b' }))).toBe('assetId');
    const owner = { meterId: battery.meterId, providerId: 'bp' };
    const asset = { source: 'storage', participantId: 'bp', meterId: battery.meterId, verified: true };
    expect(batteryAssetFault(owner, asset)).toBeUndefined();
    expect(batteryAssetFault(owner, { ...asset, source: 'solar' })).toBe('not-storage');
    expect(batteryAssetFault(owner, { ...asset, participantId: 'x' })).toBe('other-participant');
    expect(batteryAssetFault(owner, { ...asset, meterId: 'x' })).toBe('other-meter');
    expect(batteryAssetFault(owner, { ...asset, verified: false })).toBe('unverified');
  });
});

describe('the contract window', () => {
  const check = (from: number, to: number, now: number) =>
    checkStorageWindow({ from: at(from), to: at(to) }, battery.availability, 900, T0 + now);

  it('is on the metering grid, inside an availability window, and starts no earlier than the interval in progress', () => {
    expect(check(900, 2_700, 1_000)).toEqual({ fromSeconds: T0 + 900, toSeconds: T0 + 2_700 });
    expect(codeOf(() => check(0, 900, 1_000))).toBe(ErrorCodes.STORAGE_WINDOW_UNAVAILABLE);
    expect(fieldOf(() => check(100, 900, 0))).toBe('from');
    expect(fieldOf(() => check(900, 900, 0))).toBe('to');
    expect(fieldOf(() => check(0, 32 * 86_400, 0))).toBe('to');
    expect(codeOf(() => check(9 * 86_400, 11 * 86_400, 0))).toBe(ErrorCodes.STORAGE_WINDOW_UNAVAILABLE);
  });

  it('names every UTC day it touches', () => {
    expect(windowDays({ fromSeconds: T0 + 86_000, toSeconds: T0 + 2 * 86_400 })).toEqual(['2026-12-01', '2026-12-02']);
    expect(windowDays({ fromSeconds: T0 + 86_400, toSeconds: T0 + 86_401 })).toEqual(['2026-12-02']);
  });
});

/** Reservations on a grid of 12 slots of 900 s. */
const arbReservation = (k: number) =>
  fc
    .record({ start: fc.integer({ min: 0, max: 11 }), length: fc.integer({ min: 1, max: 12 }), wh: fc.integer({ min: 1, max: 6_000 }) })
    .map(({ start, length, wh }) => ({
      contractId: `s${k}`,
      from: at(start * 900),
      to: at(Math.min(12, start + length) * 900),
      reservedWh: wh,
    }));
const sumAt = (rs: readonly Reservation[], t: number) =>
  rs.filter((r) => Date.parse(r.from) / 1000 <= t && t < Date.parse(r.to) / 1000).reduce((s, r) => s + r.reservedWh, 0);
const windowOf = (r: Reservation) => ({ fromSeconds: Date.parse(r.from) / 1000, toSeconds: Date.parse(r.to) / 1000 });

describe('overbooking', () => {
  it('peakReservedWh is the largest sum at any second of the window (brute force)', () => {
    fc.assert(
      fc.property(fc.tuple(...Array.from({ length: 6 }, (_, k) => arbReservation(k))), arbReservation(99), (rs, w) => {
        const window = windowOf(w);
        let brute = 0;
        for (let t = window.fromSeconds; t < window.toSeconds; t += 300) brute = Math.max(brute, sumAt(rs, t));
        expect(peakReservedWh(rs, window)).toBe(brute);
      }),
    );
  });

  it('confirms accepted one by one never hold more than the capacity at any instant, and each refusal would have overflowed', () => {
    fc.assert(
      fc.property(fc.tuple(...Array.from({ length: 10 }, (_, k) => arbReservation(k))), (attempts) => {
        const accepted: Reservation[] = [];
        // Each reservation is stored under every day it touches: the check must count it once.
        const stored: Reservation[] = [];
        for (const r of attempts) {
          const code = codeOf(() => requireFreeCapacity(10_000, stored, windowOf(r), r.reservedWh, 'bat-1'));
          const window = windowOf(r);
          let peakWith = 0;
          for (let t = window.fromSeconds; t < window.toSeconds; t += 900) peakWith = Math.max(peakWith, sumAt([...accepted, r], t));
          if (code === undefined) {
            accepted.push(r);
            stored.push(r, r);
          } else {
            expect(code).toBe(ErrorCodes.STORAGE_CAPACITY_EXCEEDED);
            expect(peakWith).toBeGreaterThan(10_000);
          }
        }
        for (let t = T0; t < T0 + 12 * 900; t += 900) expect(sumAt(accepted, t)).toBeLessThanOrEqual(10_000);
      }),
    );
  });
});

describe('money', () => {
  const prices = { storedPriceMicrosPerKwh: 50_000, reservedPriceMicrosPerKwhDay: 240_000, penaltyMicrosPerKwh: 100_000 };

  it('fixes the fees at confirmation by hand', () => {
    // floor(4,000 × 60 × 240,000 / 86,400,000) = 666; 4,000 Wh × 50,000 µ/kWh = 200,000.
    expect(contractMoney(4_000, 60, prices)).toEqual({ reservationFeeMicros: 666, maxStorageFeeMicros: 200_000, escrowMicros: 200_666 });
  });

  it('settles a contract by hand: stored, owed back, undelivered, penalty, payment and refund', () => {
    const s = settleStorage({
      ...prices,
      reservedWh: 4_000,
      roundTripEfficiencyPpm: 900_000,
      reservationFeeMicros: 666,
      escrowMicros: 200_666,
      inWh: 3_000,
      outWh: 2_000,
    });
    expect(s).toEqual({
      storedWh: 3_000,
      owedOutWh: 2_700,
      undeliveredWh: 700,
      reservationFeeMicros: 666,
      storageFeeMicros: 150_000,
      penaltyMicros: 70_000,
      paymentMicros: 80_666,
      refundMicros: 120_000,
    });
    expect(efficiencyPpmOf(3_000, 2_000)).toBe(666_666);
    expect(efficiencyPpmOf(0, 5)).toBeNull();
  });

  it('shares the escrow exactly: payment + refund = escrow, the penalty within the payment due, all integers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 60, max: 31 * 86_400 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.record({
          storedPriceMicrosPerKwh: fc.integer({ min: 0, max: 10_000_000 }),
          reservedPriceMicrosPerKwhDay: fc.integer({ min: 0, max: 10_000_000 }),
          penaltyMicrosPerKwh: fc.integer({ min: 0, max: 100_000_000 }),
        }),
        (reservedWh, seconds, inWh, outWh, eff, p) => {
          const money = contractMoney(reservedWh, seconds, p);
          const s = settleStorage({ ...p, ...money, reservedWh, roundTripEfficiencyPpm: eff, inWh, outWh });
          expect(s.paymentMicros + s.refundMicros).toBe(money.escrowMicros);
          expect(s.penaltyMicros).toBeGreaterThanOrEqual(0);
          expect(s.penaltyMicros).toBeLessThanOrEqual(s.reservationFeeMicros + s.storageFeeMicros);
          expect(s.paymentMicros).toBeGreaterThanOrEqual(0);
          expect(s.refundMicros).toBeGreaterThanOrEqual(0);
          expect(s.storedWh).toBeLessThanOrEqual(reservedWh);
          for (const v of Object.values(s)) expect(Number.isSafeInteger(v)).toBe(true);
        },
      ),
    );
  });

  it('refunds a cancellation by the rule: the provider and a buyer with 24 h notice get all back, a later buyer pays half the fee', () => {
    expect(cancellationOutcome(240_000, 40_000, 'buyer', 3_600)).toEqual({ refundMicros: 220_000, feeMicros: 20_000 });
    expect(cancellationOutcome(240_000, 40_000, 'buyer', 86_400)).toEqual({ refundMicros: 240_000, feeMicros: 0 });
    expect(cancellationOutcome(240_000, 40_000, 'provider', 60)).toEqual({ refundMicros: 240_000, feeMicros: 0 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.integer({ min: 0, max: 1e12 }),
        fc.boolean(),
        fc.nat(200_000),
        (a, b, byBuyer, notice) => {
          const fee = Math.min(a, b);
          const escrow = Math.max(a, b);
          const o = cancellationOutcome(escrow, fee, byBuyer ? 'buyer' : 'provider', notice);
          expect(o.refundMicros + o.feeMicros).toBe(escrow);
          expect(o.feeMicros).toBeLessThanOrEqual(fee);
        },
      ),
    );
  });
});

describe('usage', () => {
  it("shares each interval's meter over the contracts holding it, by reserved Wh, with nothing counted twice", () => {
    fc.assert(
      fc.property(
        fc.tuple(...Array.from({ length: 4 }, (_, k) => arbReservation(k))),
        fc.array(fc.tuple(fc.nat(50_000), fc.nat(50_000)), { minLength: 12, maxLength: 12 }),
        (rs, meter) => {
          const intervals = meter.map(([importWh, exportWh], k) => ({
            intervalStart: at(k * 900),
            meter: { importWh, exportWh },
            reservations: [...rs, ...rs],
          }));
          const usages = rs.map((r) => contractUsage(r.contractId, intervals));
          intervals.forEach((interval, k) => {
            const holders = rs.filter((r) => sumAt([r], T0 + k * 900) > 0);
            const inSum = usages.reduce((s, u) => s + u.intervals[k].inWh, 0);
            const outSum = usages.reduce((s, u) => s + u.intervals[k].outWh, 0);
            expect(inSum).toBe(holders.length === 0 ? 0 : interval.meter.importWh);
            expect(outSum).toBe(holders.length === 0 ? 0 : interval.meter.exportWh);
          });
        },
      ),
    );
  });

  it('lists the intervals without a reading', () => {
    const r = { contractId: 's1', from: at(0), to: at(1_800), reservedWh: 1 };
    const u = contractUsage('s1', [
      { intervalStart: at(0), meter: { importWh: 5, exportWh: 4 }, reservations: [r] },
      { intervalStart: at(900), reservations: [r] },
    ]);
    expect(u).toMatchObject({ inWh: 5, outWh: 4, missingIntervals: [at(900)] });
  });

  it('is active from the start of the window until settled', () => {
    expect(storageStatusAt('confirmed', 100, 99)).toBe('confirmed');
    expect(storageStatusAt('confirmed', 100, 100)).toBe('active');
    expect(storageStatusAt('completed', 100, 200)).toBe('completed');
  });
});

describe('search', () => {
  const far = { ...validateBattery({ ...battery, batteryId: 'bat-2', latitudeMicro: 48_137_000, longitudeMicro: 11_575_000 }) };
  const near = validateBattery(battery);
  const busy = { contractId: 's1', from: at(0), to: at(3_600), reservedWh: 7_000 };
  const candidates = [
    { battery: far, reservations: [] },
    { battery: near, reservations: [busy] },
  ];

  it('measures distance in whole metres (Berlin to Munich about 504 km)', () => {
    expect(Math.round(distanceM(near, far) / 1000)).toBe(504);
    expect(distanceM(near, near)).toBe(0);
  });

  it('filters by radius, free capacity over the window and price, nearest first', () => {
    const point = { latitudeMicro: 52_500_000, longitudeMicro: 13_400_000 };
    const all = searchBatteries(validateSearch({ ...point, radiusM: 1_000_000 }), candidates);
    expect(all.map((h) => h.battery.batteryId)).toEqual(['bat-1', 'bat-2']);
    expect(searchBatteries(validateSearch({ ...point, radiusM: 10_000 }), candidates).map((h) => h.battery.batteryId)).toEqual(['bat-1']);
    const window = { from: at(0), to: at(900), minFreeWh: 4_000 };
    expect(searchBatteries(validateSearch(window), candidates).map((h) => [h.battery.batteryId, h.freeWh])).toEqual([['bat-2', 10_000]]);
    expect(searchBatteries(validateSearch({ maxStoredPriceMicrosPerKwh: 49_999 }), candidates)).toEqual([]);
  });

  it('refuses half a point or half a window', () => {
    expect(fieldOf(() => validateSearch({ latitudeMicro: 1 }))).toBe('radiusM');
    expect(fieldOf(() => validateSearch({ from: at(0) }))).toBe('to');
    expect(codeOf(() => validateSearch({ limit: 0 }))).toBe(ErrorCodes.STORAGE_INPUT_INVALID);
  });
});
