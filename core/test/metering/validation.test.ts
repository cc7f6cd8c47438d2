import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { ErrorCodes, formatInstant, parseInstant, Reading, readingSignedBytes, SignedReading } from '../../src/core';
import { checkReading, MeterState, ReadingContext, SeqGap } from '../../src/metering';
import { codeOf } from '../support';

const INTERVAL = 900;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function signed(reading: Reading, key: KeyObject = privateKey): SignedReading {
  return { ...reading, sig: sign('sha256', readingSignedBytes(reading), { key, dsaEncoding: 'der' }).toString('base64') };
}

const T = parseInstant('2026-11-21T10:15:00Z')!;
/** 5 kW of PV behind the meter: at most 1,250 Wh in 15 minutes, 1,275 Wh with the 2 % tolerance. */
const meter: MeterState = { meterId: 'home-01.main', kind: 'bidirectional', active: true, publicKey, exportCapacityW: 5000 };
const reading: Reading = {
  meterId: 'home-01.main',
  intervalStart: formatInstant(T),
  seq: 42,
  importWh: 120,
  exportWh: 850,
  importRegisterWh: 1_000_120,
  exportRegisterWh: 2_000_850,
};
const previous: Reading = {
  ...reading,
  intervalStart: formatInstant(T - INTERVAL),
  seq: 41,
  importWh: 0,
  exportWh: 300,
  importRegisterWh: 1_000_000,
  exportRegisterWh: 2_000_000,
};
const next: Reading = {
  ...reading,
  intervalStart: formatInstant(T + INTERVAL),
  seq: 43,
  importWh: 10,
  exportWh: 5,
  importRegisterWh: 1_000_130,
  exportRegisterWh: 2_000_855,
};

function ctx(extra: Partial<ReadingContext> = {}): ReadingContext {
  return {
    meter,
    intervalSeconds: INTERVAL,
    nowSeconds: T + INTERVAL + 60,
    lateWindowSeconds: 86_400,
    capacityTolerancePpm: 20_000,
    ...extra,
  };
}

const check = (r: Reading, extra: Partial<ReadingContext> = {}) => codeOf(() => checkReading(signed(r), ctx(extra)));

