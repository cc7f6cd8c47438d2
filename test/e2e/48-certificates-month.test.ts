/**
 * Certificates over many hours on the real network (docs/certificates.md, "Audit" and "The
 * regulator's report"): three verified solar assets in one community, HOURS hours of signed
 * readings each, every hour issued once its windows are closed; transfers, claims and a regulator
 * withdrawal. After every step `npm run audit -- certificates` (the command itself, through the
 * Regulator gateway) recomputes each asset's issuance chain, its coverage of every record and
 * bundle, and the one-claim-per-Wh account of every hour: it must hold. Certificates equal the
 * verified export per asset and hour; the report's figures are what the test did, in JSON, CSV and
 * a PDF, and the audit recomputes the saved report (and refuses a changed copy).
 *
 * "A month" is HOURS hours here, not 720: each hour costs four window closes of the community and
 * one issuance per asset, about 10 transactions, and the file must stay under a minute. P2P-sold
 * hours cannot be made here: a market interval needs orders before its gate closes, so its hour is
 * in the present and cannot be issued until it has passed; the chaincode test
 * (chaincode/test/certificates.test.ts) audits a P2P-sold hour on the fake ledger instead.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatInstant } from '@gridledger/core/core';
import { useMeteringInterval } from './market-support';
import { api, closeWindow, type JsonAnswer, operatorKey, profile, readOnceCommitted, uid } from './support';
import {
  auditCertificates,
  deliver,
  hourBack,
  INTERVAL,
  intervalsOf,
  issuanceTag,
  issue,
  ok,
  Producer,
  producer,
  regulatorKey,
  utilityKey,
} from './certificate-support';

useMeteringInterval(INTERVAL);

const HOURS = 4;
const C = uid('certm');
/** Hours 12+HOURS-1 .. 12 back, oldest first: no other file issues or closes them in this community. */
const hours = Array.from({ length: HOURS }, (_, k) => hourBack(12 + HOURS - 1 - k));
const FROM = hours[0];
/** The report's period ends after the current hour: transfers and claims count by their transaction time. */
const TO = hourBack(-1);
/** Per asset and hour, four intervals of export: a different figure for each. */
const exportsOf = (a: number, h: number) => [0, 1, 2, 3].map((k) => 100 * (a + 1) + 10 * h + k);
const hourWh = (a: number, h: number) => exportsOf(a, h).reduce((s, x) => s + x, 0);
const dir = mkdtempSync(join(tmpdir(), 'gl-cert-month-'));
const auditHolds = async (expectedHours: number) => {
  const { code, out, stderr } = await auditCertificates('--community', C, '--from', FROM, '--to', TO);
  expect([code, out.findings, stderr]).toEqual([0, [], '']);
  expect(out).toMatchObject({ assets: 3, hoursChecked: expectedHours, holds: true });
};

let producers: Producer[];
const issuanceId = (a: number, h: number) => `${producers[a].assetId}@${issuanceTag(hours[h])}`;

beforeAll(async () => {
  const started = Date.now();
  producers = [];
  for (let a = 0; a < 3; a++) producers.push(await producer(true, C));
  process.stdout.write(`48: 3 producers onboarded and verified in ${Date.now() - started} ms\n`);
});

