/**
 * REST routes of the paged lists (chaincode `lists` contract, docs/api.md *Lists*): a community's
 * open disputes, assets awaiting verification, deposits and withdrawals, participants, meters and
 * contracts, and a participant's own. Thin calls: the gateway refuses what the caller's role can
 * never do (403) before the ledger; the chaincode checks everything again with the caller's identity.
 */
import express, { Request, Response } from 'express';
import { isSelfActing } from '@gridledger/core/core';
import { catalogue, type ArgValues, type Transaction } from '@gridledger/core/catalogue';
import { callerOf, denied, requireRoles } from '../access';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { lists } = catalogue;

/** `pageSize` ('' for the default) and `bookmark` of a list's query. */
const pageOf = (query: Request['query']) => [String(query.pageSize ?? ''), String(query.bookmark ?? '')] as const;
const periodOf = (query: Request['query']) => [String(query.from ?? ''), String(query.to ?? '')] as const;

/** A household lists its own only; `roles` list anyone's. */
function requireSelfOr(res: Response, participantId: string, roles: readonly string[], action: string): void {
  const caller = callerOf(res);
  if (isSelfActing(caller.role) && caller.participantId === participantId) return;
  if (isSelfActing(caller.role)) throw denied(`a ${caller.role} may list its own ${action} only`, { participantId });
  requireRoles(caller, roles, `listing ${action}`);
}

export function listRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const evaluate = async <T extends Transaction<'evaluate'>>(res: Response, tx: T, args: ArgValues<T['args']>) => {
    res.json(await call(ledger, callerOf(res), tx, args));
  };
  /** A community's list, for `roles`. */
  const communityList = (path: string, tx: Transaction<'evaluate'>, roles: readonly string[], action: string) =>
    r.get(`/communities/:communityId/${path}`, async (req, res) => {
      requireRoles(callerOf(res), roles, action);
      res.json(await call(ledger, callerOf(res), tx, [req.params.communityId, ...pageOf(req.query)] as never));
    });
  communityList('disputes', lists.listOpenDisputes, ['operator', 'utility'], "listing a community's open disputes");
  communityList(
    'unverified-assets',
    lists.listUnverifiedAssets,
    ['operator', 'utility', 'regulator'],
    'listing assets awaiting verification',
  );
  communityList('participants', lists.listParticipants, ['operator', 'utility'], "listing a community's participants");
  communityList('meters', lists.listCommunityMeters, ['operator', 'utility'], "listing a community's meters");
  communityList('contracts', lists.listCommunityContracts, ['operator', 'utility', 'regulator'], "listing a community's contracts");
  r.get('/communities/:communityId/bank-entries', async (req, res) => {
    requireRoles(callerOf(res), ['utility'], "listing a community's deposits and withdrawals");
    await evaluate(res, lists.listCommunityBankEntries, [req.params.communityId, ...periodOf(req.query), ...pageOf(req.query)]);
  });

  r.get('/communities/:communityId/resolved-disputes', async (req, res) => {
    requireRoles(callerOf(res), ['operator', 'utility'], "listing a community's resolved disputes");
    await evaluate(res, lists.listResolvedDisputes, [req.params.communityId, ...periodOf(req.query), ...pageOf(req.query)]);
  });

  r.get('/participants/:participantId/disputes', async (req, res) => {
    requireSelfOr(res, req.params.participantId, ['operator', 'utility'], 'disputes');
    await evaluate(res, lists.listDisputes, [req.params.participantId, ...pageOf(req.query)]);
  });
  r.get('/participants/:participantId/contracts', async (req, res) => {
    requireSelfOr(res, req.params.participantId, ['operator', 'utility', 'regulator'], 'contracts');
    await evaluate(res, lists.listContracts, [req.params.participantId, ...pageOf(req.query)]);
  });
  r.get('/participants/:participantId/storage-contracts', async (req, res) => {
    requireSelfOr(res, req.params.participantId, ['operator', 'utility', 'regulator'], 'storage contracts');
    await evaluate(res, catalogue.storage.listStorageContracts, [req.params.participantId, ...pageOf(req.query)]);
  });
  r.get('/participants/:participantId/bank-entries', async (req, res) => {
    requireSelfOr(res, req.params.participantId, ['utility'], 'deposits and withdrawals');
    await evaluate(res, lists.listBankEntries, [req.params.participantId, ...periodOf(req.query), ...pageOf(req.query)]);
  });

  // A page read (Fabric pages ranges in queries only), then its indexes written.
  r.post('/list-indexes/backfill', async (req, res) => {
    requireRoles(callerOf(res), ['operator', 'regulator'], 'backfilling the list indexes');
    const { kind, pageSize, bookmark } = req.body as { kind: 'disputes'; pageSize?: number; bookmark?: string };
    const page = await call(ledger, callerOf(res), lists.readBackfillPage, [kind, String(pageSize ?? ''), bookmark ?? '']);
    const { result, txId } = await call(ledger, callerOf(res), lists.backfillIndexes, [kind, page.ids]);
    res.locals.txId = txId;
    res.json({ ...result, bookmark: page.bookmark, txId });
  });
  return r;
}