describe('checkReading: every rule has its code', () => {
  it('accepts a good reading, first of its meter or between its neighbours', () => {
    expect(checkReading(signed(reading), ctx())).toEqual({ status: 'accepted', reading: expect.objectContaining(reading), opens: [] });
    // With 41 and 43 on the ledger, the gap between them was recorded; 42 closes it and opens none.
    expect(checkReading(signed(reading), ctx({ previous, next }))).toMatchObject({
      status: 'accepted',
      closes: { meterId: reading.meterId, afterSeq: 41, beforeSeq: 43 },
      opens: [],
    });
  });

  it('shape and grid come first', () => {
    expect(codeOf(() => checkReading({ ...signed(reading), note: 'x' }, ctx()))).toBe(ErrorCodes.READING_MALFORMED);
    expect(check({ ...reading, intervalStart: formatInstant(T + 60) })).toBe(ErrorCodes.READING_INTERVAL_MISALIGNED);
  });

  it('needs a registered, active meter and its signature', () => {
    expect(check(reading, { meter: undefined })).toBe(ErrorCodes.METER_NOT_REGISTERED);
    expect(check({ ...reading, meterId: 'home-02.main' })).toBe(ErrorCodes.METER_NOT_REGISTERED);
    expect(check(reading, { meter: { ...meter, active: false } })).toBe(ErrorCodes.METER_INACTIVE);
    expect(codeOf(() => checkReading({ ...signed(reading), exportWh: 851 }, ctx()))).toBe(ErrorCodes.READING_BAD_SIGNATURE);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect(codeOf(() => checkReading(signed(reading, other), ctx()))).toBe(ErrorCodes.READING_BAD_SIGNATURE);
  });

  it('treats the same reading again as a retry, and a different one for the same interval as a conflict', () => {
    // A retry is a no-op even after the late window: an accepted reading is never refused.
    expect(checkReading(signed(reading), ctx({ existing: reading, nowSeconds: T + 10 * 86_400 })).status).toBe('duplicate');
    expect(check({ ...reading, exportWh: 849, exportRegisterWh: 2_000_849 }, { existing: reading })).toBe(ErrorCodes.READING_CONFLICT);
  });

  it('accepts an interval once it has ended, until the late window closes', () => {
    expect(check(reading, { nowSeconds: T + INTERVAL - 1 })).toBe(ErrorCodes.READING_IN_FUTURE);
    expect(check(reading, { nowSeconds: T + INTERVAL })).toBeUndefined();
    expect(check(reading, { nowSeconds: T + INTERVAL + 86_400 })).toBeUndefined();
    expect(check(reading, { nowSeconds: T + INTERVAL + 86_401 })).toBe(ErrorCodes.READING_TOO_LATE);
  });

  it("bounds export by the meter's assets: capacity × interval plus the tolerance", () => {
    const at = (exportWh: number, m: Partial<MeterState> = {}) =>
      check({ ...reading, exportWh, exportRegisterWh: 2_000_000 + exportWh }, { meter: { ...meter, ...m } });
    expect(at(1275)).toBeUndefined();
    expect(at(1276)).toBe(ErrorCodes.READING_EXPORT_IMPLAUSIBLE);
    expect(at(1, { exportCapacityW: 0 })).toBe(ErrorCodes.READING_EXPORT_IMPLAUSIBLE);
    expect(at(1, { kind: 'consumption', exportCapacityW: 5000 })).toBe(ErrorCodes.READING_EXPORT_IMPLAUSIBLE);
    expect(at(0, { kind: 'consumption', exportCapacityW: 0 })).toBeUndefined();
  });

  it('keeps seq strictly increasing with the intervals', () => {
    expect(check({ ...reading, seq: 41 }, { previous })).toBe(ErrorCodes.READING_SEQ_NOT_INCREASING);
    expect(check({ ...reading, seq: 43 }, { next })).toBe(ErrorCodes.READING_SEQ_NOT_INCREASING);
  });

  it('keeps the cumulative registers growing by exactly the interval values', () => {
    expect(check({ ...reading, importRegisterWh: 119 })).toBe(ErrorCodes.READING_REGISTER_INCONSISTENT);
    expect(check({ ...reading, importRegisterWh: 999_999 }, { previous })).toBe(ErrorCodes.READING_REGISTER_DECREASED);
    expect(check({ ...reading, importRegisterWh: 1_000_121 }, { previous })).toBe(ErrorCodes.READING_REGISTER_INCONSISTENT);
    expect(check({ ...reading, exportRegisterWh: 2_000_851 }, { previous })).toBe(ErrorCodes.READING_REGISTER_INCONSISTENT);
    // The next reading's registers must then grow by its own values.
    expect(check({ ...reading, importRegisterWh: 1_000_121 }, { next })).toBe(ErrorCodes.READING_REGISTER_INCONSISTENT);
    expect(check({ ...reading, exportRegisterWh: 2_000_856, exportWh: 850 }, { next })).toBe(ErrorCodes.READING_REGISTER_DECREASED);
  });

  it('records missing seq numbers as gaps, and lets a late reading close them', () => {
    // Readings 39 and 43 are on the ledger; 40 and 41 never came; 42 arrives late.
    const before = {
      ...previous,
      intervalStart: formatInstant(T - 3 * INTERVAL),
      seq: 39,
      importRegisterWh: 999_000,
      exportRegisterWh: 1_999_000,
    };
    const verdict = checkReading(signed(reading), ctx({ previous: before, next }));
    expect(verdict).toEqual({
      status: 'accepted',
      reading: expect.objectContaining(reading),
      closes: {
        meterId: reading.meterId,
        afterSeq: 39,
        beforeSeq: 43,
        afterIntervalStart: before.intervalStart,
        beforeIntervalStart: next.intervalStart,
      },
      opens: [
        {
          meterId: reading.meterId,
          afterSeq: 39,
          beforeSeq: 42,
          afterIntervalStart: before.intervalStart,
          beforeIntervalStart: reading.intervalStart,
        },
      ],
      // The next reading of the same epoch is judged again against this one (not adjacent by seq: no flags).
      nextFlags: [],
    });
    // Across a gap the registers must have grown by at least the interval's values.
    expect(check({ ...reading, importRegisterWh: 999_119 }, { previous: before })).toBe(ErrorCodes.READING_REGISTER_INCONSISTENT);
  });
});

// ---- a meter's day, arriving in any order ------------------------------------------------------

/** A day of true readings of one meter (96 intervals from midnight), some of which never arrive. */
const days = fc.record({
  values: fc.array(fc.record({ importWh: fc.integer({ min: 0, max: 800 }), exportWh: fc.integer({ min: 0, max: 1250 }) }), {
    minLength: 96,
    maxLength: 96,
  }),
  lost: fc.uniqueArray(fc.integer({ min: 0, max: 95 }), { maxLength: 10 }),
  resent: fc.uniqueArray(fc.integer({ min: 0, max: 95 }), { maxLength: 5 }),
  arrival: fc.array(fc.nat(), { minLength: 96, maxLength: 96 }),
});
const DAY = parseInstant('2026-11-21T00:00:00Z')!;

