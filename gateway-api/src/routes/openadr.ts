/**
 * The OpenADR 3.0.1 VTN (docs/openadr.md), mounted at OPENADR_BASE outside the REST API: its own
 * OAuth2 bearer tokens (openadr/auth.ts), the specification's resources and answers. Programs and
 * events come from the ledger's demand response (chaincode `flex`, read and called through the
 * catalogue); VENs, resources, subscriptions and reports are kept in the VTN's store (openadr/store.ts).
 *
 * Over 400 lines, one file: it is the VTN's whole HTTP surface, one short handler per resource and
 * verb of the specification, sharing its scope checks and paging; the logic lives in openadr/.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { WalletUser } from '@gridledger/network';
import type { FlexEvent } from '@gridledger/core';
import express, { NextFunction, Request, Response } from 'express';
import { catalogue } from '@gridledger/core/catalogue';
import { canonicalJson, ID_PATTERN } from '@gridledger/core/core';
import { call } from '../call';
import { errorBody, ErrorCodes, fromFabricError, GridLedgerError, httpStatusOf } from '../errors';
import type { ApiKeyStore } from '../keys';
import type { LedgerPort, Logger, Wallet } from '../ports';
import { Grant, OAuthError, readsAll, requireScope, TokenIssuer } from '../openadr/auth';
import { eventMatches, flexRequestOf, OadrEvent, toOadrEvent, toOadrProgram } from '../openadr/mapping';
import { callbackAllowed, DEFAULT_CALLBACK_HOSTS } from '../openadr/callback-hosts';
import { callbacksFor, deliver, Notification } from '../openadr/notify';
import { Follower, followFlexEvents } from '../openadr/follower';
import { ObjectKind, StoredObject, VtnStore } from '../openadr/store';
import { meterOfAttributes, reportSamples, type SkippedInterval } from '../openadr/report-telemetry';
import type { TelemetryRelay } from '../openadr/telemetry-relay';
import type { MeterRecord } from '@gridledger/core/metering';

/** Where the VTN is served; a VEN's base URL is the gateway's address and this path. */
export const OPENADR_BASE = '/openadr3/3.0.1';
/** The name of the VTN's listener of the ledger's events (its checkpoint's key). */
export const VTN_LISTENER = 'openadr-vtn';
/** The most objects one GET answers (the specification's limit maximum). */
export const MAX_LIMIT = 50;

const { flex, registry } = catalogue;

export interface VtnDeps {
  ledger: LedgerPort;
  keys: ApiKeyStore;
  wallet: Wallet;
  store: VtnStore;
  log: Logger;
  /** Who reads the ledger's events for the VTN (none: the first caller with a token). */
  serviceUser?: WalletUser;
  /** Seconds since the epoch (the opt-in deadline of an event created here is halfway to its start). */
  nowSeconds?: () => number;
  /** The hosts webhooks may name (openadr/callback-hosts.ts; none given: DEFAULT_CALLBACK_HOSTS). */
  callbackHosts?: readonly string[];
  /** Where reports' samples go as telemetry, and the community whose meters it takes (none: reports are not telemetry). */
  telemetry?: { relay: TelemetryRelay; communityId: string };
}

/** A meter's zone when it has none (device-bridge's telemetry service: UNZONED). */
const UNZONED = 'unzoned';

const grantOf = (res: Response): Grant => res.locals.vtnGrant as Grant;
const invalid = (path: string, message: string) => new GridLedgerError(ErrorCodes.REQUEST_INVALID, message, { path });
const notFound = (kind: string, id: string) =>
  new GridLedgerError(ErrorCodes.OPENADR_OBJECT_NOT_FOUND, `no ${kind} ${id}`, { objectType: kind.toUpperCase(), id });

/** skip and limit of a query (limit at most MAX_LIMIT, default MAX_LIMIT). */
export function pageOf(query: Request['query']): { skip: number; limit: number } {
  const int = (name: string, fallback: number, max: number) => {
    const v = query[name];
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN;
    if (!(n <= max)) throw invalid(`query.${name}`, `${name} must be an integer from 0 to ${max}`);
    return n;
  };
  return { skip: int('skip', 0, 1e9), limit: int('limit', MAX_LIMIT, MAX_LIMIT) };
}

const page = <T>(items: T[], query: Request['query']): T[] => {
  const { skip, limit } = pageOf(query);
  return items.slice(skip, skip + limit);
};

