/**
 * REST routes of granular certificates: thin calls of the chaincode's `certificates` contract
 * (docs/certificates.md). The gateway refuses what the caller's role can never do (403) first; the
 * chaincode checks everything again with the caller's own identity. Public verification needs no
 * API key: it is evaluated with the gateway organization's admin identity, and the chaincode
 * answers it with a pseudonym of the holder only.
 */
import express, { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { catalogue, type ArgValues, type Transaction } from '@gridledger/core/catalogue';
import { callerOf, requireRoles } from '../access';
import { call } from '../call';
import { proofOf } from '../provenance';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort } from '../ports';

const { certificates } = catalogue;
const HOLDERS = ['prosumer', 'consumer'];

/** `publicReader`: the identity public verification is evaluated with (none: public verification answers 503). */
export function certificateRoutes(ledger: LedgerPort, publicReader: WalletUser | undefined): express.Router {
  const r = express.Router();
  const submit = async <T extends Transaction<'submit'>>(res: Response, tx: T, args: ArgValues<T['args']>, status = 200) => {
    const { result, txId } = await call(ledger, callerOf(res), tx, args);
    res.locals.txId = txId;
    res.status(status).json({ ...(result as object), txId });
  };
  const evaluate = async <T extends Transaction<'evaluate'>>(res: Response, tx: T, args: ArgValues<T['args']>) =>
    res.json(await call(ledger, callerOf(res), tx, args));

  r.post('/certificates/issuances', async (req, res) => {
    requireRoles(callerOf(res), ['regulator', 'utility', 'operator'], 'issuing certificates');
    await submit(res, certificates.issue, [String(req.body.assetId), String(req.body.hourStart)], 201);
  });
  r.post('/certificates/issuances/batch', async (req, res) => {
    requireRoles(callerOf(res), ['regulator', 'utility', 'operator'], 'issuing certificates');
    await submit(res, certificates.issueBatch, [{ items: req.body.items }]);
  });
  r.post('/certificates/issuances/:issuanceId/withdrawal', async (req, res) => {
    requireRoles(callerOf(res), ['regulator'], 'withdrawing certificates');
    await submit(res, certificates.withdraw, [req.params.issuanceId, req.body]);
  });
  r.post('/certificates/:bundleId/transfer', async (req, res) => {
    requireRoles(callerOf(res), HOLDERS, 'transferring certificates');
    await submit(res, certificates.transfer, [req.params.bundleId, req.body]);
  });
  r.post('/certificates/:bundleId/claim', async (req, res) => {
    requireRoles(callerOf(res), HOLDERS, 'claiming certificates');
    await submit(res, certificates.claim, [req.params.bundleId, req.body]);
  });
  r.get('/certificates/:certificateId/provenance', async (req, res) => {
    const found = await call(ledger, callerOf(res), certificates.getProvenance, [req.params.certificateId]);
    const { issuance, issuanceTxIds, asset, meter, readings, archive, ...certificate } = found;
    const evidence = { asset, meter, readings, ...(archive !== undefined ? { archive } : {}) };
    res.json({ certificate, issuance, proof: await proofOf(ledger, evidence, issuanceTxIds, false) });
  });
  r.get('/certificates/:certificateId', async (req, res) => evaluate(res, certificates.getCertificate, [req.params.certificateId]));
  r.get('/participants/:participantId/certificates', async (req, res) => {
    const pageSize = req.query.pageSize === undefined ? '100' : String(req.query.pageSize);
    const bookmark = req.query.bookmark === undefined ? '' : String(req.query.bookmark);
    await evaluate(res, certificates.listCertificates, [req.params.participantId, pageSize, bookmark]);
  });
  r.get('/assets/:assetId/hours/:hourStart/certificate-account', async (req, res) =>
    evaluate(res, certificates.getHourAccount, [req.params.assetId, req.params.hourStart]),
  );
  r.get('/public/certificates/:certificateId', async (req, res) => {
    if (publicReader === undefined)
      throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'this gateway has no identity for public verification');
    const verification = await call(ledger, publicReader, certificates.verifyCertificate, [req.params.certificateId]);
    const proof = await proofOf(ledger, verification.proof, verification.issuanceTxIds, true);
    res.set('Cache-Control', 'no-store').json({ ...verification, proof });
  });
  return r;
}
