import { catalogue } from '@gridledger/core/catalogue';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { ArchiveScheduler, archiveSchedulerFor, dueHours } from '../src/archive-scheduler';
import { CapturingLogger, FakeLedger, user } from './support/fakes';

const { metering } = catalogue;
const NOW = Date.parse('2026-11-21T12:30:00Z');
const DAY = 86_400;
const params = { lateWindowSeconds: 2 * DAY, archiveAfterSeconds: 3 * DAY };

describe("dueHours (the archive scheduler's pure part)", () => {
  it('takes the hours of the lookback up to the newest whose horizons have passed, oldest first', () => {
    // 12:30 less 3 days less the hour itself: the hour 2026-11-18T11 is the newest due.
    expect(dueHours(NOW / 1000, params, 3, undefined)).toEqual(['2026-11-18T09', '2026-11-18T10', '2026-11-18T11']);
    expect(dueHours(NOW / 1000, { ...params, lateWindowSeconds: 4 * DAY }, 1, undefined)).toEqual(['2026-11-17T11']);
  });
  it('starts after the newest hour seen finished, and takes at most max', () => {
    expect(dueHours(NOW / 1000, params, 48, '2026-11-18T09')).toEqual(['2026-11-18T10', '2026-11-18T11']);
    expect(dueHours(NOW / 1000, params, 48, '2026-11-18T11')).toEqual([]);
    expect(dueHours(NOW / 1000, params, 48, undefined, 2)).toEqual(['2026-11-16T12', '2026-11-16T13']);
  });
});

describe('the archive scheduler', () => {
  /** A ledger whose hours hold `readings` records each, archived `pageSize` at a time; 2026-11-18T10 is archived already. */
  function archiveLedger(readings: number) {
    const ledger = new FakeLedger();
    const left = new Map<string, number>();
    const records = new Map<string, { hour: string; count: number; done: boolean }>([
      ['2026-11-18T10', { hour: '2026-11-18T10', count: readings, done: true }],
    ]);
    ledger.evaluateHandler = (fn, args) => {
      if (fn === metering.getParams.fn) return params;
      if (fn !== metering.getReadingHourArchive.fn) throw new Error(fn);
      const record = records.get(args[0]!);
      if (record === undefined) throw new Error(encodeErrorEnvelope(new GridLedgerError(ErrorCodes.READING_NOT_FOUND, 'none')));
      return record;
    };
    ledger.submitHandler = (fn, args) => {
      if (fn !== metering.archiveReadingHour.fn) throw new Error(fn);
      const { hour, pageSize } = JSON.parse(args[0]!) as { hour: string; pageSize: number };
      const before = records.get(hour) ?? { hour, count: 0, done: false };
      const n = Math.min(pageSize, left.get(hour) ?? readings);
      left.set(hour, (left.get(hour) ?? readings) - n);
      const after = { hour, count: before.count + n, done: n < pageSize };
      records.set(hour, after);
      return after;
    };
    return { ledger, records };
  }

  it('archives the due hours not finished, page after page, and goes on after the last one next time', async () => {
    const { ledger, records } = archiveLedger(2500);
    const log = new CapturingLogger();
    const s = new ArchiveScheduler({ ledger, operator: user('op', 'operator'), log, lookbackHours: 3, now: () => NOW });
    const first = await s.tick();
    expect(first).toEqual({ finished: ['2026-11-18T09', '2026-11-18T10', '2026-11-18T11'], archived: 5000, failed: 0 });
    expect(records.get('2026-11-18T09')).toEqual({ hour: '2026-11-18T09', count: 2500, done: true });
    // Three pages of 1,000 for each hour archived; none for the one found finished.
    expect(ledger.calls.filter((c) => c.kind === 'submit').map((c) => JSON.parse(c.args[0]!).hour)).toEqual([
      ...Array(3).fill('2026-11-18T09'),
      ...Array(3).fill('2026-11-18T11'),
    ]);
    ledger.calls.length = 0;
    expect(await s.tick()).toEqual({ finished: [], archived: 0, failed: 0 });
    expect(ledger.calls.map((c) => c.fn)).toEqual([metering.getParams.fn]);
  });

  it('runs in the Community gateway only, and only when switched on', () => {
    const profile = { orgs: { community: { users: { op: user('op', 'operator') } }, utility: { users: { op: user('u', 'operator') } } } };
    const ledger = new FakeLedger();
    const log = new CapturingLogger();
    expect(archiveSchedulerFor(profile, 'community', { ledger, log }, {})).toBeUndefined();
    expect(archiveSchedulerFor(profile, 'utility', { ledger, log }, { GRIDLEDGER_ARCHIVE_SCHEDULER: 'on' })).toBeUndefined();
    expect(archiveSchedulerFor(profile, 'community', { ledger, log }, { GRIDLEDGER_ARCHIVE_SCHEDULER: 'on' })).toBeInstanceOf(
      ArchiveScheduler,
    );
  });
});
