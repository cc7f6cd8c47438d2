import { archiveLeaf, chainRoot, ErrorCodes, formatInstant, merkleRoot, parseInstant } from '@gridledger/core';
import { MeteringContract } from '../src/metering';
import { EnergyContract } from '../src/energy/energy';
import { FakeFabric, identity, meterKeys, registerHomeMeter, readingsOf, SEED, signReading, submitVia, withTransient } from './fake-fabric';

const metering = new MeteringContract();
const energy = new EnergyContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const keys = meterKeys();
const DAY = parseInstant('2026-11-21T00:00:00Z')!;
const readings = readingsOf(
  'm1',
  DAY,
  Array.from({ length: 8 }, (_, k) => ({ importWh: 10 + k, exportWh: k })),
).map((r) => signReading(r, keys.privateKey));

async function ledgerWithReadings(): Promise<FakeFabric> {
  const fabric = new FakeFabric();
  fabric.now = DAY - 86_400;
  await registerHomeMeter(fabric, operator, keys);
  fabric.now = DAY + 8 * 900 + 60;
  const out = await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify(readings)), true);
  expect(out.result.results.every((r: { status: string }) => r.status === 'accepted')).toBe(true);
  return fabric;
}

const archive = (fabric: FakeFabric, request: unknown, who = operator) =>
  fabric.run(who, (ctx) => metering.archiveReadingHour(ctx, JSON.stringify(request)));
const hourKeys = (fabric: FakeFabric, hour: string) => Object.keys(fabric.dump((k) => k.startsWith(`\u0000!reading\u0000${hour}`)));

describe('metering: archiveReadingHour', () => {
  it('refuses an hour before every horizon has passed, and callers other than an operator', async () => {
    const fabric = await ledgerWithReadings();
    const early = await archive(fabric, { hour: '2026-11-21T00' });
    expect(early.error?.code).toBe(ErrorCodes.ARCHIVE_NOT_DUE);
    fabric.now = DAY + 91 * 86_400;
    expect((await archive(fabric, { hour: '2026-11-21T00' }, bridge)).ok).toBe(false);
    expect((await archive(fabric, { hour: '2026-11-21 00' })).error?.code).toBe(ErrorCodes.ARCHIVE_NOT_DUE);
  });

  it('deletes the hour page by page, keeps count and a root that proves every record, and is idempotent', async () => {
    const fabric = await ledgerWithReadings();
    const before = fabric.dump((k) => k.startsWith('\u0000!reading\u00002026-11-21T00'));
    const leaves = Object.keys(before)
      .sort()
      .map((k) => archiveLeaf(k, Buffer.from(JSON.stringify(before[k]))));
    expect(leaves).toHaveLength(4);
    fabric.now = DAY + 91 * 86_400;
    const first = await archive(fabric, { hour: '2026-11-21T00', pageSize: 3 });
    expect(first.result).toMatchObject({ count: 3, pages: 1, done: false });
    const second = await archive(fabric, { hour: '2026-11-21T00', pageSize: 3 });
    expect(second.result).toMatchObject({ count: 4, pages: 2, done: true, lastTxId: second.txId });
    const root = chainRoot(chainRoot(Buffer.alloc(32), merkleRoot(leaves.slice(0, 3))), merkleRoot(leaves.slice(3)));
    expect(second.result.root).toBe(root.toString('hex'));
    expect(second.events[0]).toMatchObject({ name: 'ReadingHourArchived', payload: { page: 2, prevTxId: first.txId } });
    expect(hourKeys(fabric, '2026-11-21T00')).toEqual([]);
    expect(hourKeys(fabric, '2026-11-21T01')).toHaveLength(4); // the next hour is untouched
    const again = await archive(fabric, { hour: '2026-11-21T00', pageSize: 3 });
    expect(again.result).toEqual(second.result);
    expect(again.writes.size).toBe(0);
  });

  it('refuses a resend of an archived reading as archived, not as a new reading, and says so on reads and disputes', async () => {
    const fabric = await ledgerWithReadings();
    fabric.now = DAY + 91 * 86_400;
    await archive(fabric, { hour: '2026-11-21T00', pageSize: 100 });
    const resend = await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([readings[5], readings[1]])), true);
    expect(resend.result.results).toMatchObject([
      { index: 0, status: 'duplicate' }, // its hour is not archived: recognised as ever
      { index: 1, status: 'rejected', code: ErrorCodes.READING_ARCHIVED },
    ]);
    expect([...resend.writes.keys()].filter((k) => k.includes('!reading'))).toEqual([]);
    const read = await fabric.evaluate(operator, (ctx) => metering.getReading(ctx, 'm1', readings[1]!.intervalStart));
    expect(read.error).toMatchObject({ code: ErrorCodes.READING_ARCHIVED, details: { hour: '2026-11-21T00', count: 4 } });
  });

  it('lists the archived hours of a range besides its live readings, when asked', async () => {
    const fabric = await ledgerWithReadings();
    fabric.now = DAY + 91 * 86_400;
    const done = (await archive(fabric, { hour: '2026-11-21T00', pageSize: 100 })).result;
    const query = { meterId: 'm1', from: readings[0]!.intervalStart, to: readings[7]!.intervalStart };
    const list = (q: object) => fabric.evaluate(operator, (ctx) => metering.listReadings(ctx, JSON.stringify(q)));
    expect(((await list(query)).result as { intervalStart: string }[]).map((r) => r.intervalStart)).toEqual(
      readings.slice(4).map((r) => r.intervalStart),
    );
    const both = (await list({ ...query, archived: true })).result;
    expect(both.readings).toHaveLength(4);
    expect(both.archivedHours).toEqual([{ hour: '2026-11-21T00', count: 4, root: done.root, lastTxId: done.lastTxId, done: true }]);
    expect((await list({ ...query, archived: 'yes' })).error?.code).toBe(ErrorCodes.REQUEST_INVALID);
  });
});

