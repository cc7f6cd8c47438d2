import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, ErrorCodes, formatInstant, parseInstant, Reading, readingSignedBytes, SignedReading } from '../../src/core';
import {
  BatchOutcome,
  DEFAULT_METERING_PARAMS,
  foldReadingBatch,
  loadReadingBatchState,
  MAX_READINGS_PER_BATCH,
  MeterRecord,
  parseReadingBatch,
  ReadingStore,
  SeqGap,
  StoredReading,
  WindowRef,
} from '../../src/metering';
import { codeOf } from '../support';

const INTERVAL = DEFAULT_METERING_PARAMS.intervalSeconds;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const DAY = parseInstant('2026-11-21T00:00:00Z')!;

function signed(reading: Reading, key: KeyObject = privateKey): SignedReading {
  return { ...reading, sig: sign('sha256', readingSignedBytes(reading), { key, dsaEncoding: 'der' }).toString('base64') };
}

function meterRecord(meterId: string, extra: Partial<MeterRecord> = {}): MeterRecord {
  return {
    meterId,
    participantId: 'home-01',
    mspId: 'CommunityMSP',
    kind: 'bidirectional',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    exportCapacityW: 5000,
    communityId: 'c1',
    active: true,
    registeredAt: '2026-11-01T00:00:00Z',
    registeredBy: 'op',
    ...extra,
  };
}

/** True readings of one meter, one per interval from `DAY`, registers consistent. */
function truthOf(meterId: string, values: { importWh: number; exportWh: number }[], seq0 = 100): Reading[] {
  let imp = 10_000;
  let exp = 20_000;
  return values.map((v, k) => {
    imp += v.importWh;
    exp += v.exportWh;
    return { meterId, intervalStart: formatInstant(DAY + k * INTERVAL), seq: seq0 + k, ...v, importRegisterWh: imp, exportRegisterWh: exp };
  });
}

/** The ledger as the fold sees it, with a count of keys read and of calls (a plural call is one round trip on a peer). */
class MemoryLedger implements ReadingStore {
  readonly meters = new Map<string, MeterRecord>();
  readonly heads = new Map<string, StoredReading>();
  readonly readings = new Map<string, StoredReading>();
  readonly gaps = new Map<string, SeqGap>();
  reads = 0;
  calls = 0;

  async getMeters(meterIds: readonly string[]) {
    this.calls += 1;
    this.reads += meterIds.length;
    return meterIds.map((meterId) => this.meters.get(meterId));
  }
  /** Meters whose head has lost its private part past every horizon: getHeads answers only its link. */
  readonly archivedHeads = new Set<string>();
  async getHeads(meterIds: readonly string[]) {
    this.calls += 1;
    this.reads += meterIds.length;
    return meterIds.map((meterId) => {
      const head = this.heads.get(meterId);
      return head !== undefined && this.archivedHeads.has(meterId) ? { intervalStart: head.intervalStart, archived: true as const } : head;
    });
  }
  async getReading(meterId: string, intervalStart: string) {
    this.calls += 1;
    this.reads += 1;
    return this.readings.get(`${meterId} ${intervalStart}`);
  }
  readonly closed = new Set<string>();
  readonly estimates = new Set<string>();
  /** Closed windows: `start` closes it for every community, `community start` for that one. */
  async areWindowsClosed(windows: readonly WindowRef[]) {
    this.calls += 1;
    this.reads += windows.length;
    return windows.map((w) => this.closed.has(w.intervalStart) || this.closed.has(`${w.communityId} ${w.intervalStart}`));
  }
  async hasEstimate(meterId: string, intervalStart: string) {
    this.calls += 1;
    this.reads += 1;
    return this.estimates.has(`${meterId} ${intervalStart}`);
  }
  readonly archivedHours = new Set<string>();
  async isHourArchived(hour: string) {
    this.calls += 1;
    this.reads += 1;
    return this.archivedHours.has(hour);
  }

