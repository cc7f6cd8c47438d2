import { archiveLeaf, CHAIN_START, ErrorCodes, extendChain, formatInstant, parseInstant } from '@gridledger/core';
import { writeHeads } from '../src/energy/reading-chain';
import { MeteringContract } from '../src/metering';
import { FakeFabric, identity, meterKeys, registerHomeMeter, readingsOf, signReading, submitVia } from './fake-fabric';

const metering = new MeteringContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const keys = meterKeys();
const DAY = parseInstant('2026-11-21T00:00:00Z')!;
const HORIZON = 3600 + 86_400; // the late window of an hour plus a day: the shortest archiveAfterSeconds allowed
// Three days of m1's readings, every 15 minutes.
const truth = readingsOf(
  'm1',
  DAY,
  Array.from({ length: 3 * 96 }, (_, k) => ({ importWh: 10 + (k % 7), exportWh: k % 3 })),
).map((r) => signReading(r, keys.privateKey));
const at = (k: number) => truth[k]!.intervalStart;
const recordKey = (start: string) => `\u0000!reading\u0000${start.slice(0, 13)}\u0000m1\u0000${start}\u0000`;
const HEAD = '\u0000readingHead\u0000m1\u0000';

async function ledger(): Promise<FakeFabric> {
  const fabric = new FakeFabric();
  fabric.now = DAY - 86_400;
  await registerHomeMeter(fabric, operator, keys);
  const params = { lateWindowSeconds: 3600, disputeWindowSeconds: 3600, correctionWindowSeconds: 3600, archiveAfterSeconds: HORIZON };
  expect((await fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify(params)))).ok).toBe(true);
  return fabric;
}

/** Sends readings k..k+n-1 in one transaction, a minute after the last one's interval ended. */
async function send(fabric: FakeFabric, k: number, n = 1) {
  fabric.now = parseInstant(at(k + n - 1))! + 900 + 60;
  const out = await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify(truth.slice(k, k + n))), true);
  expect(out.result.results.map((r: { status: string }) => r.status)).toEqual(Array(n).fill('accepted'));
  return out;
}

/** The transactions whose reading chunks the collection holds. */
const chunksOf = (fabric: FakeFabric) =>
  [...fabric.privateState.keys()]
    .filter((k) => k.includes('\u0000readingChunk\u0000'))
    .map((k) => k.split('\u0000')[2])
    .sort();

const readAt = async (fabric: FakeFabric, start: string) => fabric.evaluate(operator, (ctx) => metering.getReading(ctx, 'm1', start));

