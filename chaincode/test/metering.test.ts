import fc from 'fast-check';
import { ErrorCodes, formatInstant, parseInstant, Reading, SignedReading, splitReading, StoredReading } from '@gridledger/core';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { FakeFabric, identity, meterKeys, readingsOf, signReading, submitVia } from './fake-fabric';

const registry = new RegistryContract();
const metering = new MeteringContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
const keys = { m1: meterKeys(), m2: meterKeys(), stranger: meterKeys() };
const DAY = parseInstant('2026-11-21T00:00:00Z')!;
const AFTER_DAY = DAY + 96 * 900 + 60;

const values = (n: number, salt = 0) =>
  Array.from({ length: n }, (_, k) => ({ importWh: (k * 7 + salt) % 300, exportWh: (k * 31 + salt) % 1200 }));
const truth = { m1: readingsOf('m1', DAY, values(96)), m2: readingsOf('m2', DAY, values(96, 5), 500) };
const sign1 = (r: Reading) => signReading(r, keys.m1.privateKey);
const signAny = (r: Reading) => signReading(r, keys[r.meterId as 'm1' | 'm2'].privateKey);

async function ledger(): Promise<FakeFabric> {
  const fabric = new FakeFabric();
  fabric.now = DAY - 86_400;
  await fabric.run(operator, (ctx) => registry.registerParticipant(ctx, JSON.stringify({ participantId: 'home-01', role: 'prosumer' })));
  for (const meterId of ['m1', 'm2'] as const) {
    const out = await fabric.run(operator, (ctx) =>
      registry.registerMeter(
        ctx,
        JSON.stringify({
          meterId,
          participantId: 'home-01',
          kind: 'bidirectional',
          publicKeyPem: keys[meterId].publicKeyPem,
          exportCapacityW: 5000,
          communityId: 'c1',
        }),
      ),
    );
    expect(out.ok).toBe(true);
  }
  fabric.now = AFTER_DAY;
  return fabric;
}

const submit = (fabric: FakeFabric, batch: unknown, who = bridge, txId?: string) =>
  fabric.run(who, (ctx) => submitVia(metering, ctx, typeof batch === 'string' ? batch : JSON.stringify(batch)), true, txId);
const getReading = async (fabric: FakeFabric, meterId: string, intervalStart: string) =>
  (await fabric.evaluate(operator, (ctx) => metering.getReading(ctx, meterId, intervalStart))).result;
const listGaps = async (fabric: FakeFabric, meterId: string) =>
  (await fabric.evaluate(bridge, (ctx) => metering.listGaps(ctx, meterId))).result;

/** Every reading's stored record minus what depends on the transaction that recorded it. */
const readingState = (fabric: FakeFabric) => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(
    fabric.dump((k) => k.startsWith('\u0000!reading') || k.startsWith('\u0000reading') || k.startsWith('\u0000gap')),
  )) {
    // The head's chain names transactions and folds what each wrote: the same readings, other transactions, another chain.
    const { txId: _t, recordedAt: _r, privateRef: _p, chain: _c, ...rest } = value as Record<string, unknown>;
    out[key] = rest;
  }
  return out;
};