  async submit(inputs: unknown[], nowSeconds: number, txId = 'tx'): Promise<BatchOutcome> {
    const loaded = await loadReadingBatchState(inputs, DEFAULT_METERING_PARAMS, nowSeconds, this);
    const outcome = foldReadingBatch(inputs, loaded, {
      ...DEFAULT_METERING_PARAMS,
      nowSeconds,
      txId,
      recordedAt: formatInstant(nowSeconds),
    });
    const { readings, heads, gapsToPut, gapsToDelete } = outcome.writes;
    for (const r of readings) this.readings.set(`${r.meterId} ${r.intervalStart}`, r);
    for (const h of heads) this.heads.set(h.meterId, h);
    for (const g of gapsToDelete) {
      expect(this.gaps.has(`${g.meterId} ${g.afterSeq}`)).toBe(true);
      this.gaps.delete(`${g.meterId} ${g.afterSeq}`);
    }
    for (const g of gapsToPut) this.gaps.set(`${g.meterId} ${g.afterSeq}`, g);
    return outcome;
  }

  /** Readings without what depends on the recording transaction, gaps, and the chain by walking it. */
  snapshot() {
    const readings = [...this.readings.values()]
      .map(({ txId: _t, recordedAt: _r, sig: _s, ...rest }) => rest)
      .sort((a, b) => (a.meterId + a.intervalStart < b.meterId + b.intervalStart ? -1 : 1));
    const gaps = [...this.gaps.values()].sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : a.afterSeq - b.afterSeq));
    return { readings, gaps };
  }

  /** Walks each meter's chain from its head: it must list every stored reading, newest first. */
  expectChainsIntact() {
    for (const [meterId, head] of this.heads) {
      const walked: string[] = [];
      let node: StoredReading | undefined = this.readings.get(`${meterId} ${head.intervalStart}`);
      expect(canonicalJson(node)).toBe(canonicalJson(head));
      while (node !== undefined) {
        walked.push(node.intervalStart);
        node = node.prevIntervalStart === null ? undefined : this.readings.get(`${meterId} ${node.prevIntervalStart}`);
      }
      const stored = [...this.readings.values()]
        .filter((r) => r.meterId === meterId)
        .map((r) => r.intervalStart)
        .sort()
        .reverse();
      expect(walked).toEqual(stored);
    }
  }
}

const trueGaps = (readings: Reading[]): SeqGap[] => {
  const sorted = [...readings].sort((a, b) => a.seq - b.seq);
  return sorted.slice(1).flatMap((r, k) =>
    r.seq - sorted[k].seq > 1
      ? [
          {
            meterId: r.meterId,
            afterSeq: sorted[k].seq,
            beforeSeq: r.seq,
            afterIntervalStart: sorted[k].intervalStart,
            beforeIntervalStart: r.intervalStart,
          },
        ]
      : [],
  );
};

const NOW = DAY + 96 * INTERVAL + 60;

describe('parseReadingBatch', () => {
  it('takes an array or { readings }, 1 to 200 of them', () => {
    expect(parseReadingBatch([1])).toEqual([1]);
    expect(parseReadingBatch({ readings: [1, 2] })).toEqual([1, 2]);
    expect(codeOf(() => parseReadingBatch([]))).toBe(ErrorCodes.READING_BATCH_INVALID);
    expect(codeOf(() => parseReadingBatch(new Array(MAX_READINGS_PER_BATCH + 1).fill(0)))).toBe(ErrorCodes.READING_BATCH_INVALID);
    expect(parseReadingBatch(new Array(MAX_READINGS_PER_BATCH).fill(0))).toHaveLength(MAX_READINGS_PER_BATCH);
    expect(codeOf(() => parseReadingBatch({ readings: [1], more: 1 }))).toBe(ErrorCodes.READING_BATCH_INVALID);
    expect(codeOf(() => parseReadingBatch('x'))).toBe(ErrorCodes.READING_BATCH_INVALID);
    expect(codeOf(() => parseReadingBatch(null))).toBe(ErrorCodes.READING_BATCH_INVALID);
  });
});

