/**
 * REST routes of the storage marketplace (docs/storage.md): batteries and storage contracts, thin
 * calls of the storage service (storage/service.ts) and of the chaincode's `storage` contract. The
 * gateway refuses what the caller's role can never do (403) first; the chaincode checks everything
 * again with the caller's own identity.
 */
import express, { Request, Response } from 'express';
import { catalogue } from '@gridledger/core/catalogue';
import { SEARCH_FIELDS } from '@gridledger/core/storage';
import { assertActsFor, callerOf, requireRoles } from '../access';
import type { BrokerPort } from '../broker';
import { call } from '../call';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort } from '../ports';
import { storageService, type ContractChange } from '../storage/service';

const { storage } = catalogue;
const TEXT_FIELDS = new Set(['communityId', 'zone', 'from', 'to']);
const BUYERS = ['prosumer', 'consumer'];

/** The search's query parameters as the ledger takes them: numbers as numbers. */
export function searchOf(query: Request['query']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of SEARCH_FIELDS) {
    const value = query[field];
    if (value !== undefined) out[field] = TEXT_FIELDS.has(field) ? String(value) : Number(value);
  }
  return out;
}

export function storageRoutes(ledger: LedgerPort, broker?: BrokerPort): express.Router {
  const r = express.Router();
  const service = storageService(ledger);
  const changed = (res: Response, { result, txId }: ContractChange, created = false) => {
    res.locals.txId = txId;
    res.status(created && !result.replayed ? 201 : 200).json({ ...result, txId });
  };
  r.post('/batteries', async (req, res) => {
    requireRoles(callerOf(res), ['battery-provider', 'operator'], 'registering a battery');
    const { result, txId } = await call(ledger, callerOf(res), storage.registerBattery, [req.body]);
    res.locals.txId = txId;
    res.status(result.replayed ? 200 : 201).json({ ...result, txId });
  });
  r.put('/batteries/:batteryId/storage-asset', async (req, res) => {
    requireRoles(callerOf(res), ['battery-provider', 'operator'], "linking a battery's storage asset");
    const { result, txId } = await call(ledger, callerOf(res), storage.linkBatteryAsset, [req.params.batteryId, req.body]);
    res.locals.txId = txId;
    res.json({ ...result, txId });
  });
  r.get('/batteries/:batteryId', async (req, res) => {
    res.json(await call(ledger, callerOf(res), storage.getBattery, [req.params.batteryId]));
  });
  r.post('/batteries/:batteryId/state-of-charge', async (req, res) => {
    requireRoles(callerOf(res), ['battery-provider', 'operator'], 'reporting a state of charge');
    const { result, txId } = await call(ledger, callerOf(res), storage.reportStateOfCharge, [req.params.batteryId, req.body]);
    res.locals.txId = txId;
    res.json({ ...result, txId });
  });
  // The battery's broker credential: it publishes its state of charge, which the device bridge records (docs/storage.md).
  r.post('/batteries/:batteryId/mqtt-credential', async (req, res) => {
    const caller = callerOf(res);
    requireRoles(caller, ['battery-provider', 'operator'], "a battery's broker credential");
    const battery = await call(ledger, caller, storage.getBattery, [req.params.batteryId]);
    assertActsFor(caller, battery.providerId);
    if (!broker) throw new GridLedgerError(ErrorCodes.BROKER_UNAVAILABLE, 'this gateway has no MQTT broker to make credentials on');
    const credential = await broker.grant({ kind: 'battery', communityId: battery.communityId, batteryId: battery.batteryId });
    res.status(201).set('Cache-Control', 'no-store').json(credential);
  });
  r.get('/communities/:communityId/batteries', async (req, res) => {
    res.json(await call(ledger, callerOf(res), storage.listBatteries, [req.params.communityId]));
  });
  r.get('/storage/offers', async (req, res) => {
    res.json(await service.search(callerOf(res), searchOf(req.query)));
  });
  r.get('/storage/quote', async (req, res) => {
    const q = req.query as Record<string, string>;
    res.json(await service.quote(callerOf(res), { batteryId: q.batteryId, reservedWh: Number(q.reservedWh), from: q.from, to: q.to }));
  });
  r.post('/storage/contracts', async (req, res) => {
    requireRoles(callerOf(res), BUYERS, 'confirming a storage contract');
    changed(res, await service.reserve(callerOf(res), req.body as Record<string, unknown>), true);
  });
  r.get('/storage/contracts/:contractId', async (req, res) => {
    res.json(await service.status(callerOf(res), req.params.contractId));
  });
  r.get('/storage/contracts/:contractId/feedback', async (req, res) => {
    res.json(await call(ledger, callerOf(res), storage.listStorageFeedback, [req.params.contractId]));
  });
  r.post('/storage/contracts/:contractId/cancellation', async (req, res) => {
    requireRoles(callerOf(res), [...BUYERS, 'battery-provider'], 'cancelling a storage contract');
    changed(res, await service.cancel(callerOf(res), req.params.contractId));
  });
  r.post('/storage/contracts/:contractId/settlement', async (req, res) => {
    requireRoles(callerOf(res), ['operator', ...BUYERS, 'battery-provider'], 'settling a storage contract');
    changed(res, await service.settle(callerOf(res), req.params.contractId));
  });
  return r;
}
