import { catalogue } from '@gridledger/core/catalogue';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { DatabaseSync } from 'node:sqlite';
import { EventCheckpoints } from '../src/event-follower';
import { BASELINE_LISTENER, BaselineScheduler, baselineSchedulerFor, type BaselineSchedulerOptions } from '../src/flex-baseline-scheduler';
import { CapturingLogger, FakeLedger, user } from './support/fakes';

const { flex } = catalogue;
const at = (iso: string) => Date.parse(iso);

/** Two events of community `sunny` and one of `cloudy` on the ledger's stream; fixBaseline as the chaincode does it. */
function flexLedger() {
  const ledger = new FakeLedger();
  const event = (eventId: string, communityId: string, optInDeadline: string, start: string) => ({
    eventId,
    communityId,
    optInDeadline,
    start,
    end: '2026-12-06T19:00:00Z',
  });
  const events = [
    event('ev-a', 'sunny', '2026-12-06T16:00:00Z', '2026-12-06T17:00:00Z'),
    event('ev-b', 'sunny', '2026-12-06T16:30:00Z', '2026-12-06T17:30:00Z'),
    event('ev-c', 'cloudy', '2026-12-06T16:00:00Z', '2026-12-06T17:00:00Z'),
  ];
  ledger.events = events.map((e, k) => ({
    blockNumber: BigInt(k + 1),
    txId: `tx-${k}`,
    name: 'FlexEventCalled',
    payload: Buffer.from(JSON.stringify(e)),
  }));
  let now = at('2026-12-06T15:00:00Z');
  const fixed = new Map<string, number>();
  let refuseNext = false;
  ledger.evaluateHandler = (fn, args) => {
    if (fn !== flex.getEvent.fn) throw new Error(fn);
    return { eventId: args[0], optIns: [1, 2, 3].map((k) => ({ participantId: `home-${k}`, optedIn: k !== 2 })) };
  };
  ledger.submitHandler = (fn, [eventId, participantId]) => {
    if (fn !== flex.fixBaseline.fn) throw new Error(fn);
    const e = events.find((x) => x.eventId === eventId)!;
    if (refuseNext || now <= at(e.optInDeadline)) {
      refuseNext = false;
      throw new Error(encodeErrorEnvelope(new GridLedgerError(ErrorCodes.FLEX_STATE_INVALID, 'not past the deadline')));
    }
    const k = `${eventId} ${participantId}`;
    fixed.set(k, (fixed.get(k) ?? 0) + 1);
    return { eventId, participantId, baselineWh: [100] };
  };
  return { ledger, fixed, setNow: (iso: string) => (now = at(iso)), now: () => now, refuseNext: () => (refuseNext = true) };
}

/** A scheduler of community `sunny` on the harness's ledger and clock. */
const schedulerOf = (h: ReturnType<typeof flexLedger>, extra: Partial<BaselineSchedulerOptions> = {}) =>
  new BaselineScheduler({
    ledger: h.ledger,
    operator: user('op', 'operator'),
    communities: ['sunny'],
    log: new CapturingLogger(),
    now: h.now,
    ...extra,
  });

const until = async (ok: () => boolean) => {
  for (let k = 0; k < 100 && !ok(); k++) await new Promise((r) => setTimeout(r, 5));
};

