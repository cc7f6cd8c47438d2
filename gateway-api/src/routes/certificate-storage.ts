/**
 * REST routes of storage records (docs/certificates.md, "Storage and matching on the ledger"):
 * thin calls of the chaincode's `certificates` contract. A storage charge reads the battery's
 * import, household data: it is endorsed by the consumption collection's members, as readings are.
 */
import express, { Response } from 'express';
import { catalogue } from '@gridledger/core/catalogue';
import { callerOf, requireRoles } from '../access';
import { call } from '../call';
import type { LedgerPort } from '../ports';
import { CONSUMPTION_MEMBERS } from './metering';

const { certificates } = catalogue;

export function certificateStorageRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const evaluate = async (res: Response, answer: Promise<unknown>) => res.json(await answer);

  r.post('/certificates/storage-discharges', async (req, res) => {
    requireRoles(callerOf(res), ['regulator', 'utility', 'operator'], 'issuing storage discharge certificates');
    const { result, txId } = await call(ledger, callerOf(res), certificates.issueStorageDischarge, [
      String(req.body.assetId),
      String(req.body.hourStart),
    ]);
    res.locals.txId = txId;
    res.status(201).json({ ...result, txId });
  });
  r.post('/certificates/:bundleId/storage-charge', async (req, res) => {
    requireRoles(callerOf(res), ['prosumer', 'consumer'], 'charging storage with certificates');
    const { result, txId } = await call(ledger, callerOf(res), certificates.chargeStorage, [req.params.bundleId, req.body], {
      endorsingOrganizations: CONSUMPTION_MEMBERS,
    });
    res.locals.txId = txId;
    res.json({ ...result, txId });
  });
  r.get('/assets/:assetId/storage-charges', async (req, res) =>
    evaluate(res, call(ledger, callerOf(res), certificates.listStorageCharges, [req.params.assetId])),
  );
  // The audit's inputs of a contract's share: the battery meter's import is household data (the collection's members).
  r.get('/assets/:assetId/hours/:hourStart/storage-share-inputs', async (req, res) =>
    evaluate(res, call(ledger, callerOf(res), certificates.getStorageShareInputs, [req.params.assetId, req.params.hourStart])),
  );
  return r;
}
