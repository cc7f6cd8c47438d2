/**
 * REST routes of the market and of credits: thin calls of the chaincode's `market` and `credits`
 * contracts. The gateway refuses what the caller's role can never do (403) before the ledger; the
 * chaincode checks everything again with the caller's own identity.
 */
import express, { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { callerOf, denied, requireRoles } from '../access';
import { catalogue, type ArgValues, type Transaction } from '@gridledger/core/catalogue';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { credits, market } = catalogue;

const caller = callerOf;

/** A participant sees only its own accounts and orders; `roles` see everyone's. */
function requireSelfOrRoles(user: WalletUser, participantId: string, roles: readonly string[]): void {
  if (user.role !== undefined && roles.includes(user.role)) return;
  if (user.participantId !== participantId) throw denied('this belongs to another participant', { participantId });
}

const page = (query: Record<string, unknown>) => [String(query.pageSize ?? '100'), String(query.bookmark ?? '')] as const;

export function marketRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const submit = async <T extends Transaction<'submit'>>(res: Response, tx: T, args: ArgValues<T['args']>, status = 200) => {
    const { result, txId } = await call(ledger, caller(res), tx, args);
    res.locals.txId = txId;
    res.status(status).json({ ...(result as object), txId });
  };
  const evaluate = async <T extends Transaction<'evaluate'>>(res: Response, tx: T, args: ArgValues<T['args']>) => {
    res.json(await call(ledger, caller(res), tx, args));
  };

  // Credits
  r.post('/credits/deposits', async (req, res) => {
    requireRoles(caller(res), ['utility'], 'issuing credits');
    await submit(res, credits.deposit, [req.body], 201);
  });
  r.post('/credits/withdrawals', async (req, res) => {
    requireRoles(caller(res), ['utility'], 'redeeming credits');
    await submit(res, credits.withdraw, [req.body], 201);
  });
  r.post('/credits/transfers', async (req, res) => {
    requireRoles(caller(res), ['prosumer', 'consumer'], 'transferring credits');
    await submit(res, credits.transfer, [req.body], 201);
  });
  r.get('/credits/supply', async (_req, res) => {
    requireRoles(caller(res), ['operator', 'utility', 'regulator'], 'reading the supply');
    await evaluate(res, credits.getSupply, []);
  });
  r.get('/credits/:participantId', async (req, res) => {
    requireSelfOrRoles(caller(res), req.params.participantId, ['operator', 'utility', 'regulator']);
    await evaluate(res, credits.getAccount, [req.params.participantId]);
  });
  r.get('/credits/:participantId/statement', async (req, res) => {
    requireSelfOrRoles(caller(res), req.params.participantId, ['utility', 'regulator']);
    await evaluate(res, credits.getStatement, [req.params.participantId, ...page(req.query)]);
  });

  // Parameters
  r.get('/markets/:communityId/params', async (req, res) => {
    await evaluate(res, market.getParams, [req.params.communityId, String(req.query.at ?? '')]);
  });
  r.patch('/markets/:communityId/params', async (req, res) => {
    requireRoles(caller(res), ['operator'], 'changing market parameters');
    await submit(res, market.setParams, [req.params.communityId, req.body]);
  });

  // Orders, one or a batch: a retry with the same clientOrderId returns the same order (200
  // instead of 201; for a batch, 200 when every one of its orders was placed before).
  const replayedOf = (result: { replayed?: boolean; orders?: { replayed: boolean }[] }) =>
    result.orders?.every((o) => o.replayed) ?? result.replayed === true;
  for (const [path, fn] of [
    ['/orders', market.placeOrder],
    ['/orders/batch', market.placeOrders],
  ] as const) {
    r.post(path, async (req, res) => {
      requireRoles(caller(res), ['prosumer', 'consumer'], 'placing an order');
      const { result, txId } = await call(ledger, caller(res), fn, [req.body]);
      res.locals.txId = txId;
      res.status(replayedOf(result) ? 200 : 201).json({ ...(result as object), txId });
    });
  }
  r.get('/orders/:orderId', async (req, res) => {
    await evaluate(res, market.getOrder, [req.params.orderId]);
  });
  r.delete('/orders/:orderId', async (req, res) => {
    requireRoles(caller(res), ['prosumer', 'consumer'], 'cancelling an order');
    // Reading it as the caller first refuses someone else's order (403) or none (404) before a transaction.
    await call(ledger, caller(res), market.getOrder, [req.params.orderId]);
    await submit(res, market.cancelOrder, [req.params.orderId]);
  });
  r.get('/participants/:participantId/orders', async (req, res) => {
    requireSelfOrRoles(caller(res), req.params.participantId, ['operator', 'regulator']);
    await evaluate(res, market.listOrders, [req.params.participantId, ...page(req.query)]);
  });

  // Intervals: state, steps (operator), results.
  const interval = '/markets/:communityId/intervals/:intervalStart';
  r.get(interval, async (req, res) => evaluate(res, market.getInterval, [req.params.communityId, req.params.intervalStart]));
  for (const [step, fn] of [
    ['close', market.closeInterval],
    ['clear', market.clearInterval],
    ['settle', market.settleInterval],
  ] as const) {
    r.post(`${interval}/${step}`, async (req, res) => {
      requireRoles(caller(res), ['operator'], `${step} an interval`);
      // Clearing and settlement go in pages: `?page=n` names the page meant, '' the next one.
      const { communityId, intervalStart } = req.params;
      if (fn === market.closeInterval) await submit(res, fn, [communityId, intervalStart]);
      else await submit(res, fn, [communityId, intervalStart, String(req.query.page ?? '')]);
    });
  }
  r.post(`${interval}/corrections/:participantId`, async (req, res) => {
    requireRoles(caller(res), ['operator'], 'correcting a settlement');
    await submit(res, market.correctSettlement, [req.params.communityId, req.params.intervalStart, req.params.participantId]);
  });
  r.get(`${interval}/curves`, async (req, res) => evaluate(res, market.getCurves, [req.params.communityId, req.params.intervalStart]));
  r.get(`${interval}/clearing`, async (req, res) => evaluate(res, market.getClearing, [req.params.communityId, req.params.intervalStart]));
  r.get(`${interval}/orders`, async (req, res) => {
    requireRoles(caller(res), ['operator', 'utility', 'regulator'], 'reading the orders of an interval');
    await evaluate(res, market.getClearingOrders, [req.params.communityId, req.params.intervalStart]);
  });
  r.get(`${interval}/settlement`, async (req, res) => {
    requireRoles(caller(res), ['operator', 'utility', 'regulator'], 'reading a settlement');
    await evaluate(res, market.getSettlement, [req.params.communityId, req.params.intervalStart]);
  });
  // `order=desc`: newest first, from the index of the lists contract (chaincode/src/lists).
  r.get('/markets/:communityId/results', async (req, res) =>
    req.query.order === 'desc'
      ? evaluate(res, catalogue.lists.listLatestResults, [req.params.communityId, ...page(req.query)])
      : evaluate(res, market.listResults, [req.params.communityId, ...page(req.query)]),
  );
  return r;
}
