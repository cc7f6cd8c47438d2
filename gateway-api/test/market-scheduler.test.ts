import { catalogue } from '@gridledger/core/catalogue';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { MarketScheduler, schedulerFor } from '../src/market-scheduler';
import { CapturingLogger, FakeLedger, user } from './support/fakes';

const { contracts, energy, market, metering } = catalogue;

/**
 * A ledger whose intervals move closed → clearing → cleared (CLEAR_PAGES clearing pages) →
 * settling → settled (PAGES settlement pages),
 * refusing any step done before; metering windows of 30 s with a late window of 20 s, and
 * settlement refused until both windows of a 60 s market interval are closed.
 */
const PAGES = 3;
const CLEAR_PAGES = 2;
function marketLedger(now: () => number, failPage?: { page: number; times: number }) {
  const ledger = new FakeLedger();
  const state = new Map<string, string>();
  const pagesDone = new Map<string, number>();
  const clearPagesDone = new Map<string, number>();
  const windows = new Set<string>();
  const contractsSettled = new Set<string>();
  const done: string[] = [];
  const refuse = (code: string) => {
    throw Object.assign(new Error(encodeErrorEnvelope(new GridLedgerError(code as never, 'no'))), { code: 2 });
  };
  ledger.evaluateHandler = (fn, args) => {
    if (fn === market.getParams.fn) return { params: { intervalSeconds: 60, gateClosureSeconds: 10 } };
    if (fn === market.listDue.fn)
      return [...state]
        .filter(([, s]) => s === args[1])
        .map(([k]) => k)
        .sort();
    if (fn === metering.getParams.fn) return { intervalSeconds: 30, lateWindowSeconds: 20 };
    // The windows are those of the market's community.
    if (fn === energy.getWindow.fn)
      return args[0] === 'sunny' && windows.has(args[1])
        ? { communityId: args[0], intervalStart: args[1] }
        : { communityId: args[0], intervalStart: args[1], closed: false };
    if (fn === market.getInterval.fn) {
      const progress = (done: Map<string, number>, pageCount: number) =>
        done.has(args[1]) ? { pageCount, pagesDone: done.get(args[1]) } : undefined;
      return { status: state.get(args[1]), clearing: progress(clearPagesDone, CLEAR_PAGES), settlement: progress(pagesDone, PAGES) };
    }
    throw new Error(fn);
  };
  ledger.submitHandler = (fn, args) => {
    const [, start] = args;
    const s = state.get(start);
    if (fn === energy.closeWindow.fn) {
      const [communityId, intervalStart] = args;
      if (communityId !== 'sunny') throw new Error(`a window of community ${communityId}`);
      if (Date.parse(intervalStart) + 30_000 > now()) refuse(ErrorCodes.WINDOW_STATE_INVALID);
      windows.add(intervalStart);
      done.push(`closeWindow ${intervalStart}`);
      return { window: { communityId, intervalStart }, positions: [] };
    }
    if (fn === contracts.settleContracts.fn) {
      if (contractsSettled.has(start)) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      if (!windows.has(start)) refuse(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
      contractsSettled.add(start);
    } else if (fn === market.closeInterval.fn) {
      if (s !== undefined) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      if (Date.parse(start) - 10_000 > now()) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      state.set(start, 'closed');
    } else if (fn === market.clearInterval.fn) {
      const next = clearPagesDone.get(start) ?? 0;
      if ((s !== 'closed' && s !== 'clearing') || args[2] !== String(next)) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      clearPagesDone.set(start, next + 1);
      state.set(start, next + 1 === CLEAR_PAGES ? 'cleared' : 'clearing');
      done.push(`clearInterval ${start} page ${next}`);
      return {};
    } else if (fn === market.settleInterval.fn) {
      const next = pagesDone.get(start) ?? 0;
      if ((s !== 'cleared' && s !== 'settling') || args[2] !== String(next)) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      if (
        !contractsSettled.has(start) ||
        !windows.has(start) ||
        !windows.has(new Date(Date.parse(start) + 30_000).toISOString().replace('.000', ''))
      )
        refuse(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
      if (failPage?.page === next && failPage.times-- > 0) throw Object.assign(new Error('deadline exceeded'), { code: 4 });
      pagesDone.set(start, next + 1);
      state.set(start, next + 1 === PAGES ? 'settled' : 'settling');
      done.push(`${fn.split(':')[1]} ${start} page ${next}`);
      return {};
    }
    done.push(`${fn.split(':')[1]} ${start}`);
    return {};
  };
  return { ledger, state, done, windows, clearPagesDone };
}

describe('market scheduler', () => {
  it(
    'closes, clears and settles each interval once, across ticks and restarts, closing its metering windows after their late window ' +
      'first',
    async () => {
      let t = Date.parse('2026-11-23T10:00:55Z');
      const { ledger, done, windows } = marketLedger(() => t);
      const make = () =>
        new MarketScheduler({
          ledger,
          operator: user('op-1', 'operator'),
          communities: ['sunny'],
          log: new CapturingLogger(),
          now: () => t,
          lookbackIntervals: 1,
        });
      // 10:00:55: the gate of 10:01 (closes at 10:00:50) has passed; 10:00 has too.
      await make().tick();
      // Each clearing page after page.
      expect(done).toEqual([
        'closeInterval 2026-11-23T10:00:00Z',
        'closeInterval 2026-11-23T10:01:00Z',
        'clearInterval 2026-11-23T10:00:00Z page 0',
        'clearInterval 2026-11-23T10:00:00Z page 1',
        'clearInterval 2026-11-23T10:01:00Z page 0',
        'clearInterval 2026-11-23T10:01:00Z page 1',
      ]);
      // 10:01:10: 10:00 was delivered; its first window's late window has passed (10:00:50), its second's not (10:01:20).
      t = Date.parse('2026-11-23T10:01:10Z');
      const outcomes = await make().tick();
      expect(outcomes.filter((o) => o.step !== 'close').map((o) => [o.step, o.intervalStart, o.outcome])).toEqual([
        ['close-window', '2026-11-23T10:00:00Z', 'done'],
      ]);
      expect([...windows]).toEqual(['2026-11-23T10:00:00Z']);
      // A contract settlement the ledger did not answer holds the spot settlement back until the next tick.
      const slow = new MarketScheduler({
        ledger: Object.assign(Object.create(ledger), {
          submit: (u: never, fn: string, args: string[]) =>
            fn === contracts.settleContracts.fn ? Promise.reject(new Error('deadline exceeded')) : ledger.submit(u, fn, args),
        }),
        operator: user('op-1', 'operator'),
        communities: ['sunny'],
        log: new CapturingLogger(),
        now: () => t,
        lookbackIntervals: 1,
      });
      windows.add('2026-11-23T10:00:30Z');
      t = Date.parse('2026-11-23T10:01:30Z');
      expect((await slow.tick()).filter((o) => o.step.startsWith('settle')).map((o) => [o.step, o.outcome])).toEqual([
        ['settle-contracts', 'failed'],
      ]);
      windows.delete('2026-11-23T10:00:30Z');
      // A window closed meanwhile by someone else is not closed again.
      windows.add('2026-11-23T10:00:30Z');
      t = Date.parse('2026-11-23T10:01:30Z');
      await make().tick();
      // The interval's contracts are settled before its spot market.
      expect(done.indexOf('settleContracts 2026-11-23T10:00:00Z')).toBeLessThan(done.indexOf('settleInterval 2026-11-23T10:00:00Z page 0'));
      for (let page = 0; page < PAGES; page++) expect(done).toContain(`settleInterval 2026-11-23T10:00:00Z page ${page}`);
      expect(done).not.toContain('closeWindow 2026-11-23T10:00:30Z');
      // A restarted scheduler (a new instance) repeats nothing that was done.
      await make().tick();
      t = Date.parse('2026-11-23T10:02:05Z');
      await make().tick();
      t = Date.parse('2026-11-23T10:02:25Z');
      await make().tick();
      const counts = new Map<string, number>();
      for (const d of done) counts.set(d, (counts.get(d) ?? 0) + 1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      for (let page = 0; page < PAGES; page++) expect(done).toContain(`settleInterval 2026-11-23T10:01:00Z page ${page}`);
      expect(done.filter((d) => d.startsWith('closeWindow'))).toEqual([
        'closeWindow 2026-11-23T10:00:00Z',
        'closeWindow 2026-11-23T10:01:00Z',
        'closeWindow 2026-11-23T10:01:30Z',
      ]);
      expect(done.filter((d) => d.startsWith('closeInterval'))).toHaveLength(3);
    },
  );

  it('settles page after page; after a page that failed (or a restart) it goes on with the next page, never one done before', async () => {
    const t = Date.parse('2026-11-23T10:01:30Z');
    const { ledger, done, state } = marketLedger(() => t, { page: 1, times: 1 });
    state.set('2026-11-23T10:00:00Z', 'cleared');
    const make = () =>
      new MarketScheduler({
        ledger,
        operator: user('op-1', 'operator'),
        communities: ['sunny'],
        log: new CapturingLogger(),
        now: () => t,
        lookbackIntervals: 0,
      });
    const first = await make().tick();
    expect(first.filter((o) => o.step === 'settle').map((o) => o.outcome)).toEqual(['done', 'failed']);
    expect(state.get('2026-11-23T10:00:00Z')).toBe('settling');
    // Two schedulers at once (one of them restarted): the pages left are done once each.
    await Promise.all([make().tick(), make().tick()]);
    expect(state.get('2026-11-23T10:00:00Z')).toBe('settled');
    expect(done.filter((d) => d.startsWith('settleInterval'))).toEqual(
      [0, 1, 2].map((p) => `settleInterval 2026-11-23T10:00:00Z page ${p}`),
    );
  });

  it('resumes a clearing left half done (a restart between its pages) with its next page', async () => {
    const t = Date.parse('2026-11-23T10:00:55Z');
    const { ledger, done, state, clearPagesDone } = marketLedger(() => t);
    state.set('2026-11-23T10:00:00Z', 'clearing');
    clearPagesDone.set('2026-11-23T10:00:00Z', 1);
    await Promise.all(
      [0, 1].map(() =>
        new MarketScheduler({
          ledger,
          operator: user('op-1', 'operator'),
          communities: ['sunny'],
          log: new CapturingLogger(),
          now: () => t,
          lookbackIntervals: 0,
        }).tick(),
      ),
    );
    expect(state.get('2026-11-23T10:00:00Z')).toBe('cleared');
    expect(done.filter((d) => d.startsWith('clearInterval 2026-11-23T10:00:00Z'))).toEqual(['clearInterval 2026-11-23T10:00:00Z page 1']);
  });

  it('runs only in the Community gateway, as its operator, unless switched off', () => {
    const profile = {
      mqtt: { communityId: 'demo' },
      orgs: { community: { users: { 'community-operator': user('community-operator', 'operator') } }, utility: { users: {} } },
    };
    const ledger = new FakeLedger();
    const log = new CapturingLogger();
    expect(schedulerFor(profile, 'utility', ledger, log, {})).toBeUndefined();
    expect(schedulerFor(profile, 'community', ledger, log, { GRIDLEDGER_MARKET_SCHEDULER: 'off' })).toBeUndefined();
    expect(schedulerFor(profile, 'community', ledger, log, {})).toBeInstanceOf(MarketScheduler);
  });
});
