/**
 * REST routes of the grid model (chaincode `grid` contract) and of a clearing's zones (market
 * `getClearingZones`): thin calls; the gateway refuses what the caller's role can never do (403)
 * before the ledger, and the chaincode checks everything again with the caller's own identity.
 */
import express from 'express';
import { callerOf, requireRoles } from '../access';
import { catalogue } from '@gridledger/core/catalogue';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { grid, market } = catalogue;

export function gridRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  r.put('/communities/:communityId/grid', async (req, res) => {
    requireRoles(callerOf(res), ['utility'], 'changing the grid model');
    const { result, txId } = await call(ledger, callerOf(res), grid.setModel, [req.params.communityId, req.body]);
    res.locals.txId = txId;
    res.json({ ...result, txId });
  });
  r.get('/communities/:communityId/grid', async (req, res) => {
    res.json(await call(ledger, callerOf(res), grid.getModel, [req.params.communityId, String(req.query.at ?? '')]));
  });
  r.get('/communities/:communityId/grid/versions', async (req, res) => {
    requireRoles(callerOf(res), ['operator', 'utility', 'regulator'], 'reading the versions of the grid model');
    res.json(await call(ledger, callerOf(res), grid.listVersions, [req.params.communityId]));
  });
  r.get('/markets/:communityId/intervals/:intervalStart/zones', async (req, res) => {
    res.json(await call(ledger, callerOf(res), market.getClearingZones, [req.params.communityId, req.params.intervalStart]));
  });
  r.get('/communities/:communityId/intervals/:intervalStart/zones', async (req, res) => {
    requireRoles(callerOf(res), ['operator', 'utility', 'regulator'], "reading an interval's zones");
    res.json(await call(ledger, callerOf(res), grid.getIntervalZones, [req.params.communityId, req.params.intervalStart]));
  });
  return r;
}
