/**
 * REST routes of granular certificates: thin calls of the chaincode's `certificates` contract
 * (docs/certificates.md). The gateway refuses what the caller's role can never do (403) first; the
 * chaincode checks everything again with the caller's own identity. Public verification needs no
 * API key: it is evaluated with the gateway organization's admin identity, and the chaincode
 * answers it with a pseudonym of the holder only.
 */
import express, { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { callerOf, requireRoles } from '../access';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort } from '../ports';

export const CertificateTx = {
  issue: 'certificates:issue',
  transfer: 'certificates:transfer',
  claim: 'certificates:claim',
  withdraw: 'certificates:withdraw',
  getCertificate: 'certificates:getCertificate',
  listCertificates: 'certificates:listCertificates',
  verifyCertificate: 'certificates:verifyCertificate',
  getHourAccount: 'certificates:getHourAccount',
} as const;

const HOLDERS = ['prosumer', 'consumer'];

/** `publicReader`: the identity public verification is evaluated with (none: public verification answers 503). */
export function certificateRoutes(ledger: LedgerPort, publicReader: WalletUser | undefined): express.Router {
  const r = express.Router();
  const submit = async (res: Response, fn: string, args: string[], status = 200) => {
    const { result, txId } = await ledger.submit(callerOf(res), fn, args);
    res.locals.txId = txId;
    res.status(status).json({ ...(result as object), txId });
  };
  const evaluate = async (res: Response, fn: string, args: string[]) => res.json(await ledger.evaluate(callerOf(res), fn, args));

  r.post('/certificates/issuances', async (req, res) => {
    requireRoles(callerOf(res), ['regulator', 'utility', 'operator'], 'issuing certificates');
    await submit(res, CertificateTx.issue, [String(req.body.assetId), String(req.body.hourStart)], 201);
  });
  r.post('/certificates/issuances/:issuanceId/withdrawal', async (req, res) => {
    requireRoles(callerOf(res), ['regulator'], 'withdrawing certificates');
    await submit(res, CertificateTx.withdraw, [req.params.issuanceId, JSON.stringify(req.body)]);
  });
  r.post('/certificates/:bundleId/transfer', async (req, res) => {
    requireRoles(callerOf(res), HOLDERS, 'transferring certificates');
    await submit(res, CertificateTx.transfer, [req.params.bundleId, JSON.stringify(req.body)]);
  });
  r.post('/certificates/:bundleId/claim', async (req, res) => {
    requireRoles(callerOf(res), HOLDERS, 'claiming certificates');
    await submit(res, CertificateTx.claim, [req.params.bundleId, JSON.stringify(req.body)]);
  });
  r.get('/certificates/:certificateId', async (req, res) => evaluate(res, CertificateTx.getCertificate, [req.params.certificateId]));
  r.get('/participants/:participantId/certificates', async (req, res) => {
    const pageSize = req.query.pageSize === undefined ? '100' : String(req.query.pageSize);
    const bookmark = req.query.bookmark === undefined ? '' : String(req.query.bookmark);
    await evaluate(res, CertificateTx.listCertificates, [req.params.participantId, pageSize, bookmark]);
  });
  r.get('/assets/:assetId/hours/:hourStart/certificate-account', async (req, res) =>
    evaluate(res, CertificateTx.getHourAccount, [req.params.assetId, req.params.hourStart]),
  );
  r.get('/public/certificates/:certificateId', async (req, res) => {
    if (publicReader === undefined)
      throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'this gateway has no identity for public verification');
    res
      .set('Cache-Control', 'no-store')
      .json(await ledger.evaluate(publicReader, CertificateTx.verifyCertificate, [req.params.certificateId]));
  });
  return r;
}
