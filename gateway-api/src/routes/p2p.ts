/**
 * REST routes of peer-to-peer offers, requests and owner mandates (docs/p2p.md): thin calls of the
 * chaincode's `p2p` contract. The gateway refuses what the caller's role can never do (403) first;
 * the chaincode checks everything again with the caller's own identity (seller, buyer, mandates).
 */
import express, { Response } from 'express';
import { assertActsFor, callerOf, requireRoles } from '../access';
import { catalogue, type ArgValues, type Transaction } from '@gridledger/core/catalogue';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { p2p } = catalogue;
const TRADERS = ['prosumer', 'consumer'];

export function p2pRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  /** A write: 201 when new (`created`), 200 for a retry the chaincode answered as replayed, or for a step on something that exists. */
  const submit = async <T extends Transaction<'submit'>>(
    res: Response,
    action: string,
    tx: T,
    args: ArgValues<T['args']>,
    created = false,
  ) => {
    requireRoles(callerOf(res), TRADERS, action);
    const { result, txId } = await call(ledger, callerOf(res), tx, args);
    res.locals.txId = txId;
    const replayed = (result as { replayed?: boolean }).replayed === true;
    res.status(created && !replayed ? 201 : 200).json({ ...(result as object), txId });
  };
  const evaluate = async <T extends Transaction<'evaluate'>>(res: Response, tx: T, args: ArgValues<T['args']>) =>
    res.json(await call(ledger, callerOf(res), tx, args));

  r.post('/p2p/offers', (req, res) => submit(res, 'offering energy', p2p.createOffer, [req.body], true));
  r.get('/p2p/offers', (req, res) =>
    evaluate(res, p2p.listOffers, [String(req.query.communityId ?? ''), String(req.query.intervalStart ?? '')]),
  );
  r.get('/p2p/offers/:offerId', (req, res) => evaluate(res, p2p.getOffer, [req.params.offerId]));
  r.delete('/p2p/offers/:offerId', (req, res) => submit(res, 'cancelling an offer', p2p.cancelOffer, [req.params.offerId]));
  r.post('/p2p/offers/:offerId/requests', (req, res) =>
    submit(res, 'requesting an offer', p2p.requestOffer, [req.params.offerId, req.body], true),
  );
  r.get('/p2p/offers/:offerId/requests', (req, res) => evaluate(res, p2p.listRequests, [req.params.offerId]));
  r.delete('/p2p/offers/:offerId/requests/:requestId', (req, res) =>
    submit(res, 'withdrawing a request', p2p.withdrawRequest, [req.params.offerId, req.params.requestId]),
  );
  r.post('/p2p/offers/:offerId/acceptances', (req, res) =>
    submit(res, 'accepting requests', p2p.acceptRequests, [req.params.offerId, req.body]),
  );
  r.post('/p2p/offers/:offerId/refusals', (req, res) =>
    submit(res, 'refusing requests', p2p.refuseRequests, [req.params.offerId, req.body]),
  );
  r.put('/p2p/mandates/:participantId', async (req, res) => {
    assertActsFor(callerOf(res), req.params.participantId);
    await submit(res, 'setting a mandate', p2p.setMandate, [req.params.participantId, req.body]);
  });
  r.get('/p2p/mandates/:participantId', async (req, res) => {
    assertActsFor(callerOf(res), req.params.participantId);
    await evaluate(res, p2p.getMandate, [req.params.participantId]);
  });
  r.get('/p2p/meters/:meterId/agent', (req, res) => evaluate(res, p2p.getMeterAgent, [req.params.meterId]));
  return r;
}