function dayOf(values: { importWh: number; exportWh: number }[]): Reading[] {
  let imp = 5_000;
  let exp = 7_000;
  return values.map((v, k) => {
    imp += v.importWh;
    exp += v.exportWh;
    return {
      meterId: meter.meterId,
      intervalStart: formatInstant(DAY + k * INTERVAL),
      seq: 1000 + k,
      ...v,
      importRegisterWh: imp,
      exportRegisterWh: exp,
    };
  });
}

/** A ledger stand-in for one meter: accepted readings by interval and the open seq gaps. */
class MeterLedger {
  readonly readings = new Map<string, Reading>();
  readonly gaps = new Map<string, SeqGap>();

  submit(r: SignedReading, nowSeconds: number) {
    const starts = [...this.readings.keys()].sort();
    const prevKey = starts.filter((s) => s < r.intervalStart).pop();
    const nextKey = starts.find((s) => s > r.intervalStart);
    const verdict = checkReading(r, {
      ...ctx({ nowSeconds }),
      existing: this.readings.get(r.intervalStart),
      previous: prevKey ? this.readings.get(prevKey) : undefined,
      next: nextKey ? this.readings.get(nextKey) : undefined,
    });
    if (verdict.status === 'accepted') {
      const { sig: _sig, ...fields } = verdict.reading;
      this.readings.set(r.intervalStart, fields);
      if (verdict.closes) this.gaps.delete(`${verdict.closes.afterSeq}`);
      for (const g of verdict.opens) this.gaps.set(`${g.afterSeq}`, g);
    }
    return verdict.status;
  }
}

