/**
 * REST routes of demand response (chaincode `flex`, docs/flexibility.md): thin calls. Fixing the
 * baselines and settling an event run one transaction per opted-in participant (each touches only
 * that participant's keys), endorsed on Community and Utility: both read household consumption.
 */
import express from 'express';
import { catalogue, type ResultOf } from '@gridledger/core/catalogue';
import type { WalletUser } from '@gridledger/network';
import { assertActsFor, callerOf, requireRoles } from '../access';
import { call } from '../call';
import type { LedgerPort } from '../ports';
import { CONSUMPTION_MEMBERS } from './metering';

const { flex } = catalogue;
const OWNERS = ['utility', 'operator'];

/** Every participant opted in to the event, as the caller (operator or utility) sees them. */
async function optedIn(ledger: LedgerPort, caller: WalletUser, eventId: string): Promise<string[]> {
  const { optIns } = await call(ledger, caller, flex.getEvent, [eventId]);
  return optIns.filter((o) => o.optedIn).map((o) => o.participantId);
}

/**
 * One step (fixing the baseline, settling) for each opted-in participant in turn, endorsed on Community and Utility; also the
 * baseline scheduler's (flex-baseline-scheduler.ts).
 */
export async function eachOptedIn<T extends typeof flex.fixBaseline | typeof flex.settle>(
  ledger: LedgerPort,
  caller: WalletUser,
  eventId: string,
  tx: T,
): Promise<(ResultOf<T> & { txId: string })[]> {
  const out = [];
  for (const participantId of await optedIn(ledger, caller, eventId)) {
    const { result, txId } = await call(ledger, caller, tx as typeof flex.settle, [eventId, participantId], {
      endorsingOrganizations: CONSUMPTION_MEMBERS,
    });
    out.push({ ...(result as ResultOf<T>), txId });
  }
  return out;
}

export function flexRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  r.post('/flex/events', async (req, res) => {
    requireRoles(callerOf(res), OWNERS, 'calling a demand-response event');
    const { result, txId } = await call(ledger, callerOf(res), flex.callEvent, [req.body]);
    res.locals.txId = txId;
    res.status(201).json({ ...result, txId });
  });
  r.get('/communities/:communityId/flex-events', async (req, res) => {
    const q = (name: string) => String(req.query[name] ?? '');
    res.json(
      await call(ledger, callerOf(res), flex.listEvents, [req.params.communityId, q('from'), q('to'), q('pageSize'), q('bookmark')]),
    );
  });
  r.get('/flex/events/:eventId', async (req, res) => {
    res.json(await call(ledger, callerOf(res), flex.getEvent, [req.params.eventId]));
  });
  r.put('/flex/events/:eventId/opt-ins/:participantId', async (req, res) => {
    assertActsFor(callerOf(res), req.params.participantId);
    const body = req.body !== undefined && Object.keys(req.body as object).length > 0 ? JSON.stringify(req.body) : '';
    const { result, txId } = await call(ledger, callerOf(res), flex.optIn, [req.params.eventId, req.params.participantId, body]);
    res.locals.txId = txId;
    res.json({ ...result, txId });
  });
  r.delete('/flex/events/:eventId/opt-ins/:participantId', async (req, res) => {
    assertActsFor(callerOf(res), req.params.participantId);
    const { result, txId } = await call(ledger, callerOf(res), flex.optOut, [req.params.eventId, req.params.participantId]);
    res.locals.txId = txId;
    res.json({ ...result, txId });
  });
  r.post('/flex/events/:eventId/baselines', async (req, res) => {
    requireRoles(callerOf(res), OWNERS, 'fixing baselines');
    res.json({ eventId: req.params.eventId, baselines: await eachOptedIn(ledger, callerOf(res), req.params.eventId, flex.fixBaseline) });
  });
  r.get('/flex/events/:eventId/baselines/:participantId', async (req, res) => {
    assertActsFor(callerOf(res), req.params.participantId);
    res.json(await call(ledger, callerOf(res), flex.getBaseline, [req.params.eventId, req.params.participantId]));
  });
  r.post('/flex/events/:eventId/settlement', async (req, res) => {
    requireRoles(callerOf(res), OWNERS, 'settling an event');
    res.json({ eventId: req.params.eventId, results: await eachOptedIn(ledger, callerOf(res), req.params.eventId, flex.settle) });
  });
  r.get('/flex/events/:eventId/results', async (req, res) => {
    res.json(await call(ledger, callerOf(res), flex.getResults, [req.params.eventId]));
  });
  r.get('/flex/events/:eventId/performance/:participantId', async (req, res) => {
    assertActsFor(callerOf(res), req.params.participantId);
    res.json(await call(ledger, callerOf(res), flex.getPerformance, [req.params.eventId, req.params.participantId]));
  });
  return r;
}
