/**
 * REST routes of the market and of credits: thin calls of the chaincode's `market` and `credits`
 * contracts. The gateway refuses what the caller's role can never do (403) before the ledger; the
 * chaincode checks everything again with the caller's own identity.
 */
import express, { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { callerOf, denied, requireRoles } from '../access';
import type { LedgerPort } from '../ports';

/** The chaincode functions these routes call. */
export const MarketTx = {
  deposit: 'credits:deposit',
  withdraw: 'credits:withdraw',
  transfer: 'credits:transfer',
  getAccount: 'credits:getAccount',
  getStatement: 'credits:getStatement',
  getSupply: 'credits:getSupply',
  setParams: 'market:setParams',
  getParams: 'market:getParams',
  placeOrder: 'market:placeOrder',
  placeOrders: 'market:placeOrders',
  cancelOrder: 'market:cancelOrder',
  getOrder: 'market:getOrder',
  listOrders: 'market:listOrders',
  getCurves: 'market:getCurves',
  closeInterval: 'market:closeInterval',
  clearInterval: 'market:clearInterval',
  settleInterval: 'market:settleInterval',
  correctSettlement: 'market:correctSettlement',
  getInterval: 'market:getInterval',
  getClearing: 'market:getClearing',
  getClearingOrders: 'market:getClearingOrders',
  getSettlement: 'market:getSettlement',
  listResults: 'market:listResults',
  listDue: 'market:listDue',
} as const;

const caller = callerOf;

/** A participant sees only its own accounts and orders; `roles` see everyone's. */
function requireSelfOrRoles(user: WalletUser, participantId: string, roles: readonly string[]): void {
  if (user.role !== undefined && roles.includes(user.role)) return;
  if (user.participantId !== participantId) throw denied('this belongs to another participant', { participantId });
}

const page = (query: Record<string, unknown>) => [String(query.pageSize ?? '100'), String(query.bookmark ?? '')];

export function marketRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const submit = async (res: Response, fn: string, args: string[], status = 200) => {
    const { result, txId } = await ledger.submit(caller(res), fn, args);
    res.locals.txId = txId;
    res.status(status).json({ ...(result as object), txId });
  };
  const evaluate = async (res: Response, fn: string, args: string[]) => {
    res.json(await ledger.evaluate(caller(res), fn, args));
  };

  // Credits
  r.post('/credits/deposits', async (req, res) => {
    requireRoles(caller(res), ['utility'], 'issuing credits');
    await submit(res, MarketTx.deposit, [JSON.stringify(req.body)], 201);
  });
  r.post('/credits/withdrawals', async (req, res) => {
    requireRoles(caller(res), ['utility'], 'redeeming credits');
    await submit(res, MarketTx.withdraw, [JSON.stringify(req.body)], 201);
  });
  r.post('/credits/transfers', async (req, res) => {
    requireRoles(caller(res), ['prosumer', 'consumer'], 'transferring credits');
    await submit(res, MarketTx.transfer, [JSON.stringify(req.body)], 201);
  });
  r.get('/credits/supply', async (_req, res) => {
    requireRoles(caller(res), ['operator', 'utility', 'regulator'], 'reading the supply');
    await evaluate(res, MarketTx.getSupply, []);
  });
  r.get('/credits/:participantId', async (req, res) => {
    requireSelfOrRoles(caller(res), req.params.participantId, ['operator', 'utility', 'regulator']);
    await evaluate(res, MarketTx.getAccount, [req.params.participantId]);
  });
  r.get('/credits/:participantId/statement', async (req, res) => {
    requireSelfOrRoles(caller(res), req.params.participantId, ['utility', 'regulator']);
    await evaluate(res, MarketTx.getStatement, [req.params.participantId, ...page(req.query)]);
  });

  // Parameters
  r.get('/markets/:communityId/params', async (req, res) => {
    await evaluate(res, MarketTx.getParams, [req.params.communityId, String(req.query.at ?? '')]);
  });
  r.patch('/markets/:communityId/params', async (req, res) => {
    requireRoles(caller(res), ['operator'], 'changing market parameters');
    await submit(res, MarketTx.setParams, [req.params.communityId, JSON.stringify(req.body)]);
  });

  // Orders, one or a batch: a retry with the same clientOrderId returns the same order (200
  // instead of 201; for a batch, 200 when every one of its orders was placed before).
  const replayedOf = (result: { replayed?: boolean; orders?: { replayed: boolean }[] }) => result.orders?.every((o) => o.replayed) ?? result.replayed === true;
  for (const [path, fn] of [
    ['/orders', MarketTx.placeOrder],
    ['/orders/batch', MarketTx.placeOrders],
  ] as const) {
    r.post(path, async (req, res) => {
      requireRoles(caller(res), ['prosumer', 'consumer'], 'placing an order');
      const { result, txId } = await ledger.submit(caller(res), fn, [JSON.stringify(req.body)]);
      res.locals.txId = txId;
      res.status(replayedOf(result as object) ? 200 : 201).json({ ...(result as object), txId });
    });
  }
  r.get('/orders/:orderId', async (req, res) => {
    await evaluate(res, MarketTx.getOrder, [req.params.orderId]);
  });
  r.delete('/orders/:orderId', async (req, res) => {
    requireRoles(caller(res), ['prosumer', 'consumer'], 'cancelling an order');
    // Reading it as the caller first refuses someone else's order (403) or none (404) before a transaction.
    await ledger.evaluate(caller(res), MarketTx.getOrder, [req.params.orderId]);
    await submit(res, MarketTx.cancelOrder, [req.params.orderId]);
  });
  r.get('/participants/:participantId/orders', async (req, res) => {
    requireSelfOrRoles(caller(res), req.params.participantId, ['operator', 'regulator']);
    await evaluate(res, MarketTx.listOrders, [req.params.participantId, ...page(req.query)]);
  });

  // Intervals: state, steps (operator), results.
  const interval = '/markets/:communityId/intervals/:intervalStart';
  r.get(interval, async (req, res) => evaluate(res, MarketTx.getInterval, [req.params.communityId, req.params.intervalStart]));
  for (const [step, fn] of [
    ['close', MarketTx.closeInterval],
    ['clear', MarketTx.clearInterval],
    ['settle', MarketTx.settleInterval],
  ] as const) {
    r.post(`${interval}/${step}`, async (req, res) => {
      requireRoles(caller(res), ['operator'], `${step} an interval`);
      // Clearing and settlement go in pages: `?page=n` names the page meant, '' the next one.
      const page = step === 'close' ? [] : [String(req.query.page ?? '')];
      await submit(res, fn, [req.params.communityId, req.params.intervalStart, ...page]);
    });
  }
  r.post(`${interval}/corrections/:participantId`, async (req, res) => {
    requireRoles(caller(res), ['operator'], 'correcting a settlement');
    await submit(res, MarketTx.correctSettlement, [req.params.communityId, req.params.intervalStart, req.params.participantId]);
  });
  r.get(`${interval}/curves`, async (req, res) => evaluate(res, MarketTx.getCurves, [req.params.communityId, req.params.intervalStart]));
  r.get(`${interval}/clearing`, async (req, res) => evaluate(res, MarketTx.getClearing, [req.params.communityId, req.params.intervalStart]));
  r.get(`${interval}/orders`, async (req, res) => {
    requireRoles(caller(res), ['operator', 'utility', 'regulator'], 'reading the orders of an interval');
    await evaluate(res, MarketTx.getClearingOrders, [req.params.communityId, req.params.intervalStart]);
  });
  r.get(`${interval}/settlement`, async (req, res) => {
    requireRoles(caller(res), ['operator', 'utility', 'regulator'], 'reading a settlement');
    await evaluate(res, MarketTx.getSettlement, [req.params.communityId, req.params.intervalStart]);
  });
  r.get('/markets/:communityId/results', async (req, res) => evaluate(res, MarketTx.listResults, [req.params.communityId, ...page(req.query)]));
  return r;
}