it('issues every hour of every asset: certificates equal the verified export, and the audit holds after each step', async () => {
  const started = Date.now();
  for (const [h, hourStart] of hours.entries())
    for (const [a, p] of producers.entries())
      await deliver(
        p,
        hourStart,
        exportsOf(a, h),
        1 + 4 * h,
        hours.slice(0, h).reduce((s, _, k) => s + hourWh(a, k), 0),
      );
  // Readings in, windows open: no hour has a verified figure yet, nothing to check, nothing fails.
  await auditHolds(0);
  for (const hourStart of hours) for (const intervalStart of intervalsOf(hourStart)) await ok(closeWindow(intervalStart, C));
  // Closed and not issued: every account holds (no certificate yet); the hours after them up to now have open windows, skipped.
  await auditHolds(3 * HOURS);
  for (const [h, hourStart] of hours.entries())
    for (const [a, p] of producers.entries()) {
      const issued = await ok(
        issue(h % 2 === 0 ? regulatorKey() : utilityKey(), h % 2 === 0 ? 'regulator' : 'utility', p.assetId, hourStart),
        201,
      );
      expect(issued.record).toMatchObject({ verifiedExportWh: hourWh(a, h), bundledWh: 0, issuedWh: hourWh(a, h) });
    }
  await auditHolds(3 * HOURS);
  for (const [a, p] of producers.entries()) {
    const accounts = await ok(
      api(
        'community',
        p.apiKey,
        'GET',
        `/assets/${p.assetId}/certificate-accounts?${new URLSearchParams({ from: FROM, to: hourBack(11) })}`,
      ),
    );
    expect(accounts.items.map((x: JsonAnswer) => [x.verifiedExportWh, x.certificateWh, x.holds])).toEqual(
      hours.map((_, h) => [hourWh(a, h), hourWh(a, h), true]),
    );
  }
  const issuers = await ok(api('regulator', regulatorKey(), 'GET', '/certificate-issuers?pageSize=1000'));
  const ours = issuers.items.filter((i: JsonAnswer) => i.communityId === C);
  expect(ours.map((i: JsonAnswer) => i.changes)).toEqual([HOURS, HOURS, HOURS]);
  process.stdout.write(`48: ${HOURS} hours of 3 assets read, closed, issued and audited in ${Date.now() - started} ms\n`);
});