describe('the rolling archive: a reading takes its meter’s record one horizon older out of the state', () => {
  it('deletes the record of the interval max(late, archiveAfter) + 1 h before, its chunk with it, and nothing younger', async () => {
    const fabric = await ledger();
    const txs = [];
    for (let k = 0; k < 8; k++) txs.push(await send(fabric, k));
    // The reading one horizon + 1 h after interval 0 (and the next one) take 0 and 1 out; 2 stays.
    const step = (HORIZON + 3600) / 900;
    const out = await send(fabric, step, 2);
    expect(out.writes.get(recordKey(at(0)))).toBeNull();
    expect(out.writes.get(recordKey(at(1)))).toBeNull();
    // Each was alone in its transaction's chunk: the chunks leave the collection with them, the others stay.
    expect(chunksOf(fabric)).toEqual(
      txs
        .slice(2)
        .map((t) => t.txId)
        .concat(out.txId),
    );
    expect(Object.keys(fabric.dump((k) => k.startsWith('\u0000!reading\u00002026-11-21T00')))).toEqual([
      recordKey(at(2)),
      recordKey(at(3)),
    ]);
    // What left is archived, not unknown: the hour is past every horizon, its archive is the meter's chain.
    const gone = await readAt(fabric, at(0));
    expect(gone.error).toMatchObject({ code: ErrorCodes.READING_ARCHIVED, details: { hour: '2026-11-21T00', rolling: true } });
    expect((await readAt(fabric, at(2))).ok).toBe(true);
    // Deleted, not purged: the default chunkRelease.
    expect(fabric.purgedKeys).toEqual([]);
  });

  it('purges the chunks it releases instead when chunkRelease is purge', async () => {
    const fabric = await ledger();
    expect((await fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify({ chunkRelease: 'purge' })))).ok).toBe(true);
    const txs = [];
    for (let k = 0; k < 3; k++) txs.push(await send(fabric, k));
    await send(fabric, (HORIZON + 3600) / 900, 2);
    // The two released chunks are purged (the members' private data store drops their past versions too), the third stays.
    expect(fabric.purgedKeys.map((k) => k.split('\u0000')[2])).toEqual([txs[0]!.txId, txs[1]!.txId].sort());
    expect(chunksOf(fabric)).toContain(txs[2]!.txId);
    const refused = await fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify({ chunkRelease: 'erase' })));
    expect(refused.error).toMatchObject({ code: ErrorCodes.METERING_PARAMS_INVALID, details: { field: 'chunkRelease' } });
  });

  it('releases a chunk of several readings with its newest record, rolled out or swept by the hour archive', async () => {
    const fabric = await ledger();
    const four = await send(fabric, 0, 4);
    const step = (HORIZON + 3600) / 900;
    // The partner of 0 takes 0 out; the chunk holds 1..3 still.
    const partner = await send(fabric, step);
    expect(chunksOf(fabric)).toEqual([four.txId, partner.txId].sort());
    // Readings of 1..3's partners are gaps here: the hour archive sweeps the hour of 0..3 instead. The head (3) keeps its chunk.
    fabric.now = parseInstant(at(step))! + 900 + 3600;
    const swept = await fabric.run(operator, (ctx) => metering.archiveReadingHour(ctx, JSON.stringify({ hour: '2026-11-21T00' })));
    expect(swept.result).toMatchObject({ count: 3, done: true });
    // m1's head is now the partner (step), not 3: the sweep releases 3's chunk.
    expect(chunksOf(fabric)).toEqual([partner.txId]);
  });

  it('releases the chunk of a record a late neighbour rewrote, with the rewritten record: rolled out or swept', async () => {
    const fabric = await ledger();
    const three = await send(fabric, 0, 3);
    const four = await send(fabric, 4);
    // The late 3 rewrites 4 (its new link): 4's private part moves to the late chunk (3 and 4), and 4 holds four's chunk, now unread.
    const late = await send(fabric, 3);
    const rewritten = JSON.parse((late.writes.get(recordKey(at(4))) as Buffer).toString('utf8'));
    expect(rewritten.privateRef).toEqual({ txId: late.txId, chunk: 0, last: true, heldChunks: [{ txId: four.txId, chunk: 0 }] });
    expect(chunksOf(fabric)).toEqual([three.txId, four.txId, late.txId].sort());
    // Rolled out: the partners of 0..4 take every record out, and every chunk with them, four's too.
    const step = (HORIZON + 3600) / 900;
    const partners = [await send(fabric, step, 4), await send(fabric, step + 4)];
    expect(chunksOf(fabric)).toEqual(partners.map((p) => p.txId).sort());
  });

  it('releases the chunk of a rewritten record with it when the hour archive sweeps the record, and keeps the head’s', async () => {
    const fabric = await ledger();
    const first = await send(fabric, 0, 2);
    const third = await send(fabric, 3);
    const fourth = await send(fabric, 4);
    // The late 2 rewrites 3 (its new link); 3 was the newest of its chunk, the late chunk holds 2 and 3 with 3 the newest.
    const late = await send(fabric, 2);
    const rewritten = JSON.parse((late.writes.get(recordKey(at(3))) as Buffer).toString('utf8'));
    expect(rewritten.privateRef).toEqual({ txId: late.txId, chunk: 0, last: true, heldChunks: [{ txId: third.txId, chunk: 0 }] });
    expect(chunksOf(fabric)).toEqual([first.txId, third.txId, fourth.txId, late.txId].sort());
    fabric.now = parseInstant(at((HORIZON + 3600) / 900 + 12))!;
    for (const hour of ['2026-11-21T00', '2026-11-21T01']) {
      const swept = await fabric.run(operator, (ctx) => metering.archiveReadingHour(ctx, JSON.stringify({ hour })));
      expect(swept.result).toMatchObject({ done: true });
    }
    // 0..3 and their chunks left, the third's with the rewritten 3; the head (4) keeps its chunk until a reading replaces it.
    expect(chunksOf(fabric)).toEqual([fourth.txId]);
  });

  it("keeps a silent meter's head chunk through the hour archive, and releases it with the reading that replaces the head", async () => {
    const fabric = await ledger();
    const four = await send(fabric, 0, 4);
    fabric.now = parseInstant(at(3))! + 900 + HORIZON + 3600;
    const swept = await fabric.run(operator, (ctx) => metering.archiveReadingHour(ctx, JSON.stringify({ hour: '2026-11-21T00' })));
    expect(swept.result).toMatchObject({ count: 4, done: true });
    // The records are gone; the chunk stays, for the head (3) still reads its private part.
    expect(chunksOf(fabric)).toEqual([four.txId]);
    const resumed = await send(fabric, (HORIZON + 3600) / 900 + 20);
    expect(chunksOf(fabric)).toEqual([resumed.txId]);
  });

  it("takes a silent meter's head whose chunk left with another meter's reading as an archived link, not as unavailable", async () => {
    const fabric = await ledger();
    const keys2 = meterKeys();
    await registerHomeMeter(fabric, operator, keys2, 'm2', 'home-02');
    const other = readingsOf(
      'm2',
      DAY,
      Array.from({ length: 2 * 96 }, (_, k) => ({ importWh: 20 + (k % 5), exportWh: 0 })),
    ).map((r) => signReading(r, keys2.privateKey));
    const sendOther = async (from: number, n: number) => {
      fabric.now = parseInstant(other[from + n - 1]!.intervalStart)! + 900 + 60;
      const out = await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify(other.slice(from, from + n))), true);
      expect(out.result.results.map((r: { status: string }) => r.status)).toEqual(Array(n).fill('accepted'));
      return out;
    };
    // m1's and m2's readings of interval 0 in one chunk; m2's is its newest (the last in key order): the chunk leaves with it.
    fabric.now = DAY + 900 + 60;
    const both = await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([truth[0], other[0]])), true);
    expect(both.result.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    // m1 falls silent; m2 goes on, an hour at a time, until its reading one horizon later takes its interval 0 out.
    const step = (HORIZON + 3600) / 900;
    for (let k = 1; k <= step; k += 4) await sendOther(k, Math.min(4, step - k + 1));
    expect(chunksOf(fabric)).not.toContain(both.txId);
    // m1 resumes: its head (interval 0) is past every horizon without its import; the reading links to it.
    const resumed = await send(fabric, step + 2);
    const record = JSON.parse(fabric.state.get(recordKey(at(step + 2)))!.toString('utf8'));
    expect(record.prevIntervalStart).toBe(at(0));
    expect(resumed.result.results[0].status).toBe('accepted');
    // A resend of that head's reading finds the record without its import: judged as a reading past every window, not a 503.
    const resend = await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([truth[0]])), true);
    expect(resend.error).toBeUndefined();
    expect(resend.result.results[0]).toMatchObject({ status: 'rejected', code: ErrorCodes.READING_TOO_LATE });
  });

  it('keeps the readings a chain walk, a retry or a correction still needs: the walk stops at a link past the horizon', async () => {
    const fabric = await ledger();
    await send(fabric, 0, 4);
    // Silent for longer than the horizon, then a reading rolls out 0..3's interval-grid partner only; a late one needs the link.
    const resume = (HORIZON + 3600) / 900 + 8;
    await send(fabric, resume);
    await send(fabric, resume + 2);
    // The late reading between them walks the chain back from the head to resume, whose link points at 3 (still there).
    const late = await send(fabric, resume + 1);
    expect(late.result.results[0].status).toBe('accepted');
    expect(Object.keys(fabric.dump((k) => k.startsWith('\u0000!reading\u00002026-11-21T00')))).toHaveLength(4);
  });

  it('gives every meter a chain over every record its transactions wrote, linked transaction to transaction', async () => {
    const fabric = await ledger();
    const txs = [await send(fabric, 0, 3), await send(fabric, 4), await send(fabric, 3)];
    // Replay what each transaction wrote of m1's records, in key order, from the start.
    let root = CHAIN_START;
    let prevTxId = '';
    for (const tx of txs) {
      const records = [...tx.writes.entries()]
        .filter(([k, v]) => k.startsWith('\u0000!reading\u0000') && v !== null)
        .map(([k, v]) => ({ key: k, value: v as Buffer }));
      root = extendChain(root, records);
      const head = JSON.parse((tx.writes.get(HEAD) as Buffer).toString('utf8'));
      expect(head.chain).toEqual({ root, txId: tx.txId, prevTxId });
      prevTxId = tx.txId;
    }
    // The late reading 3 rewrote 4 (its new link) and wrote itself: both folded, the head stays 4's record.
    const last = JSON.parse((txs[2].writes.get(HEAD) as Buffer).toString('utf8'));
    expect(last.intervalStart).toBe(at(4));
    expect([...txs[2].writes.keys()].filter((k) => k.startsWith('\u0000!reading\u0000') && txs[2].writes.get(k) !== null).sort()).toEqual([
      recordKey(at(3)),
      recordKey(at(4)),
    ]);
    // A leaf is the record's key and bytes as written: changing a byte changes the root.
    const [k0, v0] = [...txs[0].writes.entries()].find(([k]) => k === recordKey(at(0)))!;
    expect(archiveLeaf(k0, v0 as Buffer)).not.toEqual(
      archiveLeaf(k0, Buffer.from((v0 as Buffer).toString('utf8').replace('"seq":1', '"seq":9'))),
    );
    // Reads and answers never show the chain: a reading is a reading.
    const head = await readAt(fabric, at(4));
    expect(head.result.chain).toBeUndefined();
  });

  it('refuses to chain records of a meter whose head the transaction did not read, and writes nothing', async () => {
    const fabric = await ledger();
    const record = { meterId: 'm1', intervalStart: at(0) };
    const written = [{ ...record, key: recordKey(at(0)), value: Buffer.from('{}'), record }];
    const out = await fabric.run(bridge, async (ctx) => {
      await writeHeads(ctx, written, [record], new Map());
      return '{}';
    });
    expect(out.ok).toBe(false);
    expect(out.message).toContain('the head of meter m1 was not read');
    expect(fabric.state.has(HEAD)).toBe(false);
  });

  it('starts a chain on a head from before the chain, and a rewrite without a new head still extends it', async () => {
    const fabric = await ledger();
    await send(fabric, 0, 2);
    // A head as a ledger before the upgrade wrote it: no chain.
    const head = fabric.dump((k) => k === HEAD)[HEAD] as Record<string, unknown>;
    const { chain: _c, ...old } = head;
    fabric.state.set(HEAD, Buffer.from(JSON.stringify(old)));
    const next = await send(fabric, 2);
    const written = JSON.parse((next.writes.get(HEAD) as Buffer).toString('utf8'));
    expect(written.chain.prevTxId).toBe('');
    expect(written.chain.root).toBe(
      extendChain(
        CHAIN_START,
        [...next.writes.entries()]
          .filter(([k, v]) => k.startsWith('\u0000!reading') && v !== null)
          .map(([key, v]) => ({ key, value: v as Buffer })),
      ),
    );
    expect(formatInstant(parseInstant(written.intervalStart)!)).toBe(at(2));
  });
});
