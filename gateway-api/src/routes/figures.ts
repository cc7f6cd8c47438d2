/**
 * REST routes of the market figures (chaincode `figures` contract): aggregates only, for every
 * authenticated caller (operator, utility, regulator and participants); the chaincode checks again.
 */
import express from 'express';
import { callerOf } from '../access';
import type { LedgerPort } from '../ports';

export const FiguresTx = {
  getIntervalFigures: 'figures:getIntervalFigures',
  getPeriodFigures: 'figures:getPeriodFigures',
} as const;

export function figureRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  r.get('/markets/:communityId/intervals/:intervalStart/figures', async (req, res) => {
    res.json(await ledger.evaluate(callerOf(res), FiguresTx.getIntervalFigures, [req.params.communityId, req.params.intervalStart]));
  });
  r.get('/markets/:communityId/figures', async (req, res) => {
    res.json(await ledger.evaluate(callerOf(res), FiguresTx.getPeriodFigures, [req.params.communityId, String(req.query.from), String(req.query.to)]));
  });
  return r;
}
