/**
 * REST routes of live telemetry and grid alerts (docs/telemetry.md). Live views and series come from
 * the telemetry service on the device bridge's loopback port (TelemetryPort); interval aggregates and
 * alerts from the ledger's `telemetry` contract. Who sees what: the operator, the utility and the
 * regulator see zones and every device; a household sees its own meters only, never a zone.
 */
import express, { Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { isSelfActing } from '@gridledger/core/core';
import { catalogue } from '@gridledger/core/catalogue';
import { assertActsFor, callerOf, requireRoles } from '../access';
import type { BrokerPort } from '../broker';
import { call } from '../call';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort } from '../ports';

const { registry, telemetry } = catalogue;
const GRID_ROLES = ['operator', 'utility', 'regulator'];

/** The telemetry service as the gateway reaches it: a GET of its path, answered with status and JSON. */
export interface TelemetryPort {
  communityId: string;
  get(pathAndQuery: string): Promise<{ status: number; body: unknown }>;
}

/** The telemetry service at `url` (the bridge's health listener, network.json's bridge.url). */
export function httpTelemetry(url: string, communityId: string, timeoutMs = 5_000): TelemetryPort {
  return {
    communityId,
    async get(pathAndQuery) {
      try {
        const res = await fetch(`${url}${pathAndQuery}`, { signal: AbortSignal.timeout(timeoutMs) });
        return { status: res.status, body: await res.json() };
      } catch (e) {
        throw new GridLedgerError(
          ErrorCodes.TELEMETRY_UNAVAILABLE,
          `the telemetry service (device bridge) did not answer: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    },
  };
}

interface LiveDevice {
  deviceId: string;
  kind: string;
  participantId?: string;
}
interface LiveView {
  communityId: string;
  at: string;
  balance: unknown;
  devices: LiveDevice[];
  activeAlerts: unknown[];
}

const seesGrid = (caller: WalletUser) => !isSelfActing(caller.role);

function reachable(port: TelemetryPort | undefined): TelemetryPort {
  if (port === undefined) throw new GridLedgerError(ErrorCodes.TELEMETRY_UNAVAILABLE, 'this gateway reaches no telemetry service');
  return port;
}

/** The live view of a community whose devices publish to no telemetry service here: nothing measured. */
const nothingLive = (communityId: string): LiveView => {
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    communityId,
    at,
    balance: { at, zones: [], supplyW: 0, demandW: 0, netExchangeW: 0, exchangeMeasured: false },
    devices: [],
    activeAlerts: [],
  };
};

/** The series query passed on as it came (the service checks it; the OpenAPI document checks its form first). */
function seriesQuery(req: express.Request): string {
  const q = new URLSearchParams();
  for (const name of ['from', 'to', 'resolution']) if (req.query[name] !== undefined) q.set(name, String(req.query[name]));
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

/** The service's answer to the caller; `named` replaces fields of a 200 answer (the zone as the caller named it). */
async function relay(res: Response, port: TelemetryPort, path: string, named: object = {}): Promise<void> {
  const answer = await port.get(path);
  if (answer.status >= 500) throw new GridLedgerError(ErrorCodes.TELEMETRY_UNAVAILABLE, 'the telemetry service failed');
  res.status(answer.status).json(answer.status === 200 ? { ...(answer.body as object), ...named } : answer.body);
}

export function telemetryRoutes(ledger: LedgerPort, port: TelemetryPort | undefined, broker: BrokerPort | undefined): express.Router {
  const r = express.Router();

  r.get('/communities/:communityId/grid/live', async (req, res) => {
    const caller = callerOf(res);
    const service = reachable(port);
    let live = nothingLive(req.params.communityId);
    if (req.params.communityId === service.communityId) {
      const answer = await service.get('/telemetry/live');
      if (answer.status !== 200) throw new GridLedgerError(ErrorCodes.TELEMETRY_UNAVAILABLE, 'the telemetry service failed');
      live = answer.body as LiveView;
    }
    // The regulator: the grid's aggregates and sensors, no household's meter (docs/security.md, household detail).
    if (caller.role === 'regulator') return void res.json({ ...live, devices: live.devices.filter((d) => d.kind !== 'meter') });
    if (seesGrid(caller)) return void res.json(live);
    // A household: its own meters' latest samples, nothing of zones, other homes or alerts.
    res.json({ communityId: live.communityId, at: live.at, devices: live.devices.filter((d) => d.participantId === caller.participantId) });
  });

  r.get('/communities/:communityId/zones/:zoneId/telemetry', async (req, res) => {
    requireRoles(callerOf(res), GRID_ROLES, "reading a zone's telemetry");
    // Zones are named within the served community; another community's zone has no samples here (an empty series).
    const service = reachable(port);
    const zone = req.params.communityId === service.communityId ? req.params.zoneId : '-'; // '-': a zone id never used
    await relay(res, service, `/telemetry/zones/${encodeURIComponent(zone)}${seriesQuery(req)}`, { zone: req.params.zoneId });
  });

  r.get('/meters/:meterId/telemetry', async (req, res) => {
    const caller = callerOf(res);
    // The registry answers a household for its own meters only (ACCESS_DENIED otherwise).
    const meter = (await call(ledger, caller, registry.getMeter, [req.params.meterId])) as
      { participantId: string; communityId: string } | undefined;
    if (!meter) throw new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, `no meter ${req.params.meterId}`);
    assertActsFor(caller, meter.participantId);
    // A household's meter is household detail: not the regulator's (it reads zones).
    if (caller.role === 'regulator') throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "a meter's telemetry is its household's detail");
    const service = reachable(port);
    await relay(res, service, `/telemetry/devices/${encodeURIComponent(req.params.meterId)}${seriesQuery(req)}`);
  });

  r.get('/communities/:communityId/zones/:zoneId/intervals', async (req, res) => {
    requireRoles(callerOf(res), GRID_ROLES, "reading a zone's interval telemetry");
    const { communityId, zoneId } = req.params;
    const bookmark = req.query.bookmark === undefined ? '' : String(req.query.bookmark);
    res.json(
      await call(ledger, callerOf(res), telemetry.listZoneIntervals, [
        communityId,
        zoneId,
        String(req.query.from),
        String(req.query.to),
        bookmark,
      ]),
    );
  });

  r.get('/communities/:communityId/alerts', async (req, res) => {
    requireRoles(callerOf(res), GRID_ROLES, 'reading grid alerts');
    const status = req.query.status === 'all' ? 'all' : 'active';
    const bookmark = req.query.bookmark === undefined ? '' : String(req.query.bookmark);
    res.json(await call(ledger, callerOf(res), telemetry.listAlerts, [req.params.communityId, status, bookmark]));
  });

  r.get('/communities/:communityId/alerts/:alertId', async (req, res) => {
    requireRoles(callerOf(res), GRID_ROLES, 'reading grid alerts');
    res.json(await call(ledger, callerOf(res), telemetry.getAlert, [req.params.communityId, req.params.alertId]));
  });

  r.post('/communities/:communityId/alerts/:alertId/acknowledgement', async (req, res) => {
    requireRoles(callerOf(res), ['operator'], 'acknowledging a grid alert');
    const { result, txId } = await call(ledger, callerOf(res), telemetry.acknowledgeAlert, [req.params.communityId, req.params.alertId]);
    res.locals.txId = txId;
    res.json({ ...result, txId });
  });

  r.post('/communities/:communityId/sensors/:sensorId/mqtt-credential', async (req, res) => {
    const caller = callerOf(res);
    requireRoles(caller, ['operator'], "a grid sensor's credential");
    if (broker === undefined)
      throw new GridLedgerError(ErrorCodes.BROKER_UNAVAILABLE, 'this gateway has no MQTT broker to make credentials on');
    const credential = await broker.grant({ kind: 'sensor', communityId: req.params.communityId, sensorId: req.params.sensorId });
    res.status(201).set('Cache-Control', 'no-store').json(credential);
  });

  return r;
}
