/**
 * The certificate audit's records and the regulator's report (docs/certificates.md, "Audit" and
 * "The regulator's report"). The records are read with the caller's identity (the chaincode checks
 * again); the report is for the regulator, the utility and operators, as JSON, CSV or PDF.
 */
import express, { Request, Response } from 'express';
import { certificateReportCsv, ErrorCodes, type MarketPeriodFigures } from '@gridledger/core';
import { formatInstant, GridLedgerError } from '@gridledger/core/core';
import { catalogue } from '@gridledger/core/catalogue';
import { callerOf, requireRoles } from '../access';
import { call } from '../call';
import { CertificateReader, gatherReport, IssuerItem, RecordedMatchingAnswer, reportPeriod } from '../certificate-audit';
import { certificateReportPdf } from '../report-pdf';
import type { LedgerPort } from '../ports';

const { certificates, figures } = catalogue;
const REPORT_ROLES = ['regulator', 'utility', 'operator'];

/** The query's optional fields that are set, as the chaincode's request object. */
function defined(query: Request['query'], fields: readonly string[], numbers: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (query[f] !== undefined) out[f] = numbers.includes(f) ? Number(query[f]) : String(query[f]);
  return out;
}

/** A reader of the ledger with the caller's identity. */
export function ledgerReader(ledger: LedgerPort, res: Response): CertificateReader {
  const caller = callerOf(res);
  return {
    issuers: async (bookmark) =>
      (await call(ledger, caller, certificates.listIssuers, ['1000', bookmark])) as { items: IssuerItem[]; bookmark: string },
    records: (request) => call(ledger, caller, certificates.listIssuerRecords, [{ ...request, pageSize: 1000 }]),
    accounts: (request) => call(ledger, caller, certificates.getHourAccounts, [request]),
    actions: (request) => call(ledger, caller, certificates.listCertificateActions, [{ ...request, pageSize: 1000 }]),
    figures: async (communityId, from, to) => {
      try {
        return (await call(ledger, caller, figures.getPeriodFigures, [communityId, from, to])) as unknown as MarketPeriodFigures;
      } catch (e) {
        if (e instanceof GridLedgerError && e.code === ErrorCodes.MARKET_NOT_FOUND) return null;
        throw e;
      }
    },
    matching: async (communityId, from, to) =>
      (await call(ledger, caller, certificates.getRecordedMatching, [communityId, from, to])) as unknown as RecordedMatchingAnswer,
  };
}

export function certificateAuditRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  r.get('/certificate-issuers', async (req, res) => {
    const pageSize = req.query.pageSize === undefined ? '100' : String(req.query.pageSize);
    res.json(await call(ledger, callerOf(res), certificates.listIssuers, [pageSize, String(req.query.bookmark ?? '')]));
  });
  r.get('/assets/:assetId/certificate-records', async (req, res) => {
    const request = { assetId: req.params.assetId, ...defined(req.query, ['records', 'from', 'to', 'pageSize', 'bookmark'], ['pageSize']) };
    res.json(await call(ledger, callerOf(res), certificates.listIssuerRecords, [request as never]));
  });
  r.get('/assets/:assetId/certificate-accounts', async (req, res) => {
    const request = { assetId: req.params.assetId, from: String(req.query.from), to: String(req.query.to) };
    res.json(await call(ledger, callerOf(res), certificates.getHourAccounts, [request]));
  });
  r.get('/certificate-actions', async (req, res) => {
    const request = defined(req.query, ['from', 'to', 'pageSize', 'bookmark'], ['pageSize']);
    res.json(await call(ledger, callerOf(res), certificates.listCertificateActions, [request as never]));
  });
  r.get('/reports/certificates', async (req, res) => {
    requireRoles(callerOf(res), REPORT_ROLES, 'the certificate report');
    const period = reportPeriod(req.query.from, req.query.to);
    const communityId = req.query.communityId === undefined ? null : String(req.query.communityId);
    const asOf = formatInstant(Math.floor(Date.now() / 1000));
    const report = await gatherReport(ledgerReader(ledger, res), { ...period, communityId, asOf });
    const name = `certificates-${period.from.slice(0, 13)}-${period.to.slice(0, 13)}`;
    switch (req.query.format ?? 'json') {
      case 'csv':
        res.type('text/csv').attachment(`${name}.csv`).send(certificateReportCsv(report));
        break;
      case 'pdf':
        res
          .type('application/pdf')
          .attachment(`${name}.pdf`)
          .send(await certificateReportPdf(report));
        break;
      default:
        res.json(report);
    }
  });
  return r;
}
