/**
 * REST routes of dispatch (docs/dispatch.md): a household registers its battery or EV charger
 * (and gets the device's broker credential), the utility sends setpoints and reads them, the owner
 * reads its resources, their dispatches and an EV's smart-charging schedule. Thin calls: the
 * chaincode checks every access and every owner limit again with the caller's identity.
 */
import express from 'express';
import { catalogue } from '@gridledger/core/catalogue';
import { formatInstant, isSelfActing, parseInstant } from '@gridledger/core/core';
import { scheduleCharging, type PriceInterval } from '@gridledger/core/dispatch';
import { assertActsFor, callerOf, requireRoles } from '../access';
import type { BrokerPort } from '../broker';
import { call } from '../call';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort, Logger } from '../ports';
import type { TelemetryPort } from './telemetry';

const { dispatch, market, grid } = catalogue;
const GRID_ROLES = ['operator', 'utility', 'regulator'];
/** A schedule covers at most two days of intervals. */
const MAX_SESSION_SECONDS = 2 * 86_400;

const noBroker = () => new GridLedgerError(ErrorCodes.BROKER_UNAVAILABLE, 'this gateway has no MQTT broker to make credentials on');

/** The price of an interval: the clearing price of the same interval a day before (its zone's, when zonal), else the retail price. */
async function priceOf(ledger: LedgerPort, caller: Parameters<typeof call>[1], communityId: string, zone: string, start: number) {
  try {
    const z = await call(ledger, caller, market.getClearingZones, [communityId, formatInstant(start - 86_400)]);
    return z.zones.find((x) => x.zoneId === zone)?.priceMicrosPerKwh ?? z.priceMicrosPerKwh ?? undefined;
  } catch (e) {
    if (e instanceof GridLedgerError && e.code !== ErrorCodes.LEDGER_UNAVAILABLE) return undefined;
    throw e;
  }
}

/** The feeder's room for more import in the resource's zone: its import limit in the grid model less what it imports now. */
async function headroomOf(
  ledger: LedgerPort,
  caller: Parameters<typeof call>[1],
  telemetry: TelemetryPort | undefined,
  c: string,
  zone: string,
) {
  let limit: number | undefined;
  try {
    limit = (await call(ledger, caller, grid.getModel, [c, ''])).zones.find((z) => z.zoneId === zone)?.importLimitW;
  } catch (e) {
    if (!(e instanceof GridLedgerError && e.code === ErrorCodes.GRID_MODEL_NOT_FOUND)) throw e;
  }
  if (limit === undefined) return Number.MAX_SAFE_INTEGER;
  if (telemetry === undefined || telemetry.communityId !== c) return limit;
  const live = await telemetry.get('/telemetry/live').catch(() => undefined);
  const zones = (live?.body as { balance?: { zones?: { zone: string; feederFlowW: number }[] } } | undefined)?.balance?.zones ?? [];
  const flow = zones.find((z) => z.zone === zone)?.feederFlowW ?? 0;
  return Math.max(0, limit - Math.max(0, -flow));
}

const text = (v: unknown): string => (v === undefined ? '' : String(v));

/** A list's query; a household's ownerId is itself unless it names another (which the chaincode refuses). */
function listQuery(query: express.Request['query'], caller: ReturnType<typeof callerOf>) {
  const own = isSelfActing(caller.role) && query.resourceId === undefined ? (caller.participantId ?? '') : '';
  return {
    communityId: text(query.communityId),
    ownerId: text(query.ownerId ?? own),
    pageSize: text(query.pageSize),
    bookmark: text(query.bookmark),
  };
}

