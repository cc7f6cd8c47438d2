/**
 * The verifier's walk of an archived hour on the real network (docs/bounded-state.md, "The
 * verifier's walk"): two meters' readings of an hour 44 hours back are recorded in two transactions;
 * with the horizons shortened for the test the hour is archived in pages of 3; the audit command
 * (`npm run audit -- readings-archive`, as the Regulator, who is not a member of the consumption
 * collection) walks the pages back through the block store, re-reads every record from the write set
 * of its recording transaction and holds. It fails, naming why, when it is given a root other than
 * the hour's, and when one byte of one record it fetched is changed or a page is left out. Given the
 * households' signed readings (`--signed`), it verifies each against its record and its meter's key.
 *
 * Alone: it changes the late window of the channel for a moment. Its hour is 175 hours back (7 days
 * 7 hours; the late window is widened to 8 days while its readings are sent): the readings of an
 * archived hour are gone for every community, so it must be an hour no other file sends readings
 * of, whatever order the files run in. The files of the 15-minute grid use the two days back (30-
 * to 32-), those with a long late window the same hours of earlier days (like days);
 * 33-reading-archive uses the hour 160 hours back.
 *
 * @e2e-alone
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditArchivedHour, DEFAULT_METERING_PARAMS, type SignedReading } from '@gridledger/core';
import { gatherArchivedHour } from '@gridledger/gateway-api/dist/audit-archive';
import { ledgerClient } from '@gridledger/network';
import { type JsonAnswer, api, newProsumerWithMeter, operatorKey, pastInterval, profile, readingSeries, stateDir } from './support';

/** The shortest horizons (hours that ended 25 hours ago may be archived), the defaults, and a late window for the hour's readings. */
const SHORT_HORIZON = { lateWindowSeconds: 3600, disputeWindowSeconds: 3600, correctionWindowSeconds: 3600, archiveAfterSeconds: 90_000 };
const { archiveAfterSeconds, lateWindowSeconds, disputeWindowSeconds, correctionWindowSeconds } = DEFAULT_METERING_PARAMS;
const DEFAULT_HORIZON = { archiveAfterSeconds, lateWindowSeconds, disputeWindowSeconds, correctionWindowSeconds };
const WIDE_LATE_WINDOW = 8 * 86_400;

const AUDIT = join(__dirname, '..', '..', 'gateway-api', 'dist', 'audit.js');

function audit(...args: string[]): Promise<{ code: number; out: JsonAnswer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [AUDIT, 'readings-archive', ...args, '--state', stateDir()], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), out: stdout === '' ? {} : JSON.parse(stdout), stderr });
    });
  });
}