describe('the baseline scheduler', () => {
  it('fixes the baselines of its communities’ events once their deadline has passed, then forgets them', async () => {
    const h = flexLedger();
    const log = new CapturingLogger();
    const s = new BaselineScheduler({
      ledger: h.ledger,
      operator: user('op', 'operator'),
      communities: ['sunny'],
      log,
      tickMs: 3_600_000,
      now: h.now,
    });
    s.start();
    try {
      await until(() => h.ledger.opened.length > 0);
      await new Promise((r) => setTimeout(r, 20));
      expect(await s.tick()).toEqual([]); // before every deadline: nothing submitted
      expect(h.ledger.calls.filter((c) => c.kind === 'submit')).toEqual([]);

      h.setNow('2026-12-06T16:00:01Z');
      h.refuseNext(); // the transaction's time not yet past the deadline: tried again next tick
      expect(await s.tick()).toEqual([]);
      expect(log.lines.filter((l) => l.level === 'warn').map((l) => [l.eventId, l.code])).toEqual([
        ['ev-a', ErrorCodes.FLEX_STATE_INVALID],
      ]);
      expect(await s.tick()).toEqual([{ eventId: 'ev-a', baselines: 2 }]);
      expect([...h.fixed.keys()].sort()).toEqual(['ev-a home-1', 'ev-a home-3']);
      const submits = h.ledger.calls.filter((c) => c.kind === 'submit');
      expect(submits.every((c) => c.user === 'op' && c.options?.endorsingOrganizations?.length === 2)).toBe(true);
      expect(await s.tick()).toEqual([]); // forgotten once fixed; ev-b not due, ev-c another community's

      h.setNow('2026-12-06T17:31:00Z'); // ev-b started before anyone fixed it: dropped with a warning
      expect(await s.tick()).toEqual([]);
      expect(log.lines.some((l) => l.msg === 'baselines not fixed before the start' && l.eventId === 'ev-b')).toBe(true);
      expect([...h.fixed.keys()].some((k) => k.startsWith('ev-b') || k.startsWith('ev-c'))).toBe(false);
    } finally {
      await s.stop();
    }
  });

  it('is idempotent: a second scheduler (a restarted gateway) asks again and the ledger answers the fixed baselines', async () => {
    const h = flexLedger();
    h.setNow('2026-12-06T16:40:00Z');
    const make = () => schedulerOf(h);
    const [a, b] = [make(), make()];
    for (const e of h.ledger.events) {
      a.learn(JSON.parse(Buffer.from(e.payload).toString('utf8')));
      b.learn(JSON.parse(Buffer.from(e.payload).toString('utf8')));
    }
    const fixedA = await a.tick();
    const fixedB = await b.tick();
    expect(fixedA).toEqual([
      { eventId: 'ev-a', baselines: 2 },
      { eventId: 'ev-b', baselines: 2 },
    ]);
    expect(fixedB).toEqual(fixedA);
    expect(h.fixed.size).toBe(4);
  });

  it('after a restart resumes from its checkpoint and still fixes the events it learnt before', async () => {
    const h = flexLedger();
    const db = new DatabaseSync(':memory:');
    const make = () => schedulerOf(h, { tickMs: 3_600_000, db });
    const first = make();
    first.start();
    await until(() => new EventCheckpoints(db).load(BASELINE_LISTENER)?.blockNumber === 3n);
    await first.stop();

    const second = make(); // the restarted gateway: the same file
    second.start();
    try {
      await until(() => h.ledger.opened.length === 2);
      expect(h.ledger.opened).toEqual([0n, 3n]); // from its checkpoint, not from block 0
      h.setNow('2026-12-06T16:40:00Z');
      expect(await second.tick()).toEqual([
        { eventId: 'ev-a', baselines: 2 },
        { eventId: 'ev-b', baselines: 2 },
      ]);
      expect(await make().tick()).toEqual([]); // fixed events are forgotten in the file too
    } finally {
      await second.stop();
    }
  });

  it('runs in the Community gateway only, unless switched off', () => {
    const profile = {
      mqtt: { communityId: 'sunny' },
      orgs: { community: { users: { op: user('op', 'operator') } }, utility: { users: {} } },
    };
    const log = new CapturingLogger();
    expect(baselineSchedulerFor(profile, 'community', new FakeLedger(), log, {})).toBeInstanceOf(BaselineScheduler);
    expect(baselineSchedulerFor(profile, 'utility', new FakeLedger(), log, {})).toBeUndefined();
    expect(
      baselineSchedulerFor(profile, 'community', new FakeLedger(), log, { GRIDLEDGER_FLEX_BASELINE_SCHEDULER: 'off' }),
    ).toBeUndefined();
  });
});
