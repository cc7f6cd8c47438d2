import { catalogue } from '@gridledger/core/catalogue';
import { encodeErrorEnvelope, type ErrorCode, ErrorCodes, formatInstant, GridLedgerError } from '@gridledger/core/core';
import { CertificateScheduler, certificateSchedulerFor } from '../src/certificate-scheduler';
import { CapturingLogger, FakeLedger, user } from './support/fakes';

const { certificates, lists } = catalogue;
const NO_DISPUTES = { items: [], bookmark: '' };
const NOW = Date.parse('2026-11-21T12:30:00Z');
const hour = (back: number) => formatInstant(Math.floor(NOW / 3_600_000) * 3600 - back * 3600);

/**
 * A ledger of `assets` verified assets in community `sunny` whose hours 1..3 back are closed; hour 3
 * back is not settled yet for the first asset (CERTIFICATE_HOUR_OPEN). listIssuable pages meters
 * 50 assets at a time; issueBatch issues what is not issued, and refuses an asset-hour issued before.
 */
function certificateLedger(assets: number) {
  const ledger = new FakeLedger();
  const issued = new Set<string>();
  const ids = Array.from({ length: assets }, (_, k) => `pv-${String(k).padStart(3, '0')}`);
  const closed = [hour(3), hour(2), hour(1)];
  const batches: number[] = [];
  let conflicts = 0;
  ledger.evaluateHandler = (fn, args) => {
    if (fn === lists.listResolvedDisputes.fn) return NO_DISPUTES;
    if (fn !== certificates.listIssuable.fn) throw new Error(fn);
    const [communityId, fromHour, toHour, , bookmark] = args;
    expect([communityId, fromHour, toHour]).toEqual(['sunny', hour(48), hour(0)]);
    const first = bookmark === '' ? 0 : Number(bookmark);
    const page = ids.slice(first, first + 50);
    const items = page.flatMap((assetId) =>
      closed.filter((h) => !issued.has(`${assetId} ${h}`)).map((hourStart) => ({ assetId, hourStart })),
    );
    return { closedHours: closed, items, discharges: [], bookmark: first + 50 < ids.length ? String(first + 50) : '' };
  };
  ledger.submitHandler = (fn, args) => {
    if (fn !== certificates.issueBatch.fn) throw new Error(fn);
    if (conflicts > 0) {
      conflicts -= 1;
      throw Object.assign(new Error(encodeErrorEnvelope(new GridLedgerError(ErrorCodes.TRANSACTION_CONFLICT, 'mvcc'))), { code: 10 });
    }
    const { items } = JSON.parse(args[0]) as { items: { assetId: string; hourStart: string }[] };
    batches.push(items.length);
    return {
      items: items.map(({ assetId, hourStart }) => {
        const refused = (code: string) => ({ assetId, hourStart, status: 'refused', error: { code, message: code, details: {} } });
        if (issued.has(`${assetId} ${hourStart}`)) return refused(ErrorCodes.CERTIFICATE_HOUR_ISSUED);
        if (assetId === ids[0] && hourStart === hour(3)) return refused(ErrorCodes.CERTIFICATE_HOUR_OPEN);
        if (assetId === ids[1] && hourStart === hour(2)) return refused(ErrorCodes.CERTIFICATE_ASSET_NOT_RENEWABLE);
        issued.add(`${assetId} ${hourStart}`);
        return { assetId, hourStart, status: 'issued' };
      }),
    };
  };
  return { ledger, issued, batches, conflict: () => (conflicts += 1) };
}

const scheduler = (ledger: FakeLedger, log = new CapturingLogger()) =>
  new CertificateScheduler({ ledger, operator: user('op', 'operator'), communities: ['sunny'], log, lookbackHours: 48, now: () => NOW });

