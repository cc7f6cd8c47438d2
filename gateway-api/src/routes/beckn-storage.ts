/**
 * The BAP's REST API for our users (docs/beckn.md, "The BAP's REST API"): search storage at the
 * BPPs we know, compare their offers, ask a quote, contract, ask the status, cancel. Each request
 * sends a signed Beckn message and answers 202 at once; the BPP's callbacks arrive at the BAP's
 * on_* endpoints and are read with GET /beckn/storage/transactions/{transactionId}. Only on a
 * gateway that is a Beckn BAP (the Utility's); elsewhere ROUTE_NOT_FOUND.
 */
import express, { Response } from 'express';
import { assertActsFor, callerOf } from '../access';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { StorageBap, StorageOrderRequest } from '../beckn/storage-bap';

export function becknStorageRoutes(bap: StorageBap | undefined): express.Router {
  const r = express.Router();
  const mine = (res: Response): { bap: StorageBap; owner: string } => {
    if (!bap) throw new GridLedgerError(ErrorCodes.ROUTE_NOT_FOUND, 'this gateway is not a Beckn BAP (the Utility gateway is)');
    return { bap, owner: callerOf(res).id };
  };
  const tx = (p: unknown) => String(p);
  r.post('/beckn/storage/searches', async (req, res) => {
    const { bap: b, owner } = mine(res);
    res.status(202).json(await b.search(owner, req.body));
  });
  r.get('/beckn/storage/transactions/:transactionId', (req, res) => {
    const { bap: b, owner } = mine(res);
    res.json(b.view(owner, tx(req.params.transactionId)));
  });
  r.post('/beckn/storage/transactions/:transactionId/quotes', (req, res) => {
    const { bap: b, owner } = mine(res);
    res.status(202).json({ messageId: b.send(owner, tx(req.params.transactionId), 'select', req.body as StorageOrderRequest) });
  });
  r.post('/beckn/storage/transactions/:transactionId/contracts', (req, res) => {
    const { bap: b, owner } = mine(res);
    const order = req.body as StorageOrderRequest;
    // The buyer pays from its own credits: a household contracts for itself, an operator or utility for any participant.
    assertActsFor(callerOf(res), order.buyerId!);
    res.status(202).json({ messageId: b.send(owner, tx(req.params.transactionId), 'confirm', order) });
  });
  for (const [path, action] of [
    ['status', 'status'],
    ['cancellation', 'cancel'],
  ] as const) {
    r.post(`/beckn/storage/transactions/:transactionId/${path}`, (req, res) => {
      const { bap: b, owner } = mine(res);
      res
        .status(202)
        .json({ messageId: b.send(owner, tx(req.params.transactionId), action, req.body as { bppId: string; orderId: string }) });
    });
  }
  return r;
}