describe('foldReadingBatch', () => {
  const values = Array.from({ length: 96 }, (_, k) => ({ importWh: k % 7, exportWh: (k * 13) % 900 }));
  const truth = truthOf('m1', values);

  it('judges each reading on its own and reports in input order', async () => {
    const ledger = new MemoryLedger();
    ledger.meters.set('m1', meterRecord('m1'));
    const forged = { ...signed(truth[1]), exportWh: truth[1].exportWh + 1 };
    const good = signed(truth[0]);
    const inputs = [good, forged, signed({ ...truth[2], meterId: 'nobody' }), { meterId: 'm1' }, 'junk', good];
    const outcome = await ledger.submit(inputs, NOW);
    expect(outcome.results.map((r) => [r.index, r.status, r.code])).toEqual([
      [0, 'accepted', undefined],
      [1, 'rejected', ErrorCodes.READING_BAD_SIGNATURE],
      [2, 'rejected', ErrorCodes.METER_NOT_REGISTERED],
      [3, 'rejected', ErrorCodes.READING_MALFORMED],
      [4, 'rejected', ErrorCodes.READING_MALFORMED],
      [5, 'duplicate', undefined],
    ]);
    expect(outcome.results[2]).toMatchObject({ meterId: 'nobody', intervalStart: truth[2].intervalStart, details: { meterId: 'nobody' } });
    expect(outcome.results[4]).toMatchObject({ meterId: null, intervalStart: null });
    expect(outcome.rejected).toBe(4);
    expect(outcome.writes.readings.map((r) => r.intervalStart)).toEqual([truth[0].intervalStart]);
    expect(outcome.writes.heads).toHaveLength(1);
  });

  it('of two signatures of the same reading, the same one is stored whatever the order', async () => {
    const [x, y] = [signed(truth[0]), signed(truth[0])];
    expect(x.sig).not.toBe(y.sig);
    const stored = async (inputs: SignedReading[]) => {
      const ledger = new MemoryLedger();
      ledger.meters.set('m1', meterRecord('m1'));
      const outcome = await ledger.submit(inputs, NOW);
      expect(outcome.results.map((r) => r.status).sort()).toEqual(['accepted', 'duplicate']);
      return outcome.writes.readings.map((r) => r.sig);
    };
    expect(await stored([x, y])).toEqual(await stored([y, x]));
  });

  it('a different reading for an interval accepted earlier in the same batch is a conflict', async () => {
    const ledger = new MemoryLedger();
    ledger.meters.set('m1', meterRecord('m1'));
    const other = signed({ ...truth[0], importWh: truth[0].importWh + 1, importRegisterWh: truth[0].importRegisterWh + 1 });
    const outcome = await ledger.submit([signed(truth[0]), other], NOW);
    const statuses = outcome.results.map((r) => r.code ?? r.status).sort();
    expect(statuses).toEqual(['READING_CONFLICT', 'accepted']);
  });

  it('needs the head only for an in-order reading, and walks back for a late one', async () => {
    const ledger = new MemoryLedger();
    ledger.meters.set('m1', meterRecord('m1'));
    const lost = new Set([40, 41, 60]);
    for (let k = 0; k < 96; k += 1) if (!lost.has(k)) await ledger.submit([signed(truth[k])], NOW);
    ledger.expectChainsIntact();
    expect(ledger.snapshot().gaps).toEqual([
      {
        meterId: 'm1',
        afterSeq: 139,
        beforeSeq: 142,
        afterIntervalStart: truth[39].intervalStart,
        beforeIntervalStart: truth[42].intervalStart,
      },
      {
        meterId: 'm1',
        afterSeq: 159,
        beforeSeq: 161,
        afterIntervalStart: truth[59].intervalStart,
        beforeIntervalStart: truth[61].intervalStart,
      },
    ]);

    // Reading 41 arrives late: its window, meter, head (95), then the walk over 94..42 (60 was lost) down to 39.
    ledger.reads = 0;
    const late = await ledger.submit([signed(truth[41])], NOW, 'tx-late');
    expect(late.results[0].status).toBe('accepted');
    expect(ledger.reads).toBe(3 + (94 - 42 + 1 - 1) + 1);
    // 42's pointer now names 41, and 41 points at 39.
    expect(late.writes.readings.map((r) => [r.intervalStart, r.prevIntervalStart])).toEqual([
      [truth[41].intervalStart, truth[39].intervalStart],
      [truth[42].intervalStart, truth[41].intervalStart],
    ]);
    // The gap 139..142 becomes 139..141: the same key, overwritten.
    expect(late.writes.gapsToDelete).toEqual([]);
    expect(late.writes.gapsToPut).toEqual([
      {
        meterId: 'm1',
        afterSeq: 139,
        beforeSeq: 141,
        afterIntervalStart: truth[39].intervalStart,
        beforeIntervalStart: truth[41].intervalStart,
      },
    ]);
    expect(late.writes.heads).toEqual([]);
    ledger.expectChainsIntact();
    // 40 closes what is left of it.
    const closing = await ledger.submit([signed(truth[40])], NOW, 'tx-closing');
    expect(closing.writes.gapsToDelete).toEqual([{ meterId: 'm1', afterSeq: 139 }]);
    expect(closing.writes.gapsToPut).toEqual([]);
    expect(ledger.snapshot().gaps).toEqual([
      {
        meterId: 'm1',
        afterSeq: 159,
        beforeSeq: 161,
        afterIntervalStart: truth[59].intervalStart,
        beforeIntervalStart: truth[61].intervalStart,
      },
    ]);
    ledger.expectChainsIntact();

    // The next reading in order costs its window, the meter and its head.
    const ahead = truthOf('m1', [...values, { importWh: 1, exportWh: 2 }]);
    ledger.reads = 0;
    const inOrder = await ledger.submit([signed(ahead[96])], NOW + INTERVAL);
    expect(inOrder.results[0].status).toBe('accepted');
    expect(ledger.reads).toBe(3);
    expect(inOrder.writes.heads.map((h) => h.intervalStart)).toEqual([ahead[96].intervalStart]);
  });

  it('loads an in-order batch of many meters in three plural reads: windows, meters, heads', async () => {
    const ledger = new MemoryLedger();
    const meterIds = Array.from({ length: 20 }, (_, m) => `m${String(m).padStart(2, '0')}`);
    const histories = meterIds.map((meterId) => truthOf(meterId, values));
    for (const meterId of meterIds) ledger.meters.set(meterId, meterRecord(meterId));
    await ledger.submit(
      histories.map((h) => signed(h[0])),
      NOW,
    );
    ledger.reads = 0;
    ledger.calls = 0;
    const next = histories.flatMap((h) => h.slice(1, 6).map((r) => signed(r)));
    const outcome = await ledger.submit(next, NOW);
    expect(outcome.results.every((r) => r.status === 'accepted')).toBe(true);
    expect(ledger.calls).toBe(3);
    // 5 intervals, 20 meters, 20 heads; writes: 100 readings and one head per meter.
    expect(ledger.reads).toBe(5 + 20 + 20);
    expect(outcome.writes.readings).toHaveLength(100);
    expect(outcome.writes.heads.map((h) => [h.meterId, h.intervalStart])).toEqual(
      meterIds.map((m, i) => [m, histories[i][5].intervalStart]),
    );
  });

  it('links a new reading to a head that is only a link (its import gone past every horizon), judged without it', async () => {
    const ledger = new MemoryLedger();
    ledger.meters.set('m1', meterRecord('m1'));
    await ledger.submit(
      truth.slice(0, 4).map((r) => signed(r)),
      NOW,
    );
    ledger.archivedHeads.add('m1');
    const outcome = await ledger.submit([signed(truth[20])], NOW);
    expect(outcome.results.map((r) => r.status)).toEqual(['accepted']);
    // Linked to the old head; no gap opened from a reading the transaction could not see; the new head written.
    expect(outcome.writes.readings).toEqual([
      expect.objectContaining({ intervalStart: truth[20].intervalStart, prevIntervalStart: truth[3].intervalStart }),
    ]);
    expect(outcome.writes.gapsToPut).toEqual([]);
    expect(outcome.writes.heads.map((h) => h.intervalStart)).toEqual([truth[20].intervalStart]);
  });

  it('recognises a retry of a reading past the late window by its own key, without walking', async () => {
    const ledger = new MemoryLedger();
    ledger.meters.set('m1', meterRecord('m1'));
    await ledger.submit(
      truth.slice(0, 10).map((r) => signed(r)),
      NOW,
    );
    const later = NOW + DEFAULT_METERING_PARAMS.lateWindowSeconds * 2;
    ledger.reads = 0;
    const outcome = await ledger.submit([signed(truth[3]), signed(truth[10])], later);
    expect(outcome.results.map((r) => r.code ?? r.status)).toEqual(['duplicate', ErrorCodes.READING_TOO_LATE]);
    // Two windows, the meter, the head, and reading 3 by its key.
    expect(ledger.reads).toBe(5);
    expect(outcome.writes).toEqual({ readings: [], heads: [], gapsToPut: [], gapsToDelete: [] });
  });

  it(
    'refuses new readings of a retired meter, and answers a retry ' + 'of a stored one as a duplicate, loading only their own keys',
    async () => {
      const ledger = new MemoryLedger();
      ledger.meters.set('m1', meterRecord('m1'));
      await ledger.submit([signed(truth[0])], NOW);
      ledger.meters.set('m1', meterRecord('m1', { active: false }));
      ledger.reads = 0;
      const outcome = await ledger.submit([signed(truth[1]), signed(truth[0])], NOW);
      expect(outcome.results.map((r) => r.code ?? r.status)).toEqual([ErrorCodes.METER_INACTIVE, 'duplicate']);
      // Two windows, the meter, and the two readings by their own keys: no head, no walk.
      expect(ledger.reads).toBe(5);
      expect(outcome.writes).toEqual({ readings: [], heads: [], gapsToPut: [], gapsToDelete: [] });
    },
  );

  it('refuses to decide a reading whose surroundings were not loaded', async () => {
    const ledger = new MemoryLedger();
    ledger.meters.set('m1', meterRecord('m1'));
    await ledger.submit([signed(truth[0])], NOW);
    const loaded = await loadReadingBatchState([signed(truth[1])], DEFAULT_METERING_PARAMS, NOW, ledger);
    const ctx = { ...DEFAULT_METERING_PARAMS, nowSeconds: NOW, txId: 't', recordedAt: formatInstant(NOW) };
    expect(() => foldReadingBatch([signed(truth[2])], { meters: new Map() }, ctx)).toThrow(/not loaded/);
    expect(foldReadingBatch([signed(truth[1])], loaded, ctx).results[0].status).toBe('accepted');
  });

  // ---- properties -------------------------------------------------------------------------

  const scenario = fc.record({
    values: fc.array(fc.record({ importWh: fc.integer({ min: 0, max: 800 }), exportWh: fc.integer({ min: 0, max: 1250 }) }), {
      minLength: 30,
      maxLength: 30,
    }),
    lost: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 8 }),
    stored: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 10 }),
    resent: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 4 }),
    order: fc.array(fc.nat(), { minLength: 80, maxLength: 80 }),
    order2: fc.array(fc.nat(), { minLength: 80, maxLength: 80 }),
  });

  const shuffled = <T>(xs: T[], keys: number[]) =>
    xs
      .map((x, k) => ({ x, key: keys[k] * 1000 + k }))
      .sort((a, b) => a.key - b.key)
      .map((e) => e.x);

  it('a batch in any order gives the same writes and the same state as one reading per transaction', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ values, lost, stored, resent, order, order2 }) => {
        const a = truthOf('m-a', values);
        const b = truthOf('m-b', values.slice().reverse(), 7);
        const keep = (rs: Reading[]) => rs.filter((_, k) => !lost.includes(k));
        const before = [
          ...stored.filter((k) => !lost.includes(k)).map((k) => a[k]),
          ...stored.filter((k) => !lost.includes(k)).map((k) => b[k]),
        ];
        const beforeSigned = before.map((r) => signed(r));
        const batch = [...keep(a), ...keep(b)].filter((r) => !before.includes(r)).map((r) => signed(r));
        // Resends of delivered readings: duplicates, whether stored before or earlier in the batch.
        batch.push(...resent.filter((k) => !lost.includes(k)).map((k) => signed(a[k])));
        const fresh = async () => {
          const ledger = new MemoryLedger();
          ledger.meters.set('m-a', meterRecord('m-a'));
          ledger.meters.set('m-b', meterRecord('m-b'));
          for (const r of shuffled(beforeSigned, order2)) await ledger.submit([r], NOW, 'tx0');
          return ledger;
        };

        const one = await fresh();
        const outcome1 = await one.submit(shuffled(batch, order), NOW, 'tx1');
        const two = await fresh();
        const outcome2 = await two.submit(shuffled(batch, order2), NOW, 'tx1');
        const sequential = await fresh();
        for (const r of shuffled(batch, order2)) await sequential.submit([r], NOW, 'tx1');

        // Same writes, whatever the order; every reading accepted or (a resend) a duplicate.
        expect(canonicalJson(outcome2.writes) === canonicalJson(outcome1.writes)).toBe(true);
        expect(outcome1.rejected).toBe(0);
        expect(outcome1.results.filter((r) => r.status === 'accepted')).toHaveLength(
          new Set(
            batch
              .filter((r) => !before.some((s) => s.meterId === r.meterId && s.intervalStart === r.intervalStart))
              .map((r) => r.meterId + r.intervalStart),
          ).size,
        );
        expect(one.snapshot()).toEqual(sequential.snapshot());
        for (const l of [one, sequential]) l.expectChainsIntact();
        expect(one.snapshot().gaps).toEqual([...trueGaps(keep(a)), ...trueGaps(keep(b))]);
      }),
      { numRuns: 40 },
    );
  });

  it('flags do not depend on arrival order across a meter exchange: each epoch is judged on its own', async () => {
    // A rollover exchange keeps the seq running (firstSeq = the old epoch's next seq): by seq alone the first reading
    // of the new epoch looks adjacent to the last one of the old.
    const exchangeCase = fc.record({
      values: fc.array(fc.constantFrom(0, 0, 50, 1500, 3000), { minLength: 12, maxLength: 12 }),
      at: fc.integer({ min: 1, max: 11 }),
      rollover: fc.boolean(),
      lost: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
      order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    });
    await fc.assert(
      fc.asyncProperty(exchangeCase, async ({ values, at, rollover, lost, order }) => {
        const old = truthOf(
          'm-x',
          values.map((importWh) => ({ importWh, exportWh: 0 })),
        );
        const firstSeq = rollover ? old[at].seq : 1;
        let register = 0;
        const readings = old.map((r, k) => {
          if (k < at) return r;
          register += r.importWh;
          return { ...r, seq: firstSeq + k - at, importRegisterWh: register, exportRegisterWh: 0 };
        });
        const exchange = {
          meterId: 'm-x',
          effectiveFrom: readings[at].intervalStart,
          publicKeyPem: meterRecord('m-x').publicKeyPem,
          firstSeq,
          importRegisterWh: 0,
          exportRegisterWh: 0,
          txId: 'tx-exchange',
          exchangedAt: formatInstant(DAY),
        };
        const kept = readings.filter((_, k) => !lost.includes(k));
        const ledgerAfter = async (arrival: Reading[]) => {
          const ledger = new MemoryLedger();
          ledger.meters.set('m-x', meterRecord('m-x', { exchanges: [exchange] }));
          for (const r of arrival) expect((await ledger.submit([signed(r)], NOW)).results[0].status).toBe('accepted');
          return ledger;
        };
        const flagsIn = (ledger: MemoryLedger) => ledger.snapshot().readings.map((r) => [r.intervalStart, r.flags ?? []]);
        const shuffledLedger = await ledgerAfter(shuffled(kept, order));
        // The rule itself, per epoch: against the previous interval's reading of the same epoch only.
        const epochOf = (k: number) => (k < at ? 0 : 1);
        const expected = readings.flatMap((r, k) => {
          if (lost.includes(k)) return [];
          const before = k > 0 && !lost.includes(k - 1) && epochOf(k - 1) === epochOf(k) ? readings[k - 1] : undefined;
          const flags: string[] = [];
          if (before !== undefined && r.importWh >= 1000 && r.importWh >= 10 * before.importWh) flags.push('spike');
          if (before !== undefined && r.importWh === 0 && before.importWh === 0) flags.push('stuck');
          return [[r.intervalStart, flags]];
        });
        expect(flagsIn(shuffledLedger)).toEqual(expected);
        expect(flagsIn(await ledgerAfter(kept))).toEqual(expected);
        shuffledLedger.expectChainsIntact();
      }),
      { numRuns: 150 },
    );
  });

  it('the example of issue 29: a rollover at 08:00, the new 08:00 zero arriving before the old 07:45 zero, is not stuck', async () => {
    const values = [0, 0, 0].map((importWh) => ({ importWh, exportWh: 0 }));
    const [r0, r1, r2] = truthOf('m-x', values);
    const exchange = {
      meterId: 'm-x',
      effectiveFrom: r2.intervalStart,
      publicKeyPem: meterRecord('m-x').publicKeyPem,
      firstSeq: r2.seq,
      importRegisterWh: 0,
      exportRegisterWh: 0,
      txId: 'tx-exchange',
      exchangedAt: formatInstant(DAY),
    };
    const ledger = new MemoryLedger();
    ledger.meters.set('m-x', meterRecord('m-x', { exchanges: [exchange] }));
    const fresh = { ...r2, importRegisterWh: 0, exportRegisterWh: 0 };
    for (const r of [r0, fresh, r1]) expect((await ledger.submit([signed(r)], NOW)).results[0].status).toBe('accepted');
    expect(ledger.snapshot().readings.map((r) => r.flags ?? [])).toEqual([[], ['stuck'], []]);
  });
});