describe('the certificate scheduler', () => {
  it('issues the closed hours of every page of assets in batches of at most 100, and next time nothing more', async () => {
    const { ledger, issued, batches } = certificateLedger(120);
    const log = new CapturingLogger();
    expect(await scheduler(ledger, log).tick()).toEqual([
      { communityId: 'sunny', issued: 358, skipped: 1, failed: 1, daysRecorded: [], lowered: 0, discharged: 0 },
    ]);
    expect(batches).toEqual([100, 50, 100, 50, 60]);
    expect(issued.size).toBe(358);
    // The refusal that is not "not for now" is logged; the open hour is skipped quietly.
    expect(log.lines.filter((l) => l.level !== 'info').map((l) => [l.level, l.code, l.assetId])).toEqual([
      ['warn', ErrorCodes.CERTIFICATE_ASSET_NOT_RENEWABLE, 'pv-001'],
    ]);
    batches.length = 0;
    expect(await scheduler(ledger).tick()).toEqual([
      { communityId: 'sunny', issued: 0, skipped: 1, failed: 1, daysRecorded: [], lowered: 0, discharged: 0 },
    ]);
    expect(batches).toEqual([2]);
  });

  it('is safe with two schedulers: each asset-hour issued once, the race lost to the other skipped quietly', async () => {
    const { ledger, issued, conflict } = certificateLedger(40);
    const logs = [new CapturingLogger(), new CapturingLogger()];
    conflict();
    const [a, b] = await Promise.all(logs.map((log) => scheduler(ledger, log).tick()));
    expect(issued.size).toBe(118);
    expect(a[0].issued + b[0].issued).toBe(118);
    expect(logs.flatMap((l) => l.lines).filter((l) => l.level === 'error')).toEqual([]);
    expect(await scheduler(ledger).tick()).toEqual([
      { communityId: 'sunny', issued: 0, skipped: 1, failed: 1, daysRecorded: [], lowered: 0, discharged: 0 },
    ]);
  });

  it("records a whole day's matching once every hour of it is closed and nothing is left to issue, and only once", async () => {
    const ledger = new FakeLedger();
    const day = '2026-11-20T00:00:00Z';
    const dayHours = Array.from({ length: 24 }, (_, h) => formatInstant(Date.parse(day) / 1000 + h * 3600));
    // The day's last hour is closed but its market not settled at first (CERTIFICATE_HOUR_OPEN); hour 1 back is closed too.
    let settled = false;
    const recorded: string[] = [];
    ledger.evaluateHandler = (fn, args) => {
      if (fn === lists.listResolvedDisputes.fn) return NO_DISPUTES;
      if (fn === certificates.listIssuable.fn)
        return {
          closedHours: [...dayHours, hour(1)],
          items: settled ? [] : [{ assetId: 'pv-1', hourStart: dayHours[23] }],
          discharges: [],
          bookmark: '',
        };
      if (fn === certificates.getRecordedMatching.fn) {
        expect(args).toEqual(['sunny', day, '2026-11-21T00:00:00Z']);
        return { days: recorded.map((dayStart) => ({ dayStart })) };
      }
      throw new Error(fn);
    };
    ledger.submitHandler = (fn, args) => {
      if (fn === certificates.issueBatch.fn) {
        const { items } = JSON.parse(args[0]) as { items: { assetId: string; hourStart: string }[] };
        const error = { code: ErrorCodes.CERTIFICATE_HOUR_OPEN, message: 'not settled', details: {} };
        return { items: items.map((i) => ({ ...i, status: 'refused', error })) };
      }
      if (fn !== certificates.recordCommunityMatching.fn) throw new Error(fn);
      recorded.push(args[1]);
      return { communityId: args[0], dayStart: args[1] };
    };
    expect((await scheduler(ledger).tick())[0]).toMatchObject({ skipped: 1, daysRecorded: [] });
    settled = true;
    expect((await scheduler(ledger).tick())[0]).toMatchObject({ issued: 0, daysRecorded: [day] });
    expect(ledger.calls.filter((c) => c.fn === certificates.recordCommunityMatching.fn)).toEqual([
      expect.objectContaining({ args: ['sunny', day], options: { endorsingOrganizations: ['CommunityMSP', 'UtilityMSP'] } }),
    ]);
    expect((await scheduler(ledger).tick())[0]).toMatchObject({ daysRecorded: [] });
    expect(recorded).toEqual([day]);
  });

  it('sweeps the disputes resolved in the lookback: withdraws for a lowered figure left unwithdrawn, once, and nothing else', async () => {
    const ledger = new FakeLedger();
    const withdrawn = new Set<string>();
    const resolved = [
      { meterId: 'm-1', intervalStart: hour(5), resolvedAt: hour(2) },
      { meterId: 'm-2', intervalStart: hour(6), resolvedAt: hour(1) },
    ];
    ledger.evaluateHandler = (fn, args) => {
      if (fn === certificates.listIssuable.fn) return { closedHours: [], items: [], discharges: [], bookmark: '' };
      if (fn === lists.listResolvedDisputes.fn) {
        // Resolved since the lookback's start, first page of 100.
        expect(args).toEqual(['sunny', formatInstant(NOW / 1000 - 48 * 3600), '', '100', '']);
        return { items: resolved, bookmark: '' };
      }
      // The dry run: m-1's hour was lowered and not withdrawn yet; m-2's dispute lowered nothing issued.
      if (fn === certificates.withdrawLowered.fn) return { hours: args[0] === 'm-1' && !withdrawn.has('m-1') ? [{ assetId: 'pv-1' }] : [] };
      throw new Error(fn);
    };
    ledger.submitHandler = (fn, args) => {
      if (fn !== certificates.withdrawLowered.fn) throw new Error(fn);
      withdrawn.add(args[0]);
      return { hours: [{ assetId: 'pv-1' }] };
    };
    expect((await scheduler(ledger).tick())[0]).toMatchObject({ lowered: 1, failed: 0 });
    expect(ledger.calls.filter((c) => c.kind === 'submit').map((c) => c.args)).toEqual([['m-1', hour(5)]]);
    expect((await scheduler(ledger).tick())[0]).toMatchObject({ lowered: 0, failed: 0 });
    expect(ledger.calls.filter((c) => c.kind === 'submit')).toHaveLength(1);
  });

  it("issues linked batteries' discharge hours once, whatever two schedulers and a restart do, and logs only a real refusal", async () => {
    const ledger = new FakeLedger();
    const issued = new Set<string>();
    // bat-1's hours 1 and 2 back, bat-2's hour 1 back (its hour 2 back has an estimated reading), bat-3's hour 1 back not settled.
    const listed = [
      { assetId: 'bat-1', hourStart: hour(2) },
      { assetId: 'bat-1', hourStart: hour(1) },
      { assetId: 'bat-2', hourStart: hour(2) },
      { assetId: 'bat-2', hourStart: hour(1) },
      { assetId: 'bat-3', hourStart: hour(1) },
      { assetId: 'bat-4', hourStart: hour(1) },
    ];
    let conflicts = 1;
    ledger.evaluateHandler = (fn) => {
      if (fn === lists.listResolvedDisputes.fn) return NO_DISPUTES;
      if (fn !== certificates.listIssuable.fn) throw new Error(fn);
      const discharges = listed.filter((d) => !issued.has(`${d.assetId} ${d.hourStart}`));
      return { closedHours: [hour(2), hour(1)], items: [], discharges, bookmark: '' };
    };
    const refuse = (code: ErrorCode) => {
      throw Object.assign(new Error(encodeErrorEnvelope(new GridLedgerError(code, code))), { code: 10 });
    };
    ledger.submitHandler = (fn, [assetId, hourStart]) => {
      if (fn !== certificates.issueStorageDischarge.fn) throw new Error(fn);
      if (issued.has(`${assetId} ${hourStart}`)) refuse(ErrorCodes.CERTIFICATE_HOUR_ISSUED);
      if (assetId === 'bat-2' && hourStart === hour(2)) refuse(ErrorCodes.CERTIFICATE_HOUR_ESTIMATED);
      if (assetId === 'bat-3') refuse(ErrorCodes.CERTIFICATE_HOUR_OPEN);
      if (assetId === 'bat-4') refuse(ErrorCodes.CERTIFICATE_INPUT_INVALID);
      if (conflicts > 0 && assetId === 'bat-1') {
        conflicts -= 1;
        refuse(ErrorCodes.TRANSACTION_CONFLICT);
      }
      issued.add(`${assetId} ${hourStart}`);
      return { bundles: [] };
    };
    const logs = [new CapturingLogger(), new CapturingLogger()];
    const [a, b] = await Promise.all(logs.map((log) => scheduler(ledger, log).tick()));
    expect([...issued].sort()).toEqual([`bat-1 ${hour(2)}`, `bat-1 ${hour(1)}`, `bat-2 ${hour(1)}`]);
    expect(a[0].discharged + b[0].discharged).toBe(3);
    const submits = () => ledger.calls.filter((c) => c.kind === 'submit' && issued.has(`${c.args[0]} ${c.args[1]}`)).length;
    // Each issued hour was asked for at most once more (by the other scheduler, refused CERTIFICATE_HOUR_ISSUED).
    expect(submits()).toBeLessThanOrEqual(6);
    // Only the refusal that is not "not for now" is logged, once by each scheduler.
    expect(
      logs
        .flatMap((l) => l.lines)
        .filter((l) => l.level !== 'info')
        .map((l) => [l.level, l.code, l.assetId]),
    ).toEqual([
      ['warn', ErrorCodes.CERTIFICATE_INPUT_INVALID, 'bat-4'],
      ['warn', ErrorCodes.CERTIFICATE_INPUT_INVALID, 'bat-4'],
    ]);
    // A restarted scheduler issues nothing again: what is issued is no longer listed.
    const before = ledger.calls.length;
    expect((await scheduler(ledger).tick())[0]).toMatchObject({ discharged: 0, skipped: 2, failed: 1 });
    expect(
      ledger.calls
        .slice(before)
        .filter((c) => c.kind === 'submit')
        .map((c) => c.args[0]),
    ).toEqual(['bat-2', 'bat-3', 'bat-4']);
    expect(ledger.calls.find((c) => c.fn === certificates.issueStorageDischarge.fn)?.options).toEqual({ endorseDeadlineMs: 30_000 });
  });

  it('logs a listing that fails and goes on with the next community', async () => {
    const ledger = new FakeLedger();
    ledger.evaluateHandler = () => {
      throw Object.assign(new Error(encodeErrorEnvelope(new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'down'))), { code: 14 });
    };
    const log = new CapturingLogger();
    const s = new CertificateScheduler({ ledger, operator: user('op', 'operator'), communities: ['a', 'b'], log, now: () => NOW });
    expect((await s.tick()).map((o) => [o.communityId, o.failed])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(log.lines.map((l) => l.code)).toEqual([ErrorCodes.LEDGER_UNAVAILABLE, ErrorCodes.LEDGER_UNAVAILABLE]);
  });

  it("runs in the Community gateway only, for the market scheduler's communities unless told, and can be switched off", () => {
    const profile = { mqtt: { communityId: 'c-1' }, orgs: { community: { users: { op: user('op', 'operator') } } } };
    const ledger = new FakeLedger();
    const log = new CapturingLogger();
    expect(certificateSchedulerFor(profile, 'utility', ledger, log, {})).toBeUndefined();
    expect(certificateSchedulerFor(profile, 'community', ledger, log, { GRIDLEDGER_CERTIFICATE_SCHEDULER: 'off' })).toBeUndefined();
    const communities = (env: NodeJS.ProcessEnv) =>
      (certificateSchedulerFor(profile, 'community', ledger, log, env) as unknown as { opts: { communities: string[] } }).opts.communities;
    expect(communities({})).toEqual(['c-1']);
    expect(communities({ GRIDLEDGER_MARKET_COMMUNITIES: 'm-1,m-2' })).toEqual(['m-1', 'm-2']);
    expect(communities({ GRIDLEDGER_MARKET_COMMUNITIES: 'm-1', GRIDLEDGER_CERTIFICATE_COMMUNITIES: 'c-9' })).toEqual(['c-9']);
    expect(() => certificateSchedulerFor(profile, 'community', ledger, log, { GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS: '500' })).toThrow(
      /GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS/,
    );
  });
});
