/**
 * Archiving an hour of readings on the real network (docs/bounded-state.md): a meter's readings of
 * an hour 160 hours back are recorded (the late window widened to 8 days for them); the hour
 * cannot be archived while its horizons last, nor may
 * the horizon be set below the late window plus a day. With the horizons shortened for the test the
 * archive scheduler (off by default in the gateways; run here in the test's process on the real
 * ledger, for that one hour) archives it: its records leave the world state, one record with their
 * count and Merkle root stays, and the REST route (pages until done, idempotent) answers the
 * finished hour as it is. Then: reading one answers READING_ARCHIVED (410), a resend is refused as
 * archived; the meter, silent since that hour, sends new readings (the chain continues from the
 * archived one, a late one walks back to it); its window close counts it (it reported before); an
 * estimate correction and a dispute past their windows are refused; listReadings with
 * archived=true names the archived hour. The parameters are set back afterwards. Runs alone (its
 * one-hour late window and dispute period would refuse other files' readings meanwhile); other
 * files' readings of that hour are archived too; the window it closes is of its own community.
 * Second: the rolling archive. A meter's reading takes the same meter's record one horizon older
 * out of the state in its own transaction, and the regulator proves that record from the block
 * store by the meter's chain (npm run audit -- readings-chain); given the household's signed reading
 * (--signed) it verifies it, and names a forged copy. Third: the metering parameter chunkRelease:
 * the rolled-out reading's private chunk is purged (purgePrivateData) or deleted, as the block's
 * hashed private writes show. Fourth: a demand-response event whose baseline reaches past the
 * readings' horizon is refused (FLEX_EVENT_INVALID) while the horizon is short.
 * Its hour (6 days 16 hours back) is one no other file sends readings of, whatever order the files
 * run in (the archive removes an hour for every community): the files of the 15-minute grid use the
 * two days back (30- to 32-), those with a long late window the same hours of earlier days;
 * 34-archive-audit uses the hour 175 hours back.
 *
 * @e2e-alone
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_METERING_PARAMS, formatInstant } from '@gridledger/core';
import { ArchiveScheduler } from '@gridledger/gateway-api';
import { type LedgerClient, ledgerClient, storedTransaction } from '@gridledger/network';
import { operatorLedger } from './market-support';
import {
  api,
  chaincodeCodeOf,
  closeWindow,
  credentials,
  type JsonAnswer,
  newProsumerWithMeter,
  operatorKey,
  pastInterval,
  profile,
  signReading,
  stateDir,
  uid,
} from './support';

/** The shortest horizons for the test: hours that ended 25 hours ago may be archived. */
const SHORT_HORIZON = { lateWindowSeconds: 3600, disputeWindowSeconds: 3600, correctionWindowSeconds: 3600, archiveAfterSeconds: 90_000 };
const { archiveAfterSeconds, lateWindowSeconds, disputeWindowSeconds, correctionWindowSeconds } = DEFAULT_METERING_PARAMS;
const DEFAULT_HORIZON = { archiveAfterSeconds, lateWindowSeconds, disputeWindowSeconds, correctionWindowSeconds, chunkRelease: 'delete' };
const enc = encodeURIComponent;

/** Runs `body` with the Community operator's client and its setParams; the horizons go back to the defaults after, whatever happens. */
async function withOperator<T>(body: (setParams: (change: object) => Promise<unknown>, client: LedgerClient) => Promise<T>): Promise<T> {
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    return await body((change) => client.submit('metering:setParams', JSON.stringify(change)), client);
  } finally {
    await client.submit('metering:setParams', JSON.stringify(DEFAULT_HORIZON));
    client.close();
  }
}

