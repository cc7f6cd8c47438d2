/**
 * REST routes of hourly matching (docs/certificates.md, "Storage and matching on the ledger"): thin
 * calls of the chaincode's `certificates` contract. Matching reads household consumption: a
 * household's hours for itself, the operator and the utility; a community's totals for the operator
 * and the utility, who also record a day's totals on the channel (endorsed by the consumption
 * collection's members) for the regulator, who reads the recorded days.
 */
import express, { Request, Response } from 'express';
import { catalogue } from '@gridledger/core/catalogue';
import { callerOf, requireRoles } from '../access';
import { call } from '../call';
import type { LedgerPort } from '../ports';
import { CONSUMPTION_MEMBERS } from './metering';

const { certificates } = catalogue;
const MEMBERS = ['operator', 'utility'];

const period = (req: Request): [string, string] => [String(req.query.from), String(req.query.to)];

export function matchingRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const evaluate = async (res: Response, answer: Promise<unknown>) => res.json(await answer);

  r.get('/participants/:participantId/matching', async (req, res) => {
    requireRoles(callerOf(res), ['prosumer', 'consumer', 'operator', 'utility'], "reading a participant's hourly matching");
    await evaluate(res, call(ledger, callerOf(res), certificates.getMatching, [req.params.participantId, ...period(req)]));
  });
  r.get('/communities/:communityId/matching', async (req, res) => {
    requireRoles(callerOf(res), MEMBERS, "reading a community's matching");
    await evaluate(res, call(ledger, callerOf(res), certificates.getCommunityMatching, [req.params.communityId, ...period(req)]));
  });
  r.post('/communities/:communityId/matching/days', async (req, res) => {
    requireRoles(callerOf(res), MEMBERS, "recording a community's matching");
    const { result, txId } = await call(
      ledger,
      callerOf(res),
      certificates.recordCommunityMatching,
      [req.params.communityId, String(req.body.dayStart)],
      { endorsingOrganizations: CONSUMPTION_MEMBERS },
    );
    res.locals.txId = txId;
    res.json(result);
  });
  r.get('/communities/:communityId/matching/days', async (req, res) => {
    requireRoles(callerOf(res), ['regulator', ...MEMBERS], "reading a community's recorded matching");
    await evaluate(res, call(ledger, callerOf(res), certificates.getRecordedMatching, [req.params.communityId, ...period(req)]));
  });
  return r;
}
