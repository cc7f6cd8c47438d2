import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { MarketScheduler, schedulerFor } from '../src/market-scheduler';
import { MarketTx } from '../src/routes/market';
import { CapturingLogger, FakeLedger, user } from './support/fakes';

/** A ledger whose intervals move closed → cleared → settling → settled (PAGES settlement pages), refusing any step done before. */
const PAGES = 3;
function marketLedger(now: () => number, metered: () => boolean, failPage?: { page: number; times: number }) {
  const ledger = new FakeLedger();
  const state = new Map<string, string>();
  const pagesDone = new Map<string, number>();
  const done: string[] = [];
  const refuse = (code: string) => {
    throw Object.assign(new Error(encodeErrorEnvelope(new GridLedgerError(code as never, 'no'))), { code: 2 });
  };
  ledger.evaluateHandler = (fn, args) => {
    if (fn === MarketTx.getParams) return { params: { intervalSeconds: 60, gateClosureSeconds: 10 } };
    if (fn === MarketTx.listDue) return [...state].filter(([, s]) => s === args[1]).map(([k]) => k).sort();
    if (fn === MarketTx.getInterval) return { status: state.get(args[1]), settlement: pagesDone.has(args[1]) ? { pageCount: PAGES, pagesDone: pagesDone.get(args[1]) } : undefined };
    throw new Error(fn);
  };
  ledger.submitHandler = (fn, args) => {
    const [, start] = args;
    const s = state.get(start);
    if (fn === MarketTx.closeInterval) {
      if (s !== undefined) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      if (Date.parse(start) - 10_000 > now()) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      state.set(start, 'closed');
    } else if (fn === MarketTx.clearInterval) {
      if (s !== 'closed') refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      state.set(start, 'cleared');
    } else if (fn === MarketTx.settleInterval) {
      const next = pagesDone.get(start) ?? 0;
      if ((s !== 'cleared' && s !== 'settling') || args[2] !== String(next)) refuse(ErrorCodes.INTERVAL_STATE_CONFLICT);
      if (!metered()) refuse(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
      if (failPage?.page === next && failPage.times-- > 0) throw Object.assign(new Error('deadline exceeded'), { code: 4 });
      pagesDone.set(start, next + 1);
      state.set(start, next + 1 === PAGES ? 'settled' : 'settling');
      done.push(`${fn.split(':')[1]} ${start} page ${next}`);
      return {};
    }
    done.push(`${fn.split(':')[1]} ${start}`);
    return {};
  };
  return { ledger, state, done };
}

describe('market scheduler', () => {
  it('closes, clears and settles each interval once, across ticks and restarts, waiting for readings', async () => {
    let t = Date.parse('2026-11-23T10:00:55Z');
    let readings = false;
    const { ledger, done } = marketLedger(() => t, () => readings);
    const make = () => new MarketScheduler({ ledger, operator: user('op-1', 'operator'), communities: ['sunny'], log: new CapturingLogger(), now: () => t, lookbackIntervals: 1 });
    // 10:00:55: the gate of 10:01 (closes at 10:00:50) has passed; 10:00 has too.
    await make().tick();
    expect(done).toEqual(['closeInterval 2026-11-23T10:00:00Z', 'closeInterval 2026-11-23T10:01:00Z', 'clearInterval 2026-11-23T10:00:00Z', 'clearInterval 2026-11-23T10:01:00Z']);
    // 10:01:30: 10:00 was delivered, but its readings are missing: settlement waits.
    t = Date.parse('2026-11-23T10:01:30Z');
    const outcomes = await make().tick();
    expect(outcomes.find((o) => o.step === 'settle')).toMatchObject({ outcome: 'skipped', code: ErrorCodes.SETTLEMENT_METERING_INCOMPLETE });
    readings = true;
    // A restarted scheduler (a new instance) repeats nothing that was done.
    await make().tick();
    t = Date.parse('2026-11-23T10:02:05Z');
    await make().tick();
    const counts = new Map<string, number>();
    for (const d of done) counts.set(d, (counts.get(d) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (let page = 0; page < PAGES; page++) {
      expect(done).toContain(`settleInterval 2026-11-23T10:00:00Z page ${page}`);
      expect(done).toContain(`settleInterval 2026-11-23T10:01:00Z page ${page}`);
    }
    expect(done.filter((d) => d.startsWith('close'))).toHaveLength(3);
  });

  it('settles page after page; after a page that failed (or a restart) it goes on with the next page, never one done before', async () => {
    const t = Date.parse('2026-11-23T10:01:30Z');
    const { ledger, done, state } = marketLedger(() => t, () => true, { page: 1, times: 1 });
    state.set('2026-11-23T10:00:00Z', 'cleared');
    const make = () => new MarketScheduler({ ledger, operator: user('op-1', 'operator'), communities: ['sunny'], log: new CapturingLogger(), now: () => t, lookbackIntervals: 0 });
    const first = await make().tick();
    expect(first.filter((o) => o.step === 'settle').map((o) => o.outcome)).toEqual(['done', 'failed']);
    expect(state.get('2026-11-23T10:00:00Z')).toBe('settling');
    // Two schedulers at once (one of them restarted): the pages left are done once each.
    await Promise.all([make().tick(), make().tick()]);
    expect(state.get('2026-11-23T10:00:00Z')).toBe('settled');
    expect(done.filter((d) => d.startsWith('settleInterval'))).toEqual([0, 1, 2].map((p) => `settleInterval 2026-11-23T10:00:00Z page ${p}`));
  });

  it('runs only in the Community gateway, as its operator, unless switched off', () => {
    const profile = { mqtt: { communityId: 'demo' }, orgs: { community: { users: { 'community-operator': user('community-operator', 'operator') } }, utility: { users: {} } } };
    const ledger = new FakeLedger();
    const log = new CapturingLogger();
    expect(schedulerFor(profile, 'utility', ledger, log, {})).toBeUndefined();
    expect(schedulerFor(profile, 'community', ledger, log, { GRIDLEDGER_MARKET_SCHEDULER: 'off' })).toBeUndefined();
    expect(schedulerFor(profile, 'community', ledger, log, {})).toBeInstanceOf(MarketScheduler);
  });
});