it('archives an hour once its horizons have passed, and the platform works on around it', async () => {
  // A community of its own: the window it closes must not refuse other files' readings of that interval.
  const C = uid('arc');
  const meter = await newProsumerWithMeter(6000, C);
  const sign = (intervalStart: string, seq: number, importWh: number, importRegisterWh: number, exportWh = 0, exportRegisterWh = 60) =>
    signReading(
      { meterId: meter.meterId, intervalStart, seq, importWh, exportWh, importRegisterWh, exportRegisterWh },
      meter.privateKeyPem,
    );
  // The four intervals of the hour that starts 160 hours before the last ended interval's hour.
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    await client.submit('metering:setParams', JSON.stringify({ lateWindowSeconds: 8 * 86_400 }));
    const first = pastInterval(160 * 4);
    const hourStart = `${first.slice(0, 13)}:00:00Z`;
    const back = Math.round((Date.parse(pastInterval(0)) - Date.parse(hourStart)) / 900_000);
    const readings = [0, 1, 2, 3].map((k) =>
      sign(pastInterval(back - k), k + 1, 100 + k, 2_000_000 + 100 * (k + 1) + (k * (k + 1)) / 2, 10 * k, 5 * k * (k + 1)),
    );
    const sent = await api('community', operatorKey(), 'POST', '/readings', { readings });
    expect(sent.status).toBe(200);
    expect(sent.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);

    const hour = hourStart.slice(0, 13);
    const route = `/reading-hours/${hour}/archive`;
    const notDue = await api('community', operatorKey(), 'POST', route);
    expect([notDue.status, notDue.body.error?.code]).toEqual([409, 'ARCHIVE_NOT_DUE']);
    // The archive may never remove what the late window, disputes or corrections still need.
    const tooShort = await client
      .submit('metering:setParams', JSON.stringify({ ...SHORT_HORIZON, archiveAfterSeconds: 3600 }))
      .catch((e) => e);
    expect(chaincodeCodeOf(tooShort)).toBe('METERING_PARAMS_INVALID');
    await client.submit('metering:setParams', JSON.stringify(SHORT_HORIZON));

    // The archive scheduler (as the gateway runs it with GRIDLEDGER_ARCHIVE_SCHEDULER=on), told that it is the
    // first moment the hour is due and to look back one hour: it archives that hour, and only it.
    const { ledger, operator } = operatorLedger();
    const errors: unknown[] = [];
    const log = { info: () => undefined, warn: () => undefined, error: (f: unknown) => errors.push(f) };
    const dueAt = Date.parse(hourStart) + (3600 + SHORT_HORIZON.archiveAfterSeconds) * 1000;
    const scheduler = new ArchiveScheduler({ ledger, operator, log, lookbackHours: 1, now: () => dueAt });
    const tick = await scheduler.tick();
    expect([tick, errors]).toEqual([{ finished: [hour], archived: expect.any(Number), failed: 0 }, []]);
    expect(tick.archived).toBeGreaterThanOrEqual(4);

    // The route runs pages until the hour is done: here it answers the finished hour as it is.
    const archived = await api('community', operatorKey(), 'POST', route);
    expect(archived.status).toBe(200);
    const { txId: _t, ...record } = archived.body;
    expect(record).toMatchObject({ hour, done: true, lastTxId: expect.any(String), root: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(record.count).toBe(tick.archived);
    const again = await api('community', operatorKey(), 'POST', route);
    expect({ ...again.body, txId: undefined }).toEqual({ ...record, txId: undefined });
    expect((await api('community', operatorKey(), 'GET', route)).body).toEqual(record);
    expect((await api('regulator', credentials().apiKeys.regulator.regulator, 'GET', route)).body).toEqual(record);
    expect((await api('community', meter.apiKey, 'GET', route)).status).toBe(403);

    const read = await api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/readings/${enc(readings[1].intervalStart)}`);
    expect([read.status, read.body.error?.code, read.body.error?.details?.root]).toEqual([410, 'READING_ARCHIVED', record.root]);
    const resent = await api('community', operatorKey(), 'POST', '/readings', { readings: [readings[2]] });
    expect(resent.body.results).toEqual([expect.objectContaining({ status: 'rejected', code: 'READING_ARCHIVED' })]);

    // Silent since the archived hour: a new reading continues the chain, a late one below it walks back to the archived link.
    const now = sign(pastInterval(0), 10, 50, 2_001_000);
    const late = sign(pastInterval(1), 9, 40, 2_000_950);
    const resumed = await api('community', operatorKey(), 'POST', '/readings', { readings: [now] });
    expect(resumed.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);
    const below = await api('community', operatorKey(), 'POST', '/readings', { readings: [late] });
    expect(below.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);

    // The window of an interval it missed: counted (it reported before, in the archived hour), estimated.
    const missed = pastInterval(6);
    const closed = await closeWindow(missed, C);
    expect([200, 409]).toContain(closed.status);
    const estimate = await api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/estimates/${enc(missed)}`);
    expect(estimate.status).toBe(200);
    // Its correction and a dispute come after their one-hour windows: refused.
    const correction = await api('community', operatorKey(), 'POST', '/readings', { readings: [sign(missed, 8, 30, 2_000_900)] });
    expect(correction.body.results).toEqual([expect.objectContaining({ status: 'rejected', code: 'READING_TOO_LATE' })]);
    const dispute = await api('community', meter.apiKey, 'POST', '/disputes', {
      meterId: meter.meterId,
      intervalStart: missed,
      reason: 'e2e 33',
    });
    expect([dispute.status, dispute.body.error?.code]).toEqual([422, 'DISPUTE_WINDOW_CLOSED']);

    // The readings of the range: the live ones, and with archived=true where the archived hour's went.
    const range = `from=${enc(hourStart)}&to=${enc(pastInterval(0))}`;
    const live = await api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/readings?${range}`);
    expect(live.body.map((r: { intervalStart: string }) => r.intervalStart)).toEqual([late.intervalStart, now.intervalStart]);
    const both = await api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/readings?${range}&archived=true`);
    expect(both.status).toBe(200);
    expect(both.body.readings.map((r: { intervalStart: string }) => r.intervalStart)).toEqual([late.intervalStart, now.intervalStart]);
    const { hour: h, count, root, lastTxId, done } = record;
    expect(both.body.archivedHours).toContainEqual({ hour: h, count, root, lastTxId, done });
  } finally {
    await client.submit('metering:setParams', JSON.stringify(DEFAULT_HORIZON));
    client.close();
  }
}, 900_000);

