/**
 * npm run audit -- certificates [--from <hour> --to <hour>] [--community <id>] [--report <file.json>]
 *   [--org regulator] [--state .gridledger] [--key <api key>] [--url <gateway>]
 *
 * The certificate audit (docs/certificates.md, "Audit"), through a gateway with any role's key:
 * each asset's issuance chain recomputed against the cursor the Regulator's peer endorsed, every
 * issuance record and bundle covered by it, and one claim per Wh on every hour of the period (or,
 * without one, every hour an issuance record exists for). With --report, a saved report
 * (`GET /reports/certificates`, JSON) is recomputed from the ledger as of its asOf and compared
 * (needs an operator, utility or regulator key). A battery's storage contract records are checked
 * against each contract's share recomputed from the ledger (needs an operator or utility key: the
 * battery's import is household data; with another key they are counted in sharesSkipped).
 * Prints JSON; exit 0 when everything holds, 1 when anything fails, 2 on an error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type CertificateReport,
  ErrorCodes,
  MarketPeriodFigures,
  reportDifferences,
  type StorageChargeRecord,
  type StorageShareInputs,
} from '@gridledger/core';
import { CertificateReader, gatherAudit, gatherReport, RecordedMatchingAnswer, reportPeriod } from './certificate-audit';
import { GATEWAY_OPTIONS, gatewayOf, get, print } from './audit-gateway';

/** A reader through the gateway's REST routes. */
function restReader(base: string, key: string): CertificateReader {
  const read = (path: string, query: Record<string, unknown>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
    return get(`${base}/api/v1${path}?${q}`, key);
  };
  const asset = (assetId: string) => `/assets/${encodeURIComponent(assetId)}`;
  return {
    issuers: async (bookmark) => (await read('/certificate-issuers', { pageSize: 1000, bookmark })) as never,
    records: async ({ assetId, ...query }) => (await read(`${asset(assetId)}/certificate-records`, { ...query, pageSize: 1000 })) as never,
    accounts: async ({ assetId, ...query }) => (await read(`${asset(assetId)}/certificate-accounts`, query)) as never,
    actions: async (query) => (await read('/certificate-actions', { ...query, pageSize: 1000 })) as never,
    figures: async (communityId, from, to) => {
      try {
        return (await read(`/markets/${encodeURIComponent(communityId)}/figures`, { from, to })) as unknown as MarketPeriodFigures;
      } catch (e) {
        const code = (e as { body?: { error?: { code?: string } } }).body?.error?.code;
        if (code === ErrorCodes.MARKET_NOT_FOUND) return null;
        throw e;
      }
    },
    matching: async (communityId, from, to) =>
      (await read(`/communities/${encodeURIComponent(communityId)}/matching/days`, { from, to })) as unknown as RecordedMatchingAnswer,
    storage: {
      charges: async (assetId) => ((await read(`${asset(assetId)}/storage-charges`, {})) as { items: StorageChargeRecord[] }).items,
      // The import is household data: a key that may not read it (the regulator's) leaves the shares unchecked.
      shareInputs: async (assetId, hourStart) => {
        try {
          return (await read(
            `${asset(assetId)}/hours/${encodeURIComponent(hourStart)}/storage-share-inputs`,
            {},
          )) as unknown as StorageShareInputs;
        } catch (e) {
          if ((e as { body?: { error?: { code?: string } } }).body?.error?.code === ErrorCodes.ACCESS_DENIED) return undefined;
          throw e;
        }
      },
    },
  };
}

export async function auditCertificates(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      community: { type: 'string' },
      report: { type: 'string' },
      ...GATEWAY_OPTIONS,
    },
  });
  const { base, key } = gatewayOf(values);
  const reader = restReader(base, key);
  const period = values.from !== undefined || values.to !== undefined ? reportPeriod(values.from, values.to) : undefined;
  const audit = await gatherAudit(reader, { communityId: values.community ?? null, ...(period !== undefined ? { period } : {}) });
  const out: Record<string, unknown> = { check: 'certificates', ...audit, holds: audit.findings.length === 0 };
  if (values.report !== undefined) {
    const saved = JSON.parse(readFileSync(values.report, 'utf8')) as CertificateReport;
    const recomputed = await gatherReport(reader, { from: saved.from, to: saved.to, communityId: saved.communityId, asOf: saved.asOf });
    const differences = reportDifferences(saved, recomputed);
    out.report = { file: values.report, matches: differences.length === 0, differences };
  }
  const failed = audit.findings.length > 0 || (out.report as { matches?: boolean } | undefined)?.matches === false;
  await print(out);
  if (failed)
    process.stderr.write(
      `audit: certificates FAILED: ${audit.findings.length} finding(s)${out.report !== undefined ? ', report compared' : ''}\n`,
    );
  return failed ? 1 : 0;
}