export function dispatchRoutes(ledger: LedgerPort, broker: BrokerPort | undefined, telemetry: TelemetryPort | undefined, log: Logger) {
  const r = express.Router();

  r.post('/resources', async (req, res) => {
    const caller = callerOf(res);
    requireRoles(caller, ['prosumer', 'consumer', 'battery-provider'], 'registering a flexible resource');
    const { result, txId } = await call(ledger, caller, dispatch.registerResource, [req.body]);
    res.locals.txId = txId;
    // The device's broker credential (its commands and acks topics); the registration stands if the broker fails.
    let mqtt: unknown;
    try {
      if (!broker) throw noBroker();
      mqtt = { mqtt: await broker.grant({ kind: 'device', communityId: result.communityId, deviceId: result.resourceId }) };
    } catch (e) {
      log.error({ msg: 'no broker credential for a registered resource', resourceId: result.resourceId, error: (e as Error).message });
      mqtt = { mqttError: { code: ErrorCodes.BROKER_UNAVAILABLE, message: (e as Error).message } };
    }
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...result, txId, ...(mqtt as object) });
  });

  // The lists (docs/dispatch.md, *Lists*): a household's own by default; the chaincode refuses anyone else's.
  r.get('/resources', async (req, res) => {
    const caller = callerOf(res);
    const q = listQuery(req.query, caller);
    res.json(await call(ledger, caller, dispatch.listResourcesBy, [q.communityId, q.ownerId, q.pageSize, q.bookmark]));
  });

  r.get('/dispatches', async (req, res) => {
    const caller = callerOf(res);
    const q = listQuery(req.query, caller);
    const args: [string, string, string, string, string, string] = [
      q.communityId,
      q.ownerId,
      text(req.query.resourceId),
      text(req.query.status),
      q.pageSize,
      q.bookmark,
    ];
    res.json(await call(ledger, caller, dispatch.listDispatches, args));
  });

  r.get('/resources/:resourceId', async (req, res) => {
    res.json(await call(ledger, callerOf(res), dispatch.getResource, [req.params.resourceId]));
  });

  r.post('/resources/:resourceId/mqtt-credential', async (req, res) => {
    const caller = callerOf(res);
    requireRoles(caller, ['prosumer', 'consumer', 'battery-provider'], "a device's broker credential");
    const resource = await call(ledger, caller, dispatch.getResource, [req.params.resourceId]);
    assertActsFor(caller, resource.ownerId);
    if (!broker) throw noBroker();
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await broker.grant({ kind: 'device', communityId: resource.communityId, deviceId: resource.resourceId }));
  });

  r.post('/resources/:resourceId/charging-schedule', async (req, res) => {
    const caller = callerOf(res);
    requireRoles(caller, ['prosumer', 'consumer', 'battery-provider'], 'an EV charging schedule');
    const resource = await call(ledger, caller, dispatch.getResource, [req.params.resourceId]);
    assertActsFor(caller, resource.ownerId);
    const body = req.body as { arrivalAt?: string; departureAt?: string; energyWh: number };
    const now = Math.floor(Date.now() / 1000);
    const arrival = body.arrivalAt === undefined ? now : (parseInstant(body.arrivalAt) as number);
    const departureAt = body.departureAt ?? resource.departureAt;
    const departure = departureAt === null ? undefined : parseInstant(departureAt);
    if (departure === undefined || departure <= arrival || departure - arrival > MAX_SESSION_SECONDS)
      throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'departureAt must follow arrivalAt, by at most two days', {
        path: 'body.departureAt',
      });
    const { params } = await call(ledger, caller, market.getParams, [resource.communityId, '']);
    const step = params.intervalSeconds;
    const headroomW = await headroomOf(ledger, caller, telemetry, resource.communityId, resource.zone);
    const intervals: PriceInterval[] = [];
    for (let start = Math.floor(arrival / step) * step; start < departure; start += step) {
      const price = await priceOf(ledger, caller, resource.communityId, resource.zone, start);
      intervals.push({
        intervalStart: formatInstant(start),
        intervalSeconds: step,
        priceMicrosPerKwh: price ?? params.retailMicrosPerKwh,
        headroomW,
      });
    }
    const session = {
      arrivalAt: formatInstant(arrival),
      departureAt: formatInstant(departure),
      energyWh: body.energyWh,
      maxPowerW: resource.maxPowerW,
    };
    res.json({ resourceId: resource.resourceId, session, headroomW, ...scheduleCharging(session, intervals) });
  });

  r.get('/communities/:communityId/resources', async (req, res) => {
    requireRoles(callerOf(res), GRID_ROLES, "listing a community's flexible resources");
    res.json(await call(ledger, callerOf(res), dispatch.listResources, [req.params.communityId, String(req.query.bookmark ?? '')]));
  });

  r.post('/communities/:communityId/dispatches', async (req, res) => {
    const caller = callerOf(res);
    requireRoles(caller, ['utility'], 'dispatching a resource');
    const request = { ...(req.body as object), communityId: req.params.communityId };
    const { result, txId } = await call(ledger, caller, dispatch.requestDispatch, [request]);
    res.locals.txId = txId;
    res.status(201).json({ ...result, txId });
  });

  r.get('/communities/:communityId/dispatches', async (req, res) => {
    requireRoles(callerOf(res), GRID_ROLES, 'listing open dispatches');
    res.json(await call(ledger, callerOf(res), dispatch.listOpenDispatches, [req.params.communityId, String(req.query.bookmark ?? '')]));
  });

  r.get('/communities/:communityId/dispatches/:dispatchId', async (req, res) => {
    res.json(await call(ledger, callerOf(res), dispatch.getDispatch, [req.params.communityId, req.params.dispatchId]));
  });
  return r;
}