it("rolls a meter's record out with its reading one horizon later, and proves it from the block store by the meter's chain", async () => {
  const meter = await newProsumerWithMeter(6000, uid('roll'));
  const sign = (intervalStart: string, seq: number, importWh: number) =>
    signReading(
      { meterId: meter.meterId, intervalStart, seq, importWh, exportWh: 0, importRegisterWh: 3_000_000 + 10 * seq, exportRegisterWh: 0 },
      meter.privateKeyPem,
    );
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    // Under the short horizons a reading of t takes out the meter's record of t - (90,000 s + 1 h): 104 intervals before.
    const step = (SHORT_HORIZON.archiveAfterSeconds + 3600) / 900;
    const old = [sign(pastInterval(step), 1, 10), sign(pastInterval(step - 1), 2, 10)];
    await client.submit('metering:setParams', JSON.stringify({ lateWindowSeconds: 8 * 86_400 }));
    const first = await api('community', operatorKey(), 'POST', '/readings', { readings: old });
    expect(first.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    await client.submit('metering:setParams', JSON.stringify(SHORT_HORIZON));
    const latest = await api('community', operatorKey(), 'POST', '/readings', { readings: [sign(pastInterval(0), 3, 10)] });
    expect(latest.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);

    // The record one horizon older left the state with it; the one after stays until its own partner comes.
    const path = (start: string) => `/meters/${meter.meterId}/readings/${enc(start)}`;
    const gone = await api('community', meter.apiKey, 'GET', path(old[0].intervalStart));
    expect([gone.status, gone.body.error?.code, gone.body.error?.details?.rolling]).toEqual([410, 'READING_ARCHIVED', true]);
    expect((await api('community', meter.apiKey, 'GET', path(old[1].intervalStart))).status).toBe(200);

    // The meter's chain: the head's transaction and the one before; a household reads its own, not another's.
    const chain = await api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/chain`);
    expect(chain.status).toBe(200);
    expect(chain.body).toEqual({
      meterId: meter.meterId,
      intervalStart: pastInterval(0),
      chain: { root: expect.stringMatching(/^[0-9a-f]{64}$/), txId: latest.body.txId, prevTxId: first.body.txId },
    });
    const other = await newProsumerWithMeter(6000, uid('roll'));
    expect((await api('community', other.apiKey, 'GET', `/meters/${meter.meterId}/chain`)).status).toBe(403);

    // The regulator (no member of the consumption collection) proves the rolled-out record from the block store.
    const proof = await auditChain('--meter', meter.meterId, '--interval', old[0].intervalStart);
    expect([proof.code, proof.stderr]).toEqual([0, '']);
    expect(proof.out).toMatchObject({
      check: 'readings-chain',
      holds: true,
      reachedStart: true,
      root: chain.body.chain.root,
      transactionsWalked: 2,
      recordedIn: first.body.txId,
    });
    // The one delete of the meter's keys in those write sets: the rolled-out record, by the latest (records that were never
    // there are read, not deleted).
    expect(proof.out.deleted).toEqual([{ key: expect.stringContaining(old[0].intervalStart), txId: latest.body.txId }]);
    expect(proof.out.records.map((r: { txId: string }) => r.txId)).toEqual([first.body.txId, first.body.txId, latest.body.txId]);

    // The household's copy of the rolled-out reading, signature and import, checked against the proven record; a
    // forged copy (the same reading signed by another meter's key) is named.
    const copies = join(stateDir(), `signed-${meter.meterId}.jsonl`);
    const { sig: _sig, ...unsigned } = old[0];
    const forged = signReading(unsigned, other.privateKeyPem);
    writeFileSync(copies, [old[0], forged].map((r) => JSON.stringify(r)).join('\n'));
    const checked = await auditChain('--meter', meter.meterId, '--interval', old[0].intervalStart, '--signed', copies);
    expect(checked.code).toBe(1);
    expect(checked.out.signatures.results.map((r: { code: string; txId: string }) => [r.code, r.txId])).toEqual([
      ['VERIFIED', first.body.txId],
      ['IMPORT_MISMATCH', first.body.txId],
    ]);
  } finally {
    await client.submit('metering:setParams', JSON.stringify(DEFAULT_HORIZON));
    client.close();
  }
}, 600_000);

it('purges the private chunk of a rolled-out reading when chunkRelease is purge, and deletes it by default', async () => {
  const step = (SHORT_HORIZON.archiveAfterSeconds + 3600) / 900;
  /** A meter's one old reading (alone in its chunk), then its reading one horizon later: the private writes of the latter. */
  const roll = async (setParams: (change: object) => Promise<unknown>, client: LedgerClient, chunkRelease: 'delete' | 'purge') => {
    const meter = await newProsumerWithMeter(6000, uid('purge'));
    const sign = (intervalStart: string, seq: number) =>
      signReading(
        {
          meterId: meter.meterId,
          intervalStart,
          seq,
          importWh: 10,
          exportWh: 0,
          importRegisterWh: 4_000_000 + 10 * seq,
          exportRegisterWh: 0,
        },
        meter.privateKeyPem,
      );
    // From the default horizon (the short one of a run before refuses so long a late window).
    await setParams({ ...DEFAULT_HORIZON, lateWindowSeconds: 8 * 86_400 });
    const old = await api('community', operatorKey(), 'POST', '/readings', { readings: [sign(pastInterval(step), 1)] });
    expect(old.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);
    await setParams({ ...SHORT_HORIZON, chunkRelease });
    const latest = await api('community', operatorKey(), 'POST', '/readings', { readings: [sign(pastInterval(0), 2)] });
    expect(latest.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);
    const tx = await storedTransaction(client.gateway, profile().channel, latest.body.txId);
    // In the block, private writes are key hashes: the released chunk is the one that goes.
    return tx!.privateWrites.filter((w) => w.collection === 'householdConsumption' && (w.isDelete || w.isPurge));
  };
  await withOperator(async (setParams, client) => {
    const purged = await roll(setParams, client, 'purge');
    expect(purged.map((w) => [w.isDelete, w.isPurge])).toEqual([[true, true]]);
    const deleted = await roll(setParams, client, 'delete');
    expect(deleted.map((w) => [w.isDelete, w.isPurge])).toEqual([[true, false]]);
  });
}, 600_000);

it("refuses a demand-response event whose baseline reaches past the readings' horizon, and takes it under the default one", async () => {
  const start = Math.ceil((Date.now() / 1000 + 3600) / 900) * 900;
  const event = (eventId: string) => ({
    eventId,
    programId: 'dr-horizon',
    communityId: profile().mqtt.communityId,
    zoneIds: [uid('hz')],
    start: formatInstant(start),
    end: formatInstant(start + 900),
    targetReductionW: 1_000,
    priceMicrosPerKwh: 400_000,
    optInDeadline: formatInstant(start - 600),
  });
  const utility = credentials().apiKeys.utility.utility;
  await withOperator(async (setParams) => {
    await setParams(SHORT_HORIZON);
    // Its baseline (45 like days back by default) would read readings that leave the state after a day.
    const refused = await api('utility', utility, 'POST', '/flex/events', event(uid('ev')));
    expect([refused.status, refused.body.error?.code, refused.body.error?.details?.field]).toEqual([
      400,
      'FLEX_EVENT_INVALID',
      'baseline.lookbackDays',
    ]);
  });
  expect((await api('utility', utility, 'POST', '/flex/events', event(uid('ev')))).status).toBe(201);
}, 600_000);

const AUDIT = join(__dirname, '..', '..', 'gateway-api', 'dist', 'audit.js');

function auditChain(...args: string[]): Promise<{ code: number; out: JsonAnswer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [AUDIT, 'readings-chain', ...args, '--state', stateDir()], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), out: stdout === '' ? {} : JSON.parse(stdout), stderr });
    });
  });
}
