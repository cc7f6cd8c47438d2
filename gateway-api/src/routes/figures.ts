/**
 * REST routes of the market figures (chaincode `figures` contract): aggregates only, for every
 * authenticated caller (operator, utility, regulator and participants); the chaincode checks again.
 */
import express from 'express';
import { callerOf } from '../access';
import { catalogue } from '@gridledger/core/catalogue';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { figures } = catalogue;

export function figureRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  r.get('/markets/:communityId/intervals/:intervalStart/figures', async (req, res) => {
    res.json(await call(ledger, callerOf(res), figures.getIntervalFigures, [req.params.communityId, req.params.intervalStart]));
  });
  r.get('/markets/:communityId/figures', async (req, res) => {
    const { from, to } = req.query;
    res.json(await call(ledger, callerOf(res), figures.getPeriodFigures, [req.params.communityId, String(from), String(to)]));
  });
  return r;
}
