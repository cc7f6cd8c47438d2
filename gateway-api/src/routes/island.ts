/**
 * REST routes of a community's island mode and load shedding (chaincode `grid` contract,
 * docs/islanding.md): the utility records that the connection opened or closed and orders load
 * shedding; the operator, the utility and the regulator read the mode and the orders with their
 * history. Thin calls: the gateway refuses what the caller's role can never do (403) before the
 * ledger, and the chaincode checks everything again.
 */
import express from 'express';
import { callerOf, requireRoles } from '../access';
import { catalogue } from '@gridledger/core/catalogue';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { grid } = catalogue;

export function islandRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  r.post('/communities/:communityId/island-changes', async (req, res) => {
    requireRoles(callerOf(res), ['utility'], 'changing the island mode');
    const { result, txId } = await call(ledger, callerOf(res), grid.changeIsland, [req.params.communityId, req.body]);
    res.locals.txId = txId;
    res.status(201).json({ ...result, txId });
  });
  r.get('/communities/:communityId/island', async (req, res) => {
    requireRoles(callerOf(res), ['operator', 'utility', 'regulator'], 'reading the island mode');
    res.json(await call(ledger, callerOf(res), grid.getIsland, [req.params.communityId, String(req.query.at ?? '')]));
  });
  r.post('/communities/:communityId/load-sheddings', async (req, res) => {
    requireRoles(callerOf(res), ['utility'], 'ordering a load shedding');
    const { result, txId } = await call(ledger, callerOf(res), grid.orderShedding, [req.params.communityId, req.body]);
    res.locals.txId = txId;
    res.status(201).json({ ...result, txId });
  });
  r.get('/communities/:communityId/load-sheddings', async (req, res) => {
    requireRoles(callerOf(res), ['operator', 'utility', 'regulator'], 'reading load sheddings');
    res.json(await call(ledger, callerOf(res), grid.listSheddings, [req.params.communityId]));
  });
  return r;
}
