import { Harness, startHarness } from './support/fakes';

let h: Harness;
const record = (hour: string) => ({ hour, count: 0, pages: 0, root: '00'.repeat(32), lastKey: '', lastTxId: 'tx', done: true });
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('the readings archive routes', () => {
  it('archive an hour page after page until the record says done, and answer the last page', async () => {
    let count = 0;
    h.ledger.submitHandler = (fn, args) => {
      expect(fn).toBe('metering:archiveReadingHour');
      const { hour, pageSize } = JSON.parse(args[0]!) as { hour: string; pageSize: number };
      const n = Math.min(pageSize, 2500 - count);
      count += n;
      return { ...record(hour), count, done: n < pageSize };
    };
    const res = await h.fetch('/api/v1/reading-hours/2026-11-21T10/archive', { method: 'POST', key: h.key.operator });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ hour: '2026-11-21T10', count: 2500, done: true, txId: expect.any(String) });
    expect(h.ledger.calls.map((c) => JSON.parse(c.args[0]!))).toEqual(Array(3).fill({ hour: '2026-11-21T10', pageSize: 1000 }));
  });

  it('refuse a malformed hour before the ledger, and a household reading a record', async () => {
    expect((await h.fetch('/api/v1/reading-hours/2026-11-21/archive', { method: 'POST', key: h.key.operator })).status).toBe(400);
    expect((await h.fetch('/api/v1/reading-hours/2026-11-21T10/archive', { key: h.key.alice })).status).toBe(403);
    expect(h.ledger.calls).toEqual([]);
    h.ledger.evaluateHandler = (fn, args) => (fn === 'metering:getReadingHourArchive' ? record(args[0]!) : undefined);
    const read = await h.fetch('/api/v1/reading-hours/2026-11-21T10/archive', { key: h.key.operator });
    expect(await read.json()).toEqual(record('2026-11-21T10'));
  });
});