it('proves an archived hour from the block store, and names a wrong root, a changed record and a missing page', async () => {
  const meters = [await newProsumerWithMeter(), await newProsumerWithMeter()];
  const hourStart = `${pastInterval(700).slice(0, 13)}:00:00Z`;
  const hour = hourStart.slice(0, 13);
  const back = Math.round((Date.parse(pastInterval(0)) - Date.parse(hourStart)) / 900_000);
  const txIds: string[] = [];
  const signed: SignedReading[] = [];
  const operator = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  let archive: { count: number; done: boolean; root: string; pages: number; lastTxId: string };
  try {
    await operator.submit('metering:setParams', JSON.stringify({ lateWindowSeconds: WIDE_LATE_WINDOW }));
    for (const meter of meters) {
      const readings = readingSeries(meter, 4, 1, back - 3);
      signed.push(...readings);
      const sent = await api('community', operatorKey(), 'POST', '/readings', { readings });
      expect(sent.status).toBe(200);
      expect(sent.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
      txIds.push(sent.body.txId);
    }

    await operator.submit('metering:setParams', JSON.stringify(SHORT_HORIZON));
    do {
      archive = JSON.parse((await operator.submit('metering:archiveReadingHour', JSON.stringify({ hour, pageSize: 3 }))).result);
    } while (!archive.done);
  } finally {
    await operator.submit('metering:setParams', JSON.stringify(DEFAULT_HORIZON));
    operator.close();
  }
  expect(archive.count).toBeGreaterThanOrEqual(8);
  expect(archive.pages).toBe(Math.ceil(archive.count / 3));

  // The command, as the Regulator: every page walked, every record re-read from its transaction.
  const held = await audit('--hour', hourStart);
  expect(held.stderr).toBe('');
  expect(held.code).toBe(0);
  expect(held.out).toMatchObject({
    check: 'readings-archive',
    hour,
    count: archive.count,
    pages: archive.pages,
    root: archive.root,
    recomputedRoot: archive.root,
    findings: [],
    holds: true,
  });
  expect(held.out.transactionsRead).toBeGreaterThanOrEqual(archive.pages + 2);

  // The households' copies of their signed readings: each checked against its proven record (import
  // hash, public fields) and its meter's key from the registry; one with its import changed is named.
  const copies = join(stateDir(), `signed-${hour}.jsonl`);
  writeFileSync(copies, signed.map((r) => JSON.stringify(r)).join('\n'));
  const verified = await audit('--hour', hourStart, '--signed', copies);
  expect(verified.code).toBe(0);
  expect(verified.out.signatures).toMatchObject({ checked: 8, verified: 8 });
  expect(verified.out.signatures.results.map((r: { code: string; txId: string }) => [r.code, r.txId])).toEqual(
    signed.map((_r, i) => ['VERIFIED', txIds[Math.floor(i / 4)]]),
  );
  writeFileSync(copies, [{ ...signed[5]!, importWh: signed[5]!.importWh + 1 }, signed[0]].map((r) => JSON.stringify(r)).join('\n'));
  const mismatch = await audit('--hour', hourStart, '--signed', copies);
  expect(mismatch.code).toBe(1);
  expect(mismatch.out.signatures.results.map((r: { code: string }) => r.code)).toEqual(['IMPORT_MISMATCH', 'VERIFIED']);
  expect(mismatch.stderr).toMatch(/not every signed reading verified/);

  // A root other than the hour's: exit 1, the finding named.
  const wrong = await audit('--hour', hour, '--root', 'ab'.repeat(32));
  expect(wrong.code).toBe(1);
  expect(wrong.out).toMatchObject({ holds: false, findings: [expect.objectContaining({ code: 'ROOT_MISMATCH' })] });
  expect(wrong.out.findings).toHaveLength(1);
  expect(wrong.stderr).toMatch(/readings-archive of .* FAILED: 1 finding/);

  // What the walk fetched, with one byte of one of these meters' records changed, or a page left out.
  const regulator = ledgerClient(profile(), 'regulator', profile().orgs.regulator.users.regulator);
  try {
    const { input } = await gatherArchivedHour(regulator, profile(), hour);
    expect(auditArchivedHour(input).holds).toBe(true);
    // Each meter's four records were re-read from the transaction that recorded them.
    for (const [i, meter] of meters.entries())
      expect(input.records.filter((r) => r.key.includes(meter.meterId)).map((r) => [r.txId, r.valid])).toEqual(
        Array(4).fill([txIds[i], true]),
      );
    const at = input.records.findIndex((r) => r.key.includes(meters[1]!.meterId));
    const changed = Buffer.from(input.records[at]!.value!);
    changed[changed.indexOf('"exportWh":') + 11] ^= 1;
    const tampered = input.records.map((r, i) => (i === at ? { ...r, value: changed } : r));
    expect(auditArchivedHour({ ...input, records: tampered }).findings.map((f) => [f.code, f.key])).toEqual([
      ['LEAF_MISMATCH', input.records[at]!.key],
      ['ROOT_MISMATCH', undefined],
    ]);
    const dropped = auditArchivedHour({ ...input, pages: input.pages.slice(1) });
    expect(dropped.holds).toBe(false);
    expect(dropped.findings).toContainEqual(expect.objectContaining({ code: 'PAGE_MISSING', page: 1, txId: input.pages[0]!.txId }));
  } finally {
    regulator.close();
  }
}, 600_000);