it('counts transfers, claims and a withdrawal in the report, which the audit recomputes; JSON, CSV and PDF agree', async () => {
  const [pa, pb, pc] = producers;
  await ok(api('community', pa.apiKey, 'POST', `/certificates/${issuanceId(0, 0)}-1/transfer`, { to: pb.participantId, quantityWh: 50 }));
  await ok(api('community', pa.apiKey, 'POST', `/certificates/${issuanceId(0, 1)}-1/transfer`, { to: pc.participantId, quantityWh: 70 }));
  const claim = (h: number) => ({
    beneficiary: 'Bakery Nord',
    purpose: 'scope 2',
    consumptionPeriodStart: hours[h],
    consumptionPeriodEnd: formatInstant(Date.parse(hours[h]) / 1000 + 3600),
    location: 'Potsdam',
  });
  await ok(api('community', pb.apiKey, 'POST', `/certificates/${issuanceId(0, 0)}-1/claim`, { ...claim(0), quantityWh: 20 }));
  await ok(api('community', pb.apiKey, 'POST', `/certificates/${issuanceId(1, 2)}-1/claim`, { ...claim(2), quantityWh: 300 }));
  await auditHolds(3 * HOURS);
  await ok(
    api('regulator', regulatorKey(), 'POST', `/certificates/issuances/${issuanceId(2, 3)}/withdrawal`, {
      rangeStart: 1,
      rangeEnd: 100,
      reason: 'meter found faulty',
    }),
  );
  await auditHolds(3 * HOURS);

  const query = `/reports/certificates?${new URLSearchParams({ from: FROM, to: TO, communityId: C })}`;
  const report = await ok(api('regulator', regulatorKey(), 'GET', query));
  const issuedOf = (a: number) => hours.reduce((s, _, h) => s + hourWh(a, h), 0);
  const row = (a: number, more: JsonAnswer) => ({
    producerId: producers[a].participantId,
    source: 'solar',
    assets: 1,
    issuedWh: issuedOf(a),
    expiredWh: 0,
    transfers: 0,
    transferredWh: 0,
    claims: 0,
    claimedWh: 0,
    withdrawnWh: 0,
    activeWh: issuedOf(a),
    ...more,
  });
  const expected = [
    row(0, { transfers: 2, transferredWh: 120, claims: 1, claimedWh: 20, activeWh: issuedOf(0) - 20 }),
    row(1, { claims: 1, claimedWh: 300, activeWh: issuedOf(1) - 300 }),
    row(2, { withdrawnWh: 100, activeWh: issuedOf(2) - 100 }),
  ].sort((x, y) => (x.producerId < y.producerId ? -1 : 1));
  expect(report).toMatchObject({ from: FROM, to: TO, communityId: C, market: null, renewableShare: null, matchedShare: null });
  expect(report.producers).toEqual(expected);
  expect(report.totals).toMatchObject({
    assets: 3,
    issuedWh: issuedOf(0) + issuedOf(1) + issuedOf(2),
    transfers: 2,
    claims: 2,
    withdrawnWh: 100,
  });

  // The audit recomputes the saved report from the ledger, and refuses a copy with one figure changed.
  const saved = join(dir, 'report.json');
  writeFileSync(saved, JSON.stringify(report));
  const recomputed = await auditCertificates('--community', C, '--report', saved);
  expect([recomputed.code, recomputed.out.report]).toEqual([0, { file: saved, matches: true, differences: [] }]);
  const changed = join(dir, 'changed.json');
  writeFileSync(changed, JSON.stringify({ ...report, totals: { ...report.totals, claimedWh: report.totals.claimedWh + 1 } }));
  const refused = await auditCertificates('--community', C, '--report', changed);
  expect([refused.code, refused.out.report.differences]).toEqual([
    1,
    [{ path: 'totals.claimedWh', saved: report.totals.claimedWh + 1, recomputed: report.totals.claimedWh }],
  ]);
  expect(refused.stderr).toContain('FAILED');

  // The matched share over a whole UTC day: what the operator recorded for the regulator, in the report and in its recomputation.
  const dayStart = Math.floor(Date.parse(FROM) / 86_400_000) * 86_400;
  const [DAY, NEXT] = [formatInstant(dayStart), formatInstant(dayStart + 86_400)];
  await ok(api('community', operatorKey(), 'POST', `/communities/${C}/matching/days`, { dayStart: DAY }));
  const recorded = await readOnceCommitted(
    'regulator',
    regulatorKey(),
    `/communities/${C}/matching/days?from=${DAY}&to=${NEXT}`,
    (b) => b.days.length === 1,
  );
  const dayQuery = `/reports/certificates?${new URLSearchParams({ from: DAY, to: NEXT, communityId: C })}`;
  const dayReport = await ok(api('regulator', regulatorKey(), 'GET', dayQuery));
  expect(dayReport.matchedShare).toMatchObject({
    periodStart: DAY,
    periodEnd: NEXT,
    daysInPeriod: 1,
    daysRecorded: 1,
    consumptionWh: recorded.consumptionWh,
    matchedWh: recorded.matchedWh,
  });
  const savedDay = join(dir, 'day.json');
  writeFileSync(savedDay, JSON.stringify(dayReport));
  const dayAudit = await auditCertificates('--community', C, '--report', savedDay);
  expect([dayAudit.code, dayAudit.out.report.matches]).toEqual([0, true]);

  // CSV: one figure a line.
  const base = `${profile().orgs.regulator.gateway.url}/api/v1`;
  const csv = await fetch(`${base}${query}&format=csv`, { headers: { authorization: `Bearer ${regulatorKey()}` } });
  expect([csv.status, csv.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
  const lines = (await csv.text()).split('\r\n');
  expect(lines[0]).toBe('section,producerId,source,figure,value');
  expect(lines).toContain(`producer,${pa.participantId},solar,claimedWh,20`);
  expect(lines).toContain(`total,,,withdrawnWh,100`);

  // PDF: a real PDF, whose text shows the figures.
  const utilityBase = `${profile().orgs.utility.gateway.url}/api/v1`;
  const pdf = await fetch(`${utilityBase}${query}&format=pdf`, { headers: { authorization: `Bearer ${utilityKey()}` } });
  expect([pdf.status, pdf.headers.get('content-type')]).toEqual([200, 'application/pdf']);
  const bytes = Buffer.from(await pdf.arrayBuffer());
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(bytes.subarray(-6).toString('latin1')).toContain('%%EOF');
  const text = pdfText(bytes);
  expect(text).toContain('Certificate report');
  expect(text).toContain(String(report.totals.issuedWh));
  expect(bytes.toString('latin1')).toContain(`(GridLedger certificate report ${FROM} to ${TO})`);

  const household = await api('community', pa.apiKey, 'GET', query);
  expect([household.status, household.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
});

/** The text a pdfkit document (uncompressed, standard fonts) shows: the hex strings of its TJ operators, decoded. */
function pdfText(pdf: Buffer): string {
  const content = pdf.toString('latin1');
  const shown = [...content.matchAll(/\[([^\]]*)\] TJ/g)].map((m) =>
    [...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''),
  );
  return shown.join('\n');
}