const text = (query: Request['query'], name: string): string | undefined =>
  typeof query[name] === 'string' ? (query[name] as string) : undefined;

/** A name field: 1 to 128 characters. */
function nameIn(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v.length < 1 || v.length > 128) throw invalid(`body.${field}`, `${field} must be 1 to 128 characters`);
  return v;
}

/** A body without what the VTN provisions (id, objectType, the times). */
function provisioned(body: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, objectType: _t, createdDateTime: _c, modificationDateTime: _m, ...fields } = body;
  return fields;
}

function objectBody(req: Request): Record<string, unknown> {
  const b = req.body as unknown;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw invalid('body', 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

/** A stored object as the specification's object: its fields, then what the VTN provisions. */
function shown(o: StoredObject, objectType: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const modificationDateTime = o.modificationDateTime ?? o.createdDateTime;
  return { ...o.body, id: o.id, objectType, createdDateTime: o.createdDateTime, modificationDateTime, ...extra };
}

export function openadrRoutes(deps: VtnDeps): express.Router & { close(): void } {
  const { ledger, store, log } = deps;
  const callbackHosts = deps.callbackHosts ?? DEFAULT_CALLBACK_HOSTS;
  const issuer = new TokenIssuer(deps.keys, deps.wallet);
  const now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const stamp = () => new Date().toISOString();
  const r = express.Router();

  r.post('/auth/token', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    try {
      res.set('Cache-Control', 'no-store').json(issuer.issue((req.body ?? {}) as Record<string, unknown>));
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      res.status(e.status).json({ error: e.error, error_description: e.description });
    }
  });

  r.use(express.json({ limit: '1mb' }));
  let follower: Follower | undefined;
  r.use((req, res, next) => {
    res.locals.vtnGrant = issuer.check(req.headers.authorization);
    // Indexing is idempotent (the store keeps an event once and tells subscribers of a new one only): an event processed
    // again after a crash before its checkpoint notifies nobody twice.
    const reader = deps.serviceUser ?? grantOf(res).user;
    follower ??= followFlexEvents(ledger, reader, store.checkpoints, VTN_LISTENER, (e) => indexEvent(e), log);
    next();
  });

  /** Whether the caller sees an object of another owner (read_all), or owns it. */
  const visible = (res: Response, o: StoredObject) => readsAll(grantOf(res)) || o.owner === grantOf(res).user.id;
  const owned = (res: Response, kind: ObjectKind, id: string): StoredObject => {
    const o = store.get(kind, id);
    if (!o || !visible(res, o)) throw notFound(kind, id);
    return o;
  };
  const readScope = (res: Response) => requireScope(grantOf(res), 'read_all', 'read_targets', 'read_ven_objects');

  const notify = (n: Notification, programID?: string) => {
    const subscriptions = store.list('subscription').map((s) => s.body);
    for (const op of callbacksFor(subscriptions, n, programID)) void deliver(op, n, log, callbackHosts);
  };

  /** Indexes a ledger event under its program; subscribers are told of one the VTN did not know. */
  const indexEvent = (e: FlexEvent): OadrEvent => {
    const event = toOadrEvent(e);
    const isNew = store.add({
      kind: 'event',
      id: e.eventId,
      owner: e.calledBy,
      parent: e.programId,
      name: '',
      createdDateTime: e.calledAt,
      body: {},
    });
    if (isNew) notify({ objectType: 'EVENT', operation: 'POST', object: event as unknown as Record<string, unknown> }, event.programID);
    return event;
  };

  /** An event of the ledger as the caller reads it. */
  const readEvent = async (res: Response, eventId: string): Promise<OadrEvent> => {
    const { event } = await call(ledger, grantOf(res).user, flex.getEvent, [eventId]);
    return indexEvent(event);
  };

  // Programs: the flex programIds of the events the VTN knows, and those created here.
  const programIds = (): string[] => [
    ...new Set([...store.list('program'), ...store.list('event')].map((o) => (o.kind === 'program' ? o.id : o.parent))),
  ];
  r.get('/programs', (req, res) => {
    readScope(res);
    res.json(
      page(
        programIds().map((id) => toOadrProgram(id, store.get('program', id))),
        req.query,
      ),
    );
  });
  r.get('/programs/:programID', (req, res) => {
    readScope(res);
    const id = req.params.programID;
    if (!programIds().includes(id)) throw notFound('program', id);
    res.json(toOadrProgram(id, store.get('program', id)));
  });
  r.post('/programs', (req, res) => {
    requireScope(grantOf(res), 'write_programs');
    const body = objectBody(req);
    const programName = nameIn(body, 'programName');
    if (!ID_PATTERN.test(programName))
      throw invalid('body.programName', 'programName is the program id of our events: letters, digits, . _ -');
    const o = {
      kind: 'program' as const,
      id: programName,
      owner: grantOf(res).user.id,
      parent: '',
      name: programName,
      createdDateTime: stamp(),
      body,
    };
    if (!store.add(o)) throw new GridLedgerError(ErrorCodes.OPENADR_NAME_TAKEN, `program ${programName} exists`, { name: programName });
    res.status(201).json(toOadrProgram(o.id, o));
  });

  // Events: on the ledger.
  r.get('/events', async (req, res) => {
    readScope(res);
    const programID = text(req.query, 'programID');
    const targetType = text(req.query, 'targetType');
    const values = req.query.targetValues;
    const targetValues = values === undefined ? undefined : ([] as unknown[]).concat(values).map(String);
    pageOf(req.query);
    const events: OadrEvent[] = [];
    for (const o of store.list('event', programID)) events.push(await readEvent(res, o.id));
    res.json(
      page(
        events.filter((e) => eventMatches(e, { programID, targetType, targetValues })),
        req.query,
      ),
    );
  });
  r.get('/events/:eventID', async (req, res) => {
    readScope(res);
    res.json(await readEvent(res, req.params.eventID));
  });
  r.post('/events', async (req, res) => {
    requireScope(grantOf(res), 'write_events');
    const request = flexRequestOf(req.body, `oadr-${randomUUID().slice(0, 8)}`, now());
    const { result, txId } = await call(ledger, grantOf(res).user, flex.callEvent, [request as { eventId: string }]);
    const event = indexEvent(result);
    res.locals.txId = txId;
    res.status(201).json(event);
  });

  // VENs and their resources: the VEN belongs to the caller's user.
  const resourcesOf = (venId: string) => store.list('resource', venId).map((o) => shown(o, 'RESOURCE', { venID: venId }));
  const showVen = (o: StoredObject) => shown(o, 'VEN', { resources: resourcesOf(o.id) });
  /** The caller's active meter a resource names (GL_METER_ID), read from the ledger; undefined when it names none. */
  const meterOf = async (res: Response, body: Record<string, unknown>, path: string): Promise<MeterRecord | undefined> => {
    let meterId: string | undefined;
    try {
      meterId = meterOfAttributes(body.attributes);
    } catch (e) {
      throw invalid(`${path}.attributes`, (e as Error).message);
    }
    if (meterId === undefined) return undefined;
    if (!ID_PATTERN.test(meterId)) throw invalid(`${path}.attributes`, 'the meter id is not an id');
    return callersMeter(res, meterId);
  };
  /** The caller's active meter of that id, read from the ledger as the caller. */
  const callersMeter = async (res: Response, meterId: string): Promise<MeterRecord> => {
    const user = grantOf(res).user;
    const meter = (await call(ledger, user, registry.getMeter, [meterId])) as MeterRecord | undefined;
    if (!meter) throw new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, `no meter ${meterId}`, { meterId });
    if (meter.participantId !== user.participantId)
      throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `meter ${meterId} is not the caller's`, { meterId });
    if (!meter.active) throw new GridLedgerError(ErrorCodes.METER_INACTIVE, `meter ${meterId} is retired`, { meterId });
    return meter;
  };
  /** A resource checked (its name free, its meter the caller's): everything is checked before anything is stored. */
  const checkResource = async (res: Response, venId: string, body: Record<string, unknown>, path: string): Promise<void> => {
    const resourceName = nameIn(body, 'resourceName');
    if (store.named('resource', venId, resourceName))
      throw new GridLedgerError(ErrorCodes.OPENADR_NAME_TAKEN, `VEN ${venId} has a resource ${resourceName}`, { name: resourceName });
    await meterOf(res, body, path);
  };
  const addResource = (res: Response, venId: string, body: Record<string, unknown>): StoredObject => {
    const resourceName = nameIn(body, 'resourceName');
    const { id: _id, venID: _ven, objectType: _type, ...fields } = body;
    const o = {
      kind: 'resource' as const,
      id: `res-${randomUUID()}`,
      owner: grantOf(res).user.id,
      parent: venId,
      name: resourceName,
      createdDateTime: stamp(),
      body: fields,
    };
    store.add(o);
    return o;
  };
  r.get('/vens', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects');
    const venName = text(req.query, 'venName');
    const vens = store.list('ven').filter((o) => visible(res, o) && (venName === undefined || o.name === venName));
    res.json(page(vens.map(showVen), req.query));
  });
  r.post('/vens', async (req, res) => {
    requireScope(grantOf(res), 'write_vens');
    const body = objectBody(req);
    const venName = nameIn(body, 'venName');
    if (store.named('ven', '', venName))
      throw new GridLedgerError(ErrorCodes.OPENADR_NAME_TAKEN, `a VEN ${venName} exists`, { name: venName });
    const resources = body.resources ?? [];
    if (!Array.isArray(resources)) throw invalid('body.resources', 'resources must be an array');
    const names = new Set<string>();
    for (const [k, x] of resources.entries()) {
      if (typeof x !== 'object' || x === null) throw invalid(`body.resources[${k}]`, 'a resource must be an object');
      const resourceName = nameIn(x as Record<string, unknown>, 'resourceName');
      if (names.has(resourceName))
        throw new GridLedgerError(ErrorCodes.OPENADR_NAME_TAKEN, `resource ${resourceName} is named twice`, { name: resourceName });
      names.add(resourceName);
      await meterOf(res, x as Record<string, unknown>, `body.resources[${k}]`);
    }
    const { resources: _r, id: _id, objectType: _t, ...fields } = body;
    const ven = {
      kind: 'ven' as const,
      id: `ven-${randomUUID()}`,
      owner: grantOf(res).user.id,
      parent: '',
      name: venName,
      createdDateTime: stamp(),
      body: fields,
    };
    store.add(ven);
    for (const x of resources as Record<string, unknown>[]) addResource(res, ven.id, x);
    res.status(201).json(showVen(ven));
  });
  r.get('/vens/:venID', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects');
    res.json(showVen(owned(res, 'ven', req.params.venID)));
  });
  r.get('/vens/:venID/resources', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects');
    const ven = owned(res, 'ven', req.params.venID);
    res.json(page(resourcesOf(ven.id), req.query));
  });
  r.post('/vens/:venID/resources', async (req, res) => {
    requireScope(grantOf(res), 'write_vens');
    const ven = owned(res, 'ven', req.params.venID);
    if (ven.owner !== grantOf(res).user.id) throw notFound('ven', ven.id);
    const body = objectBody(req);
    await checkResource(res, ven.id, body, 'body');
    res.status(201).json(shown(addResource(res, ven.id, body), 'RESOURCE', { venID: ven.id }));
  });

  // Reports: a VEN reports on its own resources only.
  r.post('/reports', async (req, res) => {
    requireScope(grantOf(res), 'write_reports');
    const body = objectBody(req);
    for (const f of ['programID', 'eventID'])
      if (typeof body[f] !== 'string' || body[f] === '') throw invalid(`body.${f}`, `${f} is required`);
    nameIn(body, 'clientName');
    if (!Array.isArray(body.resources) || body.resources.length === 0)
      throw invalid('body.resources', 'resources must list the resources reported on');
    const myResources = store
      .list('ven')
      .filter((v) => v.owner === grantOf(res).user.id)
      .flatMap((v) => store.list('resource', v.id));
    const mine = new Set(myResources.map((o) => o.name));
    (body.resources as unknown[]).forEach((x, k) => {
      const resource = (x ?? {}) as Record<string, unknown>;
      const resourceName = nameIn(resource, 'resourceName');
      if (!Array.isArray(resource.intervals)) throw invalid(`body.resources[${k}].intervals`, 'intervals must be an array');
      if (!mine.has(resourceName))
        throw new GridLedgerError(ErrorCodes.OPENADR_FOREIGN_RESOURCE, `${resourceName} is not a resource of the caller's VENs`, {
          resourceName,
        });
    });
    const event = await readEvent(res, body.eventID as string);
    if (event.programID !== body.programID) throw invalid('body.programID', `event ${event.id} is of program ${event.programID}`);
    // On the ledger: the report's resources, payload types and hash, as the household (flex:recordReport).
    const user = grantOf(res).user;
    if (user.participantId === undefined) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'a report is posted by a household');
    const { id: _id, objectType: _t, ...fields } = body;
    const reportId = `rep-${randomUUID()}`;
    const resources = body.resources as { resourceName: string; intervals: { payloads?: { type?: unknown }[] }[] }[];
    const payloadTypes = resources.flatMap((x) => x.intervals.flatMap((i) => (i?.payloads ?? []).map((p) => String(p?.type))));
    const { result: recorded } = await call(ledger, user, flex.recordReport, [
      event.id,
      user.participantId,
      {
        reportId,
        clientName: fields.clientName as string,
        resourceNames: resources.map((x) => x.resourceName),
        payloadTypes: [...new Set(payloadTypes)],
        sha256: createHash('sha256').update(canonicalJson(fields)).digest('hex'),
      },
    ]);
    const o = {
      kind: 'report' as const,
      id: reportId,
      owner: user.id,
      parent: event.id,
      name: '',
      createdDateTime: recorded.at,
      // The hash on the ledger is of the report as posted (without id, objectType and this).
      body: { ...fields, ledger: { txId: recorded.txId, sha256: recorded.sha256 } },
    };
    store.add(o);
    const telemetry = await relayReport(
      res,
      fields,
      myResources,
      (body.resources as { resourceName: string }[]).map((x) => x.resourceName),
    );
    const report = shown(o, 'REPORT');
    notify({ objectType: 'REPORT', operation: 'POST', object: report }, event.programID);
    res.status(201).json({ ...report, ...(telemetry ? { telemetry } : {}) });
  });
  /**
   * The report's samples for its resources that name a meter, sent as the meters' telemetry (openadr/report-telemetry.ts).
   * The report is already recorded: a meter no longer the caller's or retired, or a relay that fails, skips samples, never the report.
   */
  const relayReport = async (res: Response, report: Record<string, unknown>, resources: StoredObject[], named: string[]) => {
    if (!deps.telemetry) return undefined;
    const meters = new Map<string, string>();
    for (const o of resources) {
      const meterId = named.includes(o.name) ? meterOfAttributes(o.body.attributes) : undefined;
      if (meterId !== undefined) meters.set(o.name, meterId);
    }
    if (meters.size === 0) return undefined;
    const { samples, skipped } = reportSamples(report, meters, now());
    const zones = new Map<string, string | undefined>();
    const skippedMeters: SkippedInterval[] = [];
    for (const meterId of new Set(samples.map((x) => x.meterId))) {
      const meter = await callersMeter(res, meterId).catch(() => undefined);
      zones.set(meterId, meter && meter.communityId === deps.telemetry.communityId ? (meter.zone ?? UNZONED) : undefined);
    }
    const sent = samples.flatMap((x) => {
      const zone = zones.get(x.meterId);
      if (zone === undefined) skippedMeters.push({ resourceName: x.resourceName, intervalId: x.intervalId, reason: 'meter' });
      return zone === undefined ? [] : [{ ...x, zone }];
    });
    try {
      await deps.telemetry.relay.publish(sent);
    } catch (e) {
      log.warn({ msg: 'report samples not relayed', samples: sent.length, error: (e as Error).message });
      const failed = sent.map((x): SkippedInterval => ({ resourceName: x.resourceName, intervalId: x.intervalId, reason: 'relay' }));
      return { samples: 0, skipped: [...skipped, ...skippedMeters, ...failed] };
    }
    return { samples: sent.length, skipped: [...skipped, ...skippedMeters] };
  };
  r.get('/reports', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects');
    const [programID, eventID, clientName] = ['programID', 'eventID', 'clientName'].map((n) => text(req.query, n));
    const reports = store
      .list('report', eventID)
      .filter((o) => visible(res, o))
      .map((o) => shown(o, 'REPORT'))
      .filter((o) => (programID === undefined || o.programID === programID) && (clientName === undefined || o.clientName === clientName));
    res.json(page(reports, req.query));
  });
  r.get('/reports/:reportID', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects');
    res.json(shown(owned(res, 'report', req.params.reportID), 'REPORT'));
  });

  // Subscriptions: webhooks (openadr/notify.ts).
  /** A subscription's fields as posted or put: a client name, a program, and callbacks to allowed hosts only. */
  const subscriptionFields = (req: Request): Record<string, unknown> => {
    const body = objectBody(req);
    nameIn(body, 'clientName');
    if (typeof body.programID !== 'string') throw invalid('body.programID', 'programID is required');
    const ops = body.objectOperations;
    if (!Array.isArray(ops) || ops.length === 0) throw invalid('body.objectOperations', 'objectOperations must list what to be told of');
    ops.forEach((op: Record<string, unknown>, k) => {
      const url = typeof op?.callbackUrl === 'string' && URL.canParse(op.callbackUrl) ? new URL(op.callbackUrl) : undefined;
      if (!url || !['http:', 'https:'].includes(url.protocol))
        throw invalid(`body.objectOperations[${k}].callbackUrl`, 'callbackUrl must be an http(s) URL');
      if (!callbackAllowed(url, callbackHosts))
        throw new GridLedgerError(ErrorCodes.OPENADR_CALLBACK_NOT_ALLOWED, `callbacks to ${url.host} are not allowed here`, {
          host: url.host,
        });
      if (!Array.isArray(op.objects) || !Array.isArray(op.operations))
        throw invalid(`body.objectOperations[${k}]`, 'objects and operations must be arrays');
    });
    return provisioned(body);
  };
  r.post('/subscriptions', (req, res) => {
    requireScope(grantOf(res), 'write_subscriptions');
    const o = {
      kind: 'subscription' as const,
      id: `sub-${randomUUID()}`,
      owner: grantOf(res).user.id,
      parent: '',
      name: '',
      createdDateTime: stamp(),
      body: subscriptionFields(req),
    };
    store.add(o);
    res.status(201).json(shown(o, 'SUBSCRIPTION'));
  });
  r.get('/subscriptions', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects', 'write_subscriptions');
    const programID = text(req.query, 'programID');
    const subs = store.list('subscription').filter((o) => visible(res, o) && (programID === undefined || o.body.programID === programID));
    res.json(
      page(
        subs.map((o) => shown(o, 'SUBSCRIPTION')),
        req.query,
      ),
    );
  });
  r.get('/subscriptions/:subscriptionID', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects', 'write_subscriptions');
    res.json(shown(owned(res, 'subscription', req.params.subscriptionID), 'SUBSCRIPTION'));
  });

  // Changing and deleting (docs/openadr.md, "Changing and deleting"): the caller's own objects of the VTN's store. What is on the
  // ledger stays as it is: an event is neither changed nor deleted here, a report is not changed (a new one is posted).
  const ledgerRecord = (message: string) => new GridLedgerError(ErrorCodes.OPENADR_LEDGER_RECORD, message);
  /** The caller's own object of that kind; another's is not found, as on GET. */
  const mine = (res: Response, kind: ObjectKind, id: string): StoredObject => {
    const o = store.get(kind, id);
    if (!o || o.owner !== grantOf(res).user.id) throw notFound(kind, id);
    return o;
  };
  const updated = (kind: ObjectKind, id: string): StoredObject => store.get(kind, id)!;

  r.put('/programs/:programID', (req, res) => {
    requireScope(grantOf(res), 'write_programs');
    const o = mine(res, 'program', req.params.programID);
    const body = provisioned(objectBody(req));
    if (nameIn(body, 'programName') !== o.id)
      throw invalid('body.programName', 'programName is the program id of its events on the ledger: it does not change');
    store.replace('program', o.id, o.name, body, stamp());
    res.json(toOadrProgram(o.id, updated('program', o.id)));
  });
  r.delete('/programs/:programID', (req, res) => {
    requireScope(grantOf(res), 'write_programs');
    const o = mine(res, 'program', req.params.programID);
    if (store.list('event', o.id).length > 0) throw ledgerRecord(`program ${o.id} has events on the ledger`);
    store.remove('program', o.id);
    res.json(toOadrProgram(o.id, o));
  });
  for (const verb of ['put', 'delete'] as const)
    r[verb]('/events/:eventID', (req, res) => {
      requireScope(grantOf(res), 'write_events');
      if (!store.get('event', req.params.eventID)) throw notFound('event', req.params.eventID);
      throw ledgerRecord(`event ${req.params.eventID} is a demand-response event on the ledger: it is neither changed nor deleted`);
    });

  r.put('/vens/:venID', (req, res) => {
    requireScope(grantOf(res), 'write_vens');
    const ven = mine(res, 'ven', req.params.venID);
    const { resources: _r, ...fields } = provisioned(objectBody(req));
    const venName = nameIn(fields, 'venName');
    const other = store.named('ven', '', venName);
    if (other && other.id !== ven.id)
      throw new GridLedgerError(ErrorCodes.OPENADR_NAME_TAKEN, `a VEN ${venName} exists`, { name: venName });
    store.replace('ven', ven.id, venName, fields, stamp());
    res.json(showVen(updated('ven', ven.id)));
  });
  r.delete('/vens/:venID', (req, res) => {
    requireScope(grantOf(res), 'write_vens');
    const ven = mine(res, 'ven', req.params.venID);
    const shownBefore = showVen(ven);
    store.remove('ven', ven.id);
    res.json(shownBefore);
  });

  /** A resource of a VEN the caller may see (read) or owns (write). */
  const resourceIn = (res: Response, venId: string, resourceId: string, write: boolean): StoredObject => {
    const ven = write ? mine(res, 'ven', venId) : owned(res, 'ven', venId);
    const o = store.get('resource', resourceId);
    if (!o || o.parent !== ven.id) throw notFound('resource', resourceId);
    return o;
  };
  r.get('/vens/:venID/resources/:resourceID', (req, res) => {
    requireScope(grantOf(res), 'read_all', 'read_ven_objects');
    const o = resourceIn(res, req.params.venID, req.params.resourceID, false);
    res.json(shown(o, 'RESOURCE', { venID: o.parent }));
  });
  r.put('/vens/:venID/resources/:resourceID', async (req, res) => {
    requireScope(grantOf(res), 'write_vens');
    const o = resourceIn(res, req.params.venID, req.params.resourceID, true);
    const { venID: _v, ...fields } = provisioned(objectBody(req));
    const resourceName = nameIn(fields, 'resourceName');
    const other = store.named('resource', o.parent, resourceName);
    if (other && other.id !== o.id)
      throw new GridLedgerError(ErrorCodes.OPENADR_NAME_TAKEN, `VEN ${o.parent} has a resource ${resourceName}`, { name: resourceName });
    await meterOf(res, fields, 'body');
    store.replace('resource', o.id, resourceName, fields, stamp());
    res.json(shown(updated('resource', o.id), 'RESOURCE', { venID: o.parent }));
  });
  r.delete('/vens/:venID/resources/:resourceID', (req, res) => {
    requireScope(grantOf(res), 'write_vens');
    const o = resourceIn(res, req.params.venID, req.params.resourceID, true);
    store.remove('resource', o.id);
    res.json(shown(o, 'RESOURCE', { venID: o.parent }));
  });

  r.put('/subscriptions/:subscriptionID', (req, res) => {
    requireScope(grantOf(res), 'write_subscriptions');
    const o = mine(res, 'subscription', req.params.subscriptionID);
    store.replace('subscription', o.id, '', subscriptionFields(req), stamp());
    res.json(shown(updated('subscription', o.id), 'SUBSCRIPTION'));
  });
  r.delete('/subscriptions/:subscriptionID', (req, res) => {
    requireScope(grantOf(res), 'write_subscriptions');
    const o = mine(res, 'subscription', req.params.subscriptionID);
    store.remove('subscription', o.id);
    res.json(shown(o, 'SUBSCRIPTION'));
  });

  // A report's record and hash stay on the ledger; its household may delete the VTN's copy of its values.
  r.put('/reports/:reportID', (req, res) => {
    requireScope(grantOf(res), 'write_reports');
    mine(res, 'report', req.params.reportID);
    throw ledgerRecord(`report ${req.params.reportID} is recorded on the ledger with its hash: post a new report instead`);
  });
  r.delete('/reports/:reportID', (req, res) => {
    requireScope(grantOf(res), 'write_reports');
    const o = mine(res, 'report', req.params.reportID);
    store.remove('report', o.id);
    res.json(shown(o, 'REPORT'));
  });

  // Errors as the specification's problem object, with our stable code.
  r.use((req: Request) => {
    throw new GridLedgerError(ErrorCodes.ROUTE_NOT_FOUND, `no VTN endpoint ${req.method} ${req.path}`, { path: req.path });
  });
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const error =
      err instanceof GridLedgerError
        ? err
        : (err as { type?: string })?.type === 'entity.parse.failed'
          ? invalid('body', 'the body is not valid JSON')
          : fromFabricError(err);
    const status = httpStatusOf(error.code);
    if (status >= 500) log.error({ msg: 'VTN request failed', code: error.code, error: String((err as Error)?.stack ?? err) });
    res.status(status).json({ type: 'about:blank', title: error.code, status, detail: error.message, ...errorBody(error) });
  });
  return Object.assign(r, { close: () => void follower?.stop() });
}
