/**
 * REST routes of long-term bilateral contracts: thin calls of the chaincode's `contracts`
 * contract. The gateway refuses what the caller's role can never do (403) first; the chaincode
 * checks everything again with the caller's own identity.
 */
import express, { Response } from 'express';
import { callerOf, requireRoles } from '../access';
import { catalogue, type ArgValues, type Transaction } from '@gridledger/core/catalogue';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { contracts } = catalogue;

export function contractRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const submit = async <T extends Transaction<'submit'>>(res: Response, tx: T, args: ArgValues<T['args']>, created = false) => {
    const { result, txId } = await call(ledger, callerOf(res), tx, args);
    res.locals.txId = txId;
    const replayed = (result as { replayed?: boolean }).replayed === true;
    res.status(created && !replayed ? 201 : 200).json({ ...(result as object), txId });
  };
  const traders = ['prosumer', 'consumer'];
  r.post('/contracts', async (req, res) => {
    requireRoles(callerOf(res), traders, 'proposing a contract');
    await submit(res, contracts.proposeContract, [req.body], true);
  });
  r.get('/contracts/:contractId', async (req, res) =>
    res.json(await call(ledger, callerOf(res), contracts.getContract, [req.params.contractId])),
  );
  for (const [path, fn] of [
    ['acceptance', contracts.acceptContract],
    ['withdrawal', contracts.withdrawContract],
  ] as const) {
    r.post(`/contracts/:contractId/${path}`, async (req, res) => {
      requireRoles(callerOf(res), traders, `contract ${path}`);
      await submit(res, fn, [req.params.contractId]);
    });
  }
  const settlement = '/markets/:communityId/intervals/:intervalStart/contract-settlement';
  r.post(settlement, async (req, res) => {
    requireRoles(callerOf(res), ['operator'], 'settling contracts');
    await submit(res, contracts.settleContracts, [req.params.communityId, req.params.intervalStart]);
  });
  r.get(settlement, async (req, res) => {
    requireRoles(callerOf(res), ['operator', 'utility', 'regulator'], 'reading a contract settlement');
    res.json(await call(ledger, callerOf(res), contracts.getContractSettlement, [req.params.communityId, req.params.intervalStart]));
  });
  r.post(`${settlement}/corrections/:participantId`, async (req, res) => {
    requireRoles(callerOf(res), ['operator'], 'correcting a contract settlement');
    await submit(res, contracts.correctContractSettlement, [req.params.communityId, req.params.intervalStart, req.params.participantId]);
  });
  return r;
}