describe('metering: submitReadings', () => {
  it('judges each reading on its own, stores the good ones once, and tells the bridge which tx has them', async () => {
    const fabric = await ledger();
    const good0 = sign1(truth.m1[0]);
    const good2 = sign1(truth.m1[2]);
    const badSignature = { ...sign1(truth.m1[1]), exportWh: truth.m1[1].exportWh + 1 };
    const unknownMeter = signReading({ ...truth.m1[3], meterId: 'm9' }, keys.stranger.privateKey);
    const malformed = { ...good2, note: 'unsigned extra' };
    const out = await submit(fabric, [good0, badSignature, unknownMeter, malformed, good2, good0]);

    expect(out.ok).toBe(true);
    expect(out.result.txId).toBe(out.txId);
    expect(out.result.results).toEqual([
      { index: 0, meterId: 'm1', intervalStart: truth.m1[0].intervalStart, status: 'accepted' },
      {
        index: 1,
        meterId: 'm1',
        intervalStart: truth.m1[1].intervalStart,
        status: 'rejected',
        code: 'READING_BAD_SIGNATURE',
        message: expect.any(String),
        details: { meterId: 'm1' },
      },
      {
        index: 2,
        meterId: 'm9',
        intervalStart: truth.m1[3].intervalStart,
        status: 'rejected',
        code: 'METER_NOT_REGISTERED',
        message: expect.any(String),
        details: { meterId: 'm9' },
      },
      {
        index: 3,
        meterId: 'm1',
        intervalStart: truth.m1[2].intervalStart,
        status: 'rejected',
        code: 'READING_MALFORMED',
        message: expect.any(String),
        details: { field: 'note' },
      },
      { index: 4, meterId: 'm1', intervalStart: truth.m1[2].intervalStart, status: 'accepted' },
      { index: 5, meterId: 'm1', intervalStart: truth.m1[0].intervalStart, status: 'duplicate', details: { txId: out.txId } },
    ]);
    // Two readings, the head (a copy of the latest) and the gap between seq 1 and 3: nothing else (the records they roll
    // out, 90 days and an hour earlier, are read and absent). Readings are keyed hour first under a type that sorts first.
    expect([...out.writes.keys()].sort()).toEqual([
      `\u0000!reading\u00002026-11-21T00\u0000m1\u0000${truth.m1[0].intervalStart}\u0000`,
      `\u0000!reading\u00002026-11-21T00\u0000m1\u0000${truth.m1[2].intervalStart}\u0000`,
      '\u0000gap\u0000m1\u00000000000000000001\u0000',
      '\u0000readingHead\u0000m1\u0000',
    ]);
    expect(out.events).toEqual([
      {
        name: 'ReadingsRecorded',
        payload: {
          txId: out.txId,
          accepted: [
            { meterId: 'm1', intervalStart: truth.m1[0].intervalStart, seq: 1 },
            { meterId: 'm1', intervalStart: truth.m1[2].intervalStart, seq: 3 },
          ],
          rejected: 3,
          gapsOpened: [
            {
              meterId: 'm1',
              afterSeq: 1,
              beforeSeq: 3,
              afterIntervalStart: truth.m1[0].intervalStart,
              beforeIntervalStart: truth.m1[2].intervalStart,
            },
          ],
        },
      },
    ]);
    expect(await getReading(fabric, 'm1', truth.m1[2].intervalStart)).toEqual({
      ...good2,
      txId: out.txId,
      recordedAt: '2026-11-22T00:01:00Z',
      prevIntervalStart: truth.m1[0].intervalStart,
    });
    expect(await listGaps(fabric, 'm1')).toEqual([
      {
        meterId: 'm1',
        afterSeq: 1,
        beforeSeq: 3,
        afterIntervalStart: truth.m1[0].intervalStart,
        beforeIntervalStart: truth.m1[2].intervalStart,
      },
    ]);

    // A replay later: duplicates, nothing written, the original transaction still named.
    const replay = await submit(fabric, { readings: [good2, good0] });
    expect(replay.result.results.map((r: { status: string; details: unknown }) => [r.status, r.details])).toEqual([
      ['duplicate', { txId: out.txId }],
      ['duplicate', { txId: out.txId }],
    ]);
    expect(replay.writes.size).toBe(0);
    expect(replay.events[0].payload).toEqual({ txId: replay.txId, accepted: [], rejected: 0, gapsOpened: [] });
    expect((await getReading(fabric, 'm1', truth.m1[0].intervalStart)).txId).toBe(out.txId);
  });

  it('takes batches from meter bridges and operators only, of 1 to 200 readings', async () => {
    const fabric = await ledger();
    const one = [sign1(truth.m1[0])];
    expect((await submit(fabric, one, home1)).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await submit(fabric, one, identity('RegulatorMSP', 'regulator', 'reg'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await submit(fabric, one, identity('CommunityMSP'))).error?.code).toBe(ErrorCodes.UNAUTHENTICATED);
    for (const bad of ['[]', 'nope', '{}', '{"readings":{}}', '42', JSON.stringify(new Array(201).fill(one[0]))]) {
      const out = await submit(fabric, bad);
      expect(out.error?.code).toBe(ErrorCodes.READING_BATCH_INVALID);
      expect(out.writes.size).toBe(0);
    }
    expect((await submit(fabric, one, operator)).result.results[0].status).toBe('accepted');
    const full = [...truth.m1.slice(1, 96), ...readingsOf('m2', DAY - 9 * 900, values(105), 500)].map(signAny);
    expect(full).toHaveLength(200);
    const big = await submit(fabric, full);
    expect(big.result.results.every((r: { status: string }) => r.status === 'accepted')).toBe(true);
  });

  it('a batch of one meter in random order records the same readings, chain and gaps as one reading per transaction', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        async (lost, arrival, other) => {
          const delivered = truth.m1.slice(0, 40).filter((_, k) => !lost.includes(k));
          const signed = delivered.map(sign1);
          const order = (keys: number[]) =>
            signed
              .map((r, k) => ({ r, key: keys[k] * 64 + k }))
              .sort((a, b) => a.key - b.key)
              .map((x) => x.r);

          const batched = await ledger();
          const out = await submit(batched, order(arrival));
          expect(out.result.results.every((r: { status: string }) => r.status === 'accepted')).toBe(true);

          const oneByOne = await ledger();
          for (const r of order(other)) expect((await submit(oneByOne, [r])).result.results[0].status).toBe('accepted');

          expect(readingState(batched)).toEqual(readingState(oneByOne));
          const seqs = delivered.map((r) => r.seq);
          const gaps = seqs.slice(1).flatMap((s, k) =>
            s - seqs[k] > 1
              ? [
                  {
                    meterId: 'm1',
                    afterSeq: seqs[k],
                    beforeSeq: s,
                    afterIntervalStart: delivered[k].intervalStart,
                    beforeIntervalStart: delivered[k + 1].intervalStart,
                  },
                ]
              : [],
          );
          expect(await listGaps(batched, 'm1')).toEqual(gaps);
          // The head is the latest reading, and its pointers walk every stored reading newest first.
          const walked: string[] = [];
          let node = delivered.length > 0 ? await getReading(batched, 'm1', delivered[delivered.length - 1].intervalStart) : undefined;
          while (node !== undefined) {
            walked.push(node.intervalStart);
            node = node.prevIntervalStart === null ? undefined : await getReading(batched, 'm1', node.prevIntervalStart);
          }
          expect(walked).toEqual(delivered.map((r) => r.intervalStart).reverse());
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a late reading across transactions is linked in between its neighbours and narrows the gap', async () => {
    const fabric = await ledger();
    const [r0, r1, r2, r3, r4, r5] = truth.m1.slice(0, 6).map(sign1);
    await submit(fabric, [r0, r1, r2]);
    const t5 = await submit(fabric, [r5]);
    expect(await listGaps(fabric, 'm1')).toEqual([
      { meterId: 'm1', afterSeq: 3, beforeSeq: 6, afterIntervalStart: r2.intervalStart, beforeIntervalStart: r5.intervalStart },
    ]);
    expect((await getReading(fabric, 'm1', r5.intervalStart)).prevIntervalStart).toBe(r2.intervalStart);

    const t4 = await submit(fabric, [r4]);
    expect(t4.result.results[0].status).toBe('accepted');
    const stored5 = await getReading(fabric, 'm1', r5.intervalStart);
    // 5 now points at 4 but still names the transaction that recorded it.
    expect(stored5).toMatchObject({ prevIntervalStart: r4.intervalStart, txId: t5.txId });
    expect(await getReading(fabric, 'm1', r4.intervalStart)).toMatchObject({ prevIntervalStart: r2.intervalStart, txId: t4.txId });
    expect(await listGaps(fabric, 'm1')).toEqual([
      { meterId: 'm1', afterSeq: 3, beforeSeq: 5, afterIntervalStart: r2.intervalStart, beforeIntervalStart: r4.intervalStart },
    ]);
    // The head is the record of 5, rewritten with its new pointer; its private part moved to t4's chunk with 4's, and it holds t5's.
    expect(fabric.dump((k) => k === '\u0000readingHead\u0000m1\u0000')['\u0000readingHead\u0000m1\u0000']).toEqual({
      ...splitReading(stored5).shared,
      privateRef: { txId: t4.txId, chunk: 0, last: true, heldChunks: [{ txId: t5.txId, chunk: 0 }] },
      chain: { root: expect.stringMatching(/^[0-9a-f]{64}$/), txId: t4.txId, prevTxId: t5.txId },
    });
    expect(t4.events[0].payload).toMatchObject({ gapsOpened: [{ meterId: 'm1', afterSeq: 3, beforeSeq: 5 }] });

    const t3 = await submit(fabric, [r3]);
    expect(t3.writes.has('\u0000gap\u0000m1\u00000000000000000003\u0000')).toBe(true);
    expect(t3.writes.get('\u0000gap\u0000m1\u00000000000000000003\u0000')).toBeNull();
    expect(await listGaps(fabric, 'm1')).toEqual([]);
    expect((await getReading(fabric, 'm1', r4.intervalStart)).prevIntervalStart).toBe(r3.intervalStart);

    // An in-order reading reads the parameters, whether its window is closed, the meter and the head, and the record it rolls
    // out (90 days and an hour older, absent here): nothing else of the history.
    // This one opens a gap after interval 5: whether the gap's latest missed window (95) is closed too (it is not: stop).
    const next = signReading(readingsOf('m1', DAY, values(97))[96], keys.m1.privateKey);
    fabric.now += 900;
    const r96 = await submit(fabric, [next]);
    expect(r96.result.results[0].status).toBe('accepted');
    const latestMissed = formatInstant(parseInstant(next.intervalStart)! - 900);
    expect(r96.reads).toEqual([
      '\u0000meteringParams\u0000',
      // No archive record: an hour that ended less than a day ago cannot be archived (docs/bounded-state.md).
      '\u0000meter\u0000m1\u0000',
      `\u0000window\u0000c1\u0000${next.intervalStart}\u0000900\u0000`,
      `\u0000windowClose\u0000c1\u0000${next.intervalStart}\u0000900\u0000`,
      '\u0000readingHead\u0000m1\u0000',
      `\u0000!reading\u00002026-08-23T23\u0000m1\u00002026-08-23T23:00:00Z\u0000`,
      `\u0000window\u0000c1\u0000${latestMissed}\u0000900\u0000`,
      `\u0000windowClose\u0000c1\u0000${latestMissed}\u0000900\u0000`,
    ]);
  });

  it('gives the same writes and event for the same batch in any input order', async () => {
    const base = [...truth.m1.slice(10, 20), ...truth.m2.slice(30, 36)].filter((_, k) => k % 4 !== 1).map(signAny);
    const bad = { ...base[0], seq: base[0].seq + 1000 };
    const batch: unknown[] = [
      ...base,
      bad,
      base[3],
      'junk',
      signReading({ ...truth.m2[40], exportWh: 99_999, exportRegisterWh: 9_999_999 }, keys.m2.privateKey),
    ];
    const stored = [truth.m1[12], truth.m1[25]].map(sign1);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: batch.length, maxLength: batch.length }), async (keysOrder) => {
        const fabric = await ledger();
        await submit(fabric, stored);
        const shuffled = batch
          .map((r, k) => ({ r, key: keysOrder[k] * 64 + k }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.r);
        const out = await submit(fabric, shuffled, bridge, 'tx-fixed');
        seen.add(JSON.stringify({ writes: [...out.writes.entries()].sort(), events: out.events }));
        expect(seen.size).toBe(1);
        expect(out.result.results.filter((r: { status: string }) => r.status === 'rejected')).toHaveLength(3);
      }),
      { numRuns: 12 },
    );
  });

  it('fails the whole transaction as INTERNAL, logged, when the stored chain is broken', async () => {
    const fabric = await ledger();
    await submit(fabric, truth.m1.slice(0, 3).map(sign1));
    // Corrupt the head's pointer behind the contract's back.
    const headKey = '\u0000readingHead\u0000m1\u0000';
    const head = JSON.parse(fabric.state.get(headKey)!.toString());
    fabric.state.set(headKey, Buffer.from(JSON.stringify({ ...head, prevIntervalStart: '2026-11-20T00:00:00Z' })));
    const tx = fabric.begin(bridge);
    const out = await submitVia(metering, tx.ctx, JSON.stringify([sign1(truth.m1[1])])).catch((e: Error) => e);
    expect(out).toBeInstanceOf(Error);
    expect((out as Error).message).toMatch(/^INTERNAL: submitReadings failed unexpectedly/);
    expect(tx.logged.join('\n')).toMatch(/chain of meter m1 is broken/);
  });
});