describe('a meter silent for longer than the archive horizon', () => {
  // The meter's 8 readings (two hours) are archived; its head (a copy of the last) stays.
  const LATER = DAY + 91 * 86_400;
  const resumed = (k: number, seq: number) =>
    signReading(
      {
        meterId: 'm1',
        intervalStart: formatInstant(LATER + k * 900),
        seq,
        importWh: 5,
        exportWh: 0,
        importRegisterWh: readings[7]!.importRegisterWh + 5 * (seq - 8),
        exportRegisterWh: readings[7]!.exportRegisterWh,
      },
      keys.privateKey,
    );
  async function silentMeter(): Promise<FakeFabric> {
    const fabric = await ledgerWithReadings();
    fabric.now = LATER;
    for (const hour of ['2026-11-21T00', '2026-11-21T01']) expect((await archive(fabric, { hour, pageSize: 100 })).ok).toBe(true);
    expect(hourKeys(fabric, '2026-11-21T01')).toEqual([]);
    return fabric;
  }
  const send = async (fabric: FakeFabric, batch: unknown[]) =>
    (await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify(batch)), true)).result.results;
  const stored = (fabric: FakeFabric, start: string) =>
    Object.values(fabric.dump((k) => k === `\u0000!reading\u0000${start.slice(0, 13)}\u0000m1\u0000${start}\u0000`))[0] as
      { prevIntervalStart: string | null } | undefined;

  it('sends a new reading: accepted against its head, the chain continues to the archived one', async () => {
    const fabric = await silentMeter();
    fabric.now = LATER + 3 * 900 + 60;
    expect(await send(fabric, [resumed(2, 20)])).toMatchObject([{ status: 'accepted' }]);
    expect(stored(fabric, formatInstant(LATER + 2 * 900))?.prevIntervalStart).toBe(readings[7]!.intervalStart);
    // A late reading below the new one: the walk from the head stops at the archived link instead of failing.
    expect(await send(fabric, [resumed(1, 19), resumed(2, 20)])).toMatchObject([{ status: 'accepted' }, { status: 'duplicate' }]);
    expect(stored(fabric, formatInstant(LATER + 900))?.prevIntervalStart).toBe(readings[7]!.intervalStart);
    expect(stored(fabric, formatInstant(LATER + 2 * 900))?.prevIntervalStart).toBe(formatInstant(LATER + 900));
    // Still judged against the next one: a seq above it is refused.
    expect(await send(fabric, [resumed(0, 21)])).toMatchObject([{ status: 'rejected', code: ErrorCodes.READING_SEQ_NOT_INCREASING }]);
  });

  it('counts at window close: its reading, and an estimate for the interval it missed', async () => {
    const fabric = await silentMeter();
    fabric.now = LATER + 3 * 900 + 60;
    expect(await send(fabric, [resumed(2, 20)])).toMatchObject([{ status: 'accepted' }]);
    for (const k of [1, 2]) {
      const closed = await fabric.run(operator, (ctx) =>
        energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(LATER + k * 900)),
      );
      expect(closed.error).toBeUndefined();
      expect(closed.result.window).toMatchObject({ meters: 1, estimated: k === 1 ? 1 : 0 });
    }
  });

  it('corrects the estimate within the correction window only', async () => {
    const fabric = await silentMeter();
    fabric.now = LATER + 3 * 900 + 60;
    expect(await send(fabric, [resumed(2, 20)])).toMatchObject([{ status: 'accepted' }]);
    expect((await fabric.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(LATER + 900)))).ok).toBe(
      true,
    );
    const end = LATER + 2 * 900;
    fabric.now = end + 30 * 86_400 + 1;
    expect(await send(fabric, [resumed(1, 19)])).toMatchObject([{ status: 'rejected', code: ErrorCodes.READING_TOO_LATE }]);
    fabric.now = end + 30 * 86_400;
    expect(await send(fabric, [resumed(1, 19)])).toMatchObject([{ status: 'accepted' }]);
    expect(stored(fabric, formatInstant(LATER + 900))).toMatchObject({
      correctsEstimate: true,
      prevIntervalStart: readings[7]!.intervalStart,
    });
  });
});

describe('the dispute period', () => {
  it('refuses a dispute once disputeWindowSeconds have passed since the interval ended', async () => {
    const fabric = await ledgerWithReadings();
    const dispute = () =>
      fabric.run(operator, (ctx) =>
        energy.disputeReading(ctx, JSON.stringify({ meterId: 'm1', intervalStart: readings[1]!.intervalStart, reason: 'x' })),
      );
    const end = parseInstant(readings[1]!.intervalStart)! + 900;
    fabric.now = end + 30 * 86_400 + 1;
    const late = await dispute();
    expect(late.error).toMatchObject({ code: ErrorCodes.DISPUTE_WINDOW_CLOSED, details: { closedAt: formatInstant(end + 30 * 86_400) } });
    fabric.now = end + 30 * 86_400;
    expect((await dispute()).ok).toBe(true);
  });
});