describe('checkReading over a day of shuffled readings', () => {
  it('accepts every reading in any arrival order, records exactly the true gaps, and treats resends as retries', () => {
    fc.assert(
      fc.property(days, ({ values, lost, resent, arrival }) => {
        const truth = dayOf(values);
        const delivered = truth.filter((_, k) => !lost.includes(k));
        const order = delivered
          .map((r, k) => ({ r, key: arrival[k] * 100 + k }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.r);
        const ledger = new MeterLedger();
        const now = DAY + 96 * INTERVAL + 1;
        for (const r of order) expect(ledger.submit(signed(r), now)).toBe('accepted');
        for (const k of resent.filter((k) => !lost.includes(k))) expect(ledger.submit(signed(truth[k]), now)).toBe('duplicate');

        expect([...ledger.readings.values()].sort((a, b) => a.seq - b.seq)).toEqual(delivered);
        const seqs = delivered.map((r) => r.seq);
        const trueGaps = seqs.slice(1).flatMap((s, k) =>
          s - seqs[k] > 1
            ? [
                {
                  meterId: meter.meterId,
                  afterSeq: seqs[k],
                  beforeSeq: s,
                  afterIntervalStart: delivered[k].intervalStart,
                  beforeIntervalStart: delivered[k + 1].intervalStart,
                },
              ]
            : [],
        );
        expect([...ledger.gaps.values()].sort((a, b) => a.afterSeq - b.afterSeq)).toEqual(trueGaps);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses a validly signed reading whose registers disagree with its neighbours', () => {
    fc.assert(
      fc.property(
        days,
        fc.integer({ min: 1, max: 94 }),
        fc.integer({ min: -50, max: 50 }).filter((d) => d !== 0),
        ({ values }, k, delta) => {
          const truth = dayOf(values);
          const ledger = new MeterLedger();
          const now = DAY + 96 * INTERVAL + 1;
          for (const r of truth.filter((_, j) => j !== k)) ledger.submit(signed(r), now);
          const forged = { ...truth[k], exportRegisterWh: truth[k].exportRegisterWh + delta };
          expect([ErrorCodes.READING_REGISTER_INCONSISTENT, ErrorCodes.READING_REGISTER_DECREASED]).toContain(
            codeOf(() => ledger.submit(signed(forged), now)),
          );
          expect(ledger.submit(signed(truth[k]), now)).toBe('accepted');
        },
      ),
      { numRuns: 25 },
    );
  });
});

// ---- rule order, import, VEE flags, meter exchange, window close ---------------------------------

describe('checkReading: rule order and the VEE rules', () => {
  it('a reading both badly shaped and misaligned is READING_MALFORMED', () => {
    const bad = { ...signed({ ...reading, intervalStart: formatInstant(T + 60) }), seq: -1 };
    expect(codeOf(() => checkReading(bad, ctx()))).toBe(ErrorCodes.READING_MALFORMED);
    expect(codeOf(() => checkReading({ ...signed({ ...reading, intervalStart: formatInstant(T + 60) }), sig: '!' }, ctx()))).toBe(
      ErrorCodes.READING_MALFORMED,
    );
  });

  it('a register below its neighbour is READING_REGISTER_DECREASED, even when it is also below its own interval value', () => {
    // 999,999 < previous 1,000,000 and < importWh 120? No: make the register fall below the interval value too.
    const fallen = { ...reading, importWh: 120, importRegisterWh: 100 };
    expect(check(fallen, { previous })).toBe(ErrorCodes.READING_REGISTER_DECREASED);
    expect(check({ ...reading, exportRegisterWh: 2_000_856 }, { next })).toBe(ErrorCodes.READING_REGISTER_DECREASED);
    // Without neighbours the same reading is inconsistent with itself.
    expect(check(fallen)).toBe(ErrorCodes.READING_REGISTER_INCONSISTENT);
  });

  it('a retry from a retired meter is a duplicate; a new reading from it is METER_INACTIVE', () => {
    const retired = { ...meter, active: false };
    expect(checkReading(signed(reading), ctx({ meter: retired, existing: reading })).status).toBe('duplicate');
    expect(check(reading, { meter: retired })).toBe(ErrorCodes.METER_INACTIVE);
    expect(check({ ...reading, importWh: 121, importRegisterWh: 1_000_121 }, { meter: retired, existing: reading })).toBe(
      ErrorCodes.METER_INACTIVE,
    );
  });

  it('import beyond the site connection capacity is READING_IMPORT_IMPLAUSIBLE; without a site it is not limited', () => {
    // 5 kW connection: 1,250 Wh in 15 minutes, 1,275 Wh with the 2 % tolerance.
    const site = { ...meter, importCapacityW: 5000 };
    const at = (importWh: number) => ({ ...reading, importWh, importRegisterWh: 1_000_000 + importWh });
    expect(checkReading(signed(at(1275)), ctx({ meter: site })).status).toBe('accepted');
    expect(check(at(1276), { meter: site })).toBe(ErrorCodes.READING_IMPORT_IMPLAUSIBLE);
    expect(check(at(10_000_000), { meter: site })).toBe(ErrorCodes.READING_IMPORT_IMPLAUSIBLE);
    expect(checkReading(signed(at(10_000_000)), ctx()).status).toBe('accepted');
  });

  it('flags a spike and a stuck register without refusing the reading', () => {
    const quiet = { ...previous, importWh: 50, exportWh: 0, importRegisterWh: 1_000_000, exportRegisterWh: 2_000_000 };
    const spike = { ...reading, importWh: 1000, exportWh: 0, importRegisterWh: 1_001_000, exportRegisterWh: 2_000_000 };
    expect(checkReading(signed(spike), ctx({ previous: quiet }))).toMatchObject({ status: 'accepted', flags: ['spike'] });
    // Below the floor, or less than ten times the previous value: no flag.
    expect(checkReading(signed({ ...spike, importWh: 999, importRegisterWh: 1_000_999 }), ctx({ previous: quiet }))).not.toHaveProperty(
      'flags',
    );
    expect(checkReading(signed(spike), ctx({ previous: { ...quiet, importWh: 101 } }))).not.toHaveProperty('flags');
    const still = { ...previous, importWh: 0, exportWh: 0 };
    const stuck = { ...reading, importWh: 0, exportWh: 0, importRegisterWh: 1_000_000, exportRegisterWh: 2_000_000 };
    expect(checkReading(signed(stuck), ctx({ previous: still }))).toMatchObject({ flags: ['stuck'] });
    // Only against the adjacent interval: across a gap nothing is flagged.
    expect(checkReading(signed({ ...stuck, seq: 43 }), ctx({ previous: still }))).not.toHaveProperty('flags');
  });

  it(
    'after a meter exchange the new key signs, seq and registers restart from the baseline, and the old readings do not count as ' +
      'neighbours',
    () => {
      const fresh = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const exchanged: MeterState = {
        ...meter,
        epochs: [{ fromSeconds: T, publicKey: fresh.publicKey, baseline: { firstSeq: 1, importRegisterWh: 10, exportRegisterWh: 0 } }],
      };
      const first = { ...reading, seq: 1, importWh: 120, exportWh: 850, importRegisterWh: 130, exportRegisterWh: 850 };
      const withNew = (r: Reading) => signed(r, fresh.privateKey);
      expect(checkReading(withNew(first), ctx({ meter: exchanged, previous })).status).toBe('accepted');
      // The old key no longer signs this interval; the new one does not sign the one before.
      expect(check(first, { meter: exchanged, previous })).toBe(ErrorCodes.READING_BAD_SIGNATURE);
      expect(codeOf(() => checkReading(withNew(previous), ctx({ meter: exchanged })))).toBe(ErrorCodes.READING_BAD_SIGNATURE);
      // Against the baseline: registers below it decreased, seq below firstSeq not increasing, growth below the values inconsistent.
      expect(codeOf(() => checkReading(withNew({ ...first, importRegisterWh: 5, importWh: 0 }), ctx({ meter: exchanged })))).toBe(
        ErrorCodes.READING_REGISTER_DECREASED,
      );
      expect(codeOf(() => checkReading(withNew({ ...first, seq: 0 }), ctx({ meter: exchanged })))).toBe(
        ErrorCodes.READING_SEQ_NOT_INCREASING,
      );
      expect(codeOf(() => checkReading(withNew({ ...first, importRegisterWh: 129 }), ctx({ meter: exchanged })))).toBe(
        ErrorCodes.READING_REGISTER_INCONSISTENT,
      );
      // The old epoch's last reading is judged without the new epoch's next reading.
      expect(checkReading(signed(previous), ctx({ meter: exchanged, next: first })).status).toBe('accepted');
    },
  );

  it('a closed window takes no new reading, but a verified reading replaces an estimate at any time', () => {
    expect(check(reading, { windowClosed: true })).toBe(ErrorCodes.READING_TOO_LATE);
    const muchLater = T + 30 * 86_400;
    expect(checkReading(signed(reading), ctx({ windowClosed: true, estimated: true, nowSeconds: muchLater }))).toMatchObject({
      status: 'accepted',
      correctsEstimate: true,
    });
    expect(check(reading, { nowSeconds: muchLater })).toBe(ErrorCodes.READING_TOO_LATE);
  });

  it('a reading replaces an estimate only within the correction window', () => {
    const end = parseInstant(reading.intervalStart)! + 900;
    const corrects = (nowSeconds: number) => ctx({ windowClosed: true, estimated: true, nowSeconds, correctionWindowSeconds: 86_400 });
    expect(checkReading(signed(reading), corrects(end + 86_400)).status).toBe('accepted');
    expect(codeOf(() => checkReading(signed(reading), corrects(end + 86_401)))).toBe(ErrorCodes.READING_TOO_LATE);
  });
});

describe('checkReading across a meter exchange (property)', () => {
  it('a day with an exchange at any interval is accepted in any arrival order, and no gap spans the exchange', () => {
    const fresh = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 95 }),
        fc.array(fc.nat(), { minLength: 96, maxLength: 96 }),
        fc.integer({ min: 1, max: 1000 }),
        (at, arrival, firstSeq) => {
          const old = dayOf(Array.from({ length: 96 }, (_, k) => ({ importWh: (k * 13) % 400, exportWh: (k * 29) % 900 })));
          let imp = 7;
          let exp = 3;
          const day = old.map((r, k) => {
            if (k < at) return { r, key: privateKey };
            imp += r.importWh;
            exp += r.exportWh;
            return { r: { ...r, seq: firstSeq + k - at, importRegisterWh: imp, exportRegisterWh: exp }, key: fresh.privateKey };
          });
          const m: MeterState = {
            ...meter,
            meterId: old[0].meterId,
            epochs: [
              {
                fromSeconds: parseInstant(old[at].intervalStart)!,
                publicKey: fresh.publicKey,
                baseline: { firstSeq, importRegisterWh: 7, exportRegisterWh: 3 },
              },
            ],
          };
          const accepted = new Map<string, Reading>();
          const order = day
            .map((d, k) => ({ d, key: arrival[k] * 100 + k }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.d);
          for (const { r, key } of order) {
            const starts = [...accepted.keys()].sort();
            const prev = starts.filter((s) => s < r.intervalStart).pop();
            const nxt = starts.find((s) => s > r.intervalStart);
            const verdict = checkReading(signed(r, key), {
              ...ctx({ meter: m, nowSeconds: DAY + 96 * INTERVAL + 1 }),
              previous: prev ? accepted.get(prev) : undefined,
              next: nxt ? accepted.get(nxt) : undefined,
            });
            expect(verdict.status).toBe('accepted');
            // Gaps open while readings are missing, but never between the two epochs.
            const exchangeAt = old[at].intervalStart;
            if (verdict.status === 'accepted')
              for (const g of verdict.opens) expect(g.afterIntervalStart < exchangeAt).toBe(g.beforeIntervalStart < exchangeAt);
            accepted.set(r.intervalStart, r);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