describe('metering: reads and parameters', () => {
  it('lists a closed range of readings hour by hour, at most 1000 intervals', async () => {
    const fabric = await ledger();
    await submit(fabric, truth.m1.slice(0, 20).map(sign1));
    await submit(fabric, truth.m2.slice(0, 20).map(signAny));
    const list = (q: unknown) => fabric.evaluate(bridge, (ctx) => metering.listReadings(ctx, JSON.stringify(q)));
    const out = await list({ meterId: 'm1', from: truth.m1[3].intervalStart, to: truth.m1[7].intervalStart });
    expect(out.result.map((r: SignedReading) => r.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(
      (await list({ meterId: 'm1', from: '2026-11-21T00:50:00Z', to: '2026-11-21T01:20:00Z' })).result.map((r: SignedReading) => r.seq),
    ).toEqual([5, 6]);
    expect(
      (await list({ meterId: 'm2', from: truth.m1[19].intervalStart, to: '2026-11-29T00:00:00Z' })).result.map((r: SignedReading) => r.seq),
    ).toEqual([519]);
    expect((await list({ meterId: 'm1', from: '2026-11-25T00:00:00Z', to: '2026-11-25T01:00:00Z' })).result).toEqual([]);
    expect((await list({ meterId: 'm1', from: truth.m1[7].intervalStart, to: truth.m1[3].intervalStart })).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
    expect((await list({ meterId: 'm1', from: '2026-11-01T00:00:00Z', to: '2026-11-11T10:00:00Z' })).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
    expect((await list({ meterId: 'm1', from: '2026-11-01T00:00:00Z', to: '2026-11-11T09:45:00Z' })).ok).toBe(true);
    expect((await list({ meterId: 'm1', from: 'yesterday', to: '2026-11-11T09:45:00Z' })).error?.details.field).toBe('from');
    expect((await list({ meterId: 'm1', from: truth.m1[0].intervalStart, to: truth.m1[1].intervalStart, limit: 3 })).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
  });

  it('getReading names what is missing', async () => {
    const fabric = await ledger();
    const out = await fabric.evaluate(bridge, (ctx) => metering.getReading(ctx, 'm1', truth.m1[0].intervalStart));
    expect(out.error?.toJSON()).toMatchObject({
      code: 'READING_NOT_FOUND',
      details: { meterId: 'm1', intervalStart: truth.m1[0].intervalStart },
    });
    expect((await fabric.evaluate(bridge, (ctx) => metering.getReading(ctx, 'm1', '2026-11-21'))).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
  });

  it("takes a metering interval down to the ledger's shortest, 20 s (accelerated runs), and none shorter", async () => {
    const fabric = await ledger();
    const set = (change: unknown) => fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify(change)));
    expect((await set({ intervalSeconds: 15 })).error?.code).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect((await set({ intervalSeconds: 20, lateWindowSeconds: 10 })).result?.params).toMatchObject({
      intervalSeconds: 20,
      lateWindowSeconds: 10,
    });
    expect((await fabric.evaluate(bridge, (ctx) => metering.getParams(ctx))).result).toMatchObject({ intervalSeconds: 20 });
  });

  it('only an operator of CommunityMSP sets the parameters; each change is kept under its transaction id', async () => {
    const fabric = await ledger();
    const set = (who: typeof operator, change: unknown) => fabric.run(who, (ctx) => metering.setParams(ctx, JSON.stringify(change)));
    expect((await set(identity('UtilityMSP', 'operator', 'op-u'), { lateWindowSeconds: 3600 })).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await set(bridge, { lateWindowSeconds: 3600 })).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await set(operator, { lateWindowSeconds: -1 })).error?.code).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect((await fabric.evaluate(bridge, (ctx) => metering.getParams(ctx))).result).toEqual({
      intervalSeconds: 900,
      lateWindowSeconds: 172800,
      capacityTolerancePpm: 20000,
      surplusThresholdWh: 0,
      closePageMeters: 100,
      archiveAfterSeconds: 7_776_000,
      disputeWindowSeconds: 2_592_000,
      correctionWindowSeconds: 2_592_000,
      chunkRelease: 'delete',
    });

    const out = await set(operator, { lateWindowSeconds: 3600 });
    const params = {
      intervalSeconds: 900,
      lateWindowSeconds: 3600,
      capacityTolerancePpm: 20000,
      surplusThresholdWh: 0,
      closePageMeters: 100,
      archiveAfterSeconds: 7_776_000,
      disputeWindowSeconds: 2_592_000,
      correctionWindowSeconds: 2_592_000,
      chunkRelease: 'delete',
    };
    expect(out.result).toEqual({ params, txId: out.txId });
    expect(fabric.dump((k) => k.startsWith('\u0000meteringParams'))).toEqual({
      '\u0000meteringParams\u0000': params,
      [`\u0000meteringParamsChange\u0000${out.txId}\u0000`]: {
        txId: out.txId,
        changedAt: '2026-11-22T00:01:00Z',
        changedBy: 'op-1',
        mspId: 'CommunityMSP',
        previous: {
          intervalSeconds: 900,
          lateWindowSeconds: 172800,
          capacityTolerancePpm: 20000,
          surplusThresholdWh: 0,
          closePageMeters: 100,
          archiveAfterSeconds: 7_776_000,
          disputeWindowSeconds: 2_592_000,
          correctionWindowSeconds: 2_592_000,
          chunkRelease: 'delete',
        },
        params,
      },
    });
    // With a one-hour late window, the early morning of the day before is too late now.
    const late = await submit(fabric, [sign1(truth.m1[0]), sign1(truth.m1[95])]);
    expect(late.result.results.map((r: { code?: string; status: string }) => r.code ?? r.status)).toEqual([
      ErrorCodes.READING_TOO_LATE,
      'accepted',
    ]);
  });
});

describe('metering: private parts in chunks', () => {
  const chunkKeys = (fabric: FakeFabric) => [...fabric.privateState.keys()].filter((k) => k.includes('\u0000readingChunk\u0000')).sort();
  const publicRecord = (fabric: FakeFabric, type: string, ...attributes: string[]) =>
    fabric.dump()[`\u0000${type}\u0000${attributes.map((a) => `${a}\u0000`).join('')}`] as
      { privateRef?: { txId: string; chunk: number } } | undefined;

  it(
    'stores ten readings of a transaction to a key of the collection, each public record naming its chunk, and judges the next reading ' +
      'against a head read from its chunk',
    async () => {
      const fabric = await ledger();
      const batch = truth.m1.slice(0, 25).map(sign1);
      const t = await submit(fabric, batch);
      expect(t.result.results.map((r: { status: string }) => r.status)).toEqual(batch.map(() => 'accepted'));
      expect([...fabric.privateState.keys()].filter((k) => k.includes('readingImport'))).toEqual([]);
      expect(chunkKeys(fabric)).toHaveLength(3);
      batch.forEach((r, i) => {
        // The chunk is the recording transaction's, so the reference names no txId of its own; the newest reading of each
        // chunk (its last, in interval order) carries it out of the collection when it leaves the state.
        const ref = publicRecord(fabric, '!reading', r.intervalStart.slice(0, 13), 'm1', r.intervalStart)!.privateRef!;
        expect(ref).toEqual({ chunk: Math.floor(i / 10), ...(i % 10 === 9 || i === batch.length - 1 ? { last: true } : {}) });
        const chunk = JSON.parse(
          fabric.privateState.get(`householdConsumption\u0001\u0000readingChunk\u0000${t.txId}\u0000${ref.chunk}\u0000`)!.toString('utf8'),
        );
        expect(chunk.readings.filter((p: SignedReading) => p.intervalStart === r.intervalStart)).toEqual([
          expect.objectContaining({ meterId: 'm1', importWh: r.importWh, importRegisterWh: r.importRegisterWh, sig: r.sig }),
        ]);
        // No salt: it follows from the signature.
        expect(chunk.readings[0]).not.toHaveProperty('salt');
      });
      expect(publicRecord(fabric, 'readingHead', 'm1')!.privateRef).toEqual({ chunk: 2, last: true });
      // The head's import register is in chunk 2: a reading whose register does not follow it is refused, the true one accepted.
      const next = truth.m1[25];
      const off = await submit(fabric, [signReading({ ...next, importRegisterWh: next.importRegisterWh + 1 }, keys.m1.privateKey)]);
      expect(off.result.results[0]).toMatchObject({ status: 'rejected', code: ErrorCodes.READING_REGISTER_INCONSISTENT });
      const ok = await submit(fabric, [sign1(next)]);
      expect(ok.result.results[0].status).toBe('accepted');
      expect(await getReading(fabric, 'm1', next.intervalStart)).toMatchObject({
        importWh: next.importWh,
        importRegisterWh: next.importRegisterWh,
        prevIntervalStart: batch[24].intervalStart,
      });
    },
  );
});

describe('metering: listReadings', () => {
  const list = async (fabric: FakeFabric, from: number, to: number) =>
    (
      await fabric.evaluate(operator, (ctx) =>
        metering.listReadings(ctx, JSON.stringify({ meterId: 'm1', from: formatInstant(from), to: formatInstant(to) })),
      )
    ).result as StoredReading[];

  it("lists one meter's readings of a range in interval order, across hours and interval lengths", async () => {
    const fabric = await ledger();
    const [r0, r1, r2] = truth.m1.slice(0, 3);
    await submit(fabric, [r1, r0].map(sign1));
    await submit(fabric, truth.m2.slice(0, 3).map(signAny));
    expect((await list(fabric, DAY, DAY + 3600)).map((r) => [r.intervalStart, r.importWh])).toEqual([
      [r0.intervalStart, r0.importWh],
      [r1.intervalStart, r1.importWh],
    ]);
    // From between two interval starts: the first start at or after it.
    expect((await list(fabric, DAY + 300, DAY + 900)).map((r) => r.intervalStart)).toEqual([r1.intervalStart]);
    expect(await list(fabric, DAY + 300, DAY + 600)).toEqual([]);

    // 10-minute intervals from now on: 00:15 is not on their grid, but its reading is still listed.
    expect((await fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify({ intervalSeconds: 600 })))).ok).toBe(true);
    const r40 = { ...r2, intervalStart: formatInstant(DAY + 2400) };
    expect((await submit(fabric, [sign1(r40)])).result.results[0].status).toBe('accepted');
    expect((await list(fabric, DAY, DAY + 3600)).map((r) => r.intervalStart)).toEqual([
      r0.intervalStart,
      r1.intervalStart,
      r40.intervalStart,
    ]);
  });

  it('lists readings across hours, only the range asked for, and refuses a range of more than 1000 hours', async () => {
    const fabric = await ledger();
    const ten = truth.m1.slice(0, 10);
    await submit(fabric, [...ten].reverse().map(sign1));
    expect((await list(fabric, DAY + 900, DAY + 7200)).map((r) => r.intervalStart)).toEqual(ten.slice(1, 9).map((r) => r.intervalStart));
    expect((await list(fabric, DAY - 7200, DAY + 8100)).map((r) => r.seq)).toEqual(ten.map((r) => r.seq));
    // Daily intervals: 42 intervals, but 1001 hours.
    expect((await fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify({ intervalSeconds: 86400 })))).ok).toBe(true);
    const tooLong = await fabric.evaluate(operator, (ctx) =>
      metering.listReadings(ctx, JSON.stringify({ meterId: 'm1', from: formatInstant(DAY), to: formatInstant(DAY + 1000 * 3600) })),
    );
    expect(tooLong.error).toMatchObject({ code: ErrorCodes.REQUEST_INVALID, message: expect.stringContaining('1000 hours') });
  });
});
