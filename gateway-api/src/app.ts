/**
 * The gateway's express app: middleware, authentication, the routers and error handling in their
 * order. Over 400 lines: the wiring of every router in one place; each route's logic is in
 * routes/.
 */
import { randomUUID } from 'node:crypto';
import express, { NextFunction, Request, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { withFields, type WalletUser } from '@gridledger/network';
import { ErrorCode } from '@gridledger/core/core';
import { catalogue } from '@gridledger/core/catalogue';
import { call } from './call';
import { jsonArg } from './chaincode';
import { errorBody, ErrorCodes, fromFabricError, GridLedgerError, httpStatusOf } from './errors';
import { serveEvents } from './events';
import { seesEverything, viewerOf } from './event-visibility';
import type { ApiKeyStore } from './keys';
import { NewParticipant, Onboarding, OnboardingStore } from './onboarding';
import { assertActsFor, callerOf, denied, ONBOARDING_ROLES } from './access';
import { API_BASE, openApiDocument } from './openapi';
import { marketRoutes } from './routes/market';
import { contractRoutes } from './routes/contracts';
import { p2pRoutes } from './routes/p2p';
import { figureRoutes } from './routes/figures';
import { gridRoutes } from './routes/grid';
import { islandRoutes } from './routes/island';
import { listRoutes } from './routes/lists';
import { certificateRoutes } from './routes/certificates';
import { certificateExportRoutes } from './routes/certificate-exports';
import { certificateLifecycleRoutes } from './routes/certificate-lifecycle';
import { readingArchiveRoutes } from './routes/reading-archive';
import { certificateStorageRoutes } from './routes/certificate-storage';
import { matchingRoutes } from './routes/matching';
import { certificateAuditRoutes } from './routes/certificate-audit';
import { credentialForNewMeter, endMeterCredential, mqttRoutes } from './routes/mqtt';
import { telemetryRoutes, type TelemetryPort } from './routes/telemetry';
import { forecastRoutes } from './routes/forecasts';
import { storageRoutes } from './routes/storage';
import { flexRoutes } from './routes/flex';
import { dispatchRoutes } from './routes/dispatch';
import type { BrokerPort } from './broker';
import { apiKeyRoutes, authenticate } from './routes/api-keys';
import { agentKeyRoutes } from './routes/agent-keys';
import { CONSUMPTION_MEMBERS, meteringRoutes } from './routes/metering';
import { CaPort, LedgerPort, Logger, silentLogger, Wallet } from './ports';
import { GatewayMetrics } from './metrics';
import { portalRoutes } from './portal';
import { sessionRoutes } from './routes/session';
import { becknStorageRoutes } from './routes/beckn-storage';
import { BECKN_PATH, type BecknMount } from './beckn/mount';
import { OPENADR_BASE, openadrRoutes } from './routes/openadr';
import { VtnStore } from './openadr/store';
import type { TelemetryRelay } from './openadr/telemetry-relay';

/** What the gateway says about itself in /health. */
export interface GatewayInfo {
  org: string;
  mspId: string;
  channel: string;
  chaincode: string;
  fabricVersion: string;
  peerEndpoint: string;
}

export interface AppDeps {
  ledger: LedgerPort;
  ca: CaPort;
  keys: ApiKeyStore;
  wallet: Wallet;
  onboardingStore: OnboardingStore;
  info: GatewayInfo;
  /** The fabric-ca-client home a participant onboarded at run time is enrolled into. */
  homeOf(participantId: string): string;
  /** Deletes that home when an onboarding is undone. */
  removeHome?(participantId: string): void;
  /** The channel's organizations (MSP ids): a new participant's key is answered once each one's peer holds it (none: at once). */
  channelMspIds?: readonly string[];
  /** The community broker, where meters and households get their MQTT credentials (none: no credentials). */
  broker?: BrokerPort;
  /** The telemetry service (device bridge) for live views and series (none: those routes answer TELEMETRY_UNAVAILABLE). */
  telemetry?: TelemetryPort;
  log?: Logger;
  sse?: { heartbeatMs?: number; reconnectMs?: number };
  /** Served on GET /metrics (none given: the app makes its own). */
  metrics?: GatewayMetrics;
  /** The portal's built files (none given: portal/dist of this repository). */
  portalDir?: string;
  /** The gateway's Beckn participant (beckn/mount.ts): BPP endpoints on the Community's, BAP on the Utility's. */
  beckn?: BecknMount;
  /** What the OpenADR 3 VTN keeps (routes/openadr.ts; none given: in memory). */
  vtnStore?: VtnStore;
  /** The hosts the VTN's webhooks may name (GRIDLEDGER_OPENADR_CALLBACK_HOSTS; none given: this machine only). */
  openadrCallbackHosts?: readonly string[];
  /** Where the VTN sends VEN reports' samples as meter telemetry (openadr/telemetry-relay.ts; none: reports are not telemetry). */
  vtnTelemetry?: { relay: TelemetryRelay; communityId: string };
}

export type GatewayApp = express.Express & {
  /** Ends every open event stream (graceful shutdown). */
  closeStreams(): void;
};

/**
 * Roles only one organization may hand out: the utility's and the regulator's own, and the
 * community's operator (an operator of the Utility would be a second utility that the market's
 * operator-only transactions refuse anyway: docs/security.md).
 */
const { registry, metering } = catalogue;
const ORG_BOUND_ROLES: Record<string, string> = { utility: 'utility', regulator: 'regulator', operator: 'community' };

/** No endpoint at the path (404), or not for the method (405). */
function routeError(req: Request, status: 404 | 405): GridLedgerError {
  return status === 404
    ? new GridLedgerError(ErrorCodes.ROUTE_NOT_FOUND, `no endpoint ${req.method} ${req.path}`, { path: req.path })
    : new GridLedgerError(ErrorCodes.METHOD_NOT_ALLOWED, `${req.method} is not allowed on ${req.path}`, { path: req.path });
}

/** The validator's errors (HttpError: status, errors[]) as stable codes. */
function fromValidatorError(e: { status: number; message?: string; errors?: { path?: string; message?: string }[] }): GridLedgerError {
  const first = e.errors?.[0];
  const details: Record<string, string> = {};
  if (first?.path) details.path = first.path.replace(/^\.?/, '');
  const message = e.errors?.length ? e.errors.map((x) => `${x.path ?? ''} ${x.message ?? ''}`.trim()).join('; ') : (e.message ?? '');
  switch (e.status) {
    case 401:
      return new GridLedgerError(ErrorCodes.UNAUTHENTICATED, 'a valid API key is required (Authorization: Bearer <key>)');
    case 403:
      return denied(message || 'access denied');
    default:
      return new GridLedgerError(ErrorCodes.REQUEST_INVALID, message || 'request does not match the API description', details);
  }
}

function isValidatorError(e: unknown): e is { status: number; errors?: { path?: string; message?: string }[]; message?: string } {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number' && !(e instanceof GridLedgerError);
}

export function createApp(deps: AppDeps): GatewayApp {
  const log = deps.log ?? silentLogger;
  const { ledger, wallet, keys, info } = deps;
  const onboarding = new Onboarding({
    ca: deps.ca,
    ledger,
    wallet,
    keys,
    store: deps.onboardingStore,
    mspId: info.mspId,
    homeOf: deps.homeOf,
    removeHome: deps.removeHome,
    ...(deps.channelMspIds ? { channelMspIds: deps.channelMspIds } : {}),
  });
  const openStreams = new Set<Response>();
  const app = express() as GatewayApp;
  app.disable('x-powered-by');
  app.set('etag', false);

  // One log line per request: its id, status and duration, the caller's participant id, the
  // transaction id where there is one and the API key's id (never the key).
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const path = req.path;
    res.locals.requestId = randomUUID();
    res.on('close', () => {
      const caller = res.locals.caller as WalletUser | undefined;
      log.info({
        msg: 'request',
        requestId: res.locals.requestId,
        method: req.method,
        path,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        ...(res.locals.txId ? { txId: res.locals.txId } : {}),
        ...(res.locals.keyId ? { keyId: res.locals.keyId } : {}),
        ...(caller ? { user: caller.id, ...(caller.participantId ? { participantId: caller.participantId } : {}) } : {}),
        ...(res.locals.errorCode ? { code: res.locals.errorCode } : {}),
      });
    });
    next();
  });

  // Prometheus metrics at the root, outside the API and without an API key: the gateway listens on
  // 127.0.0.1 only, and no label holds a participant or meter id (metrics.ts).
  const metrics = deps.metrics ?? new GatewayMetrics();
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.text();
    res.set('Content-Type', contentType).send(body);
  });
  app.use(metrics.middleware());

  // Beckn's endpoints read the raw body (the signed bytes), before any JSON parsing; their answers are ACK or NACK.
  if (deps.beckn) app.use(BECKN_PATH, deps.beckn.router);
  // The OpenADR 3 VTN: its own tokens and bodies, outside the REST API's description (docs/openadr.md).
  const vtn = openadrRoutes({
    ...{ ledger, keys, wallet, log, serviceUser: wallet.get(`${info.org}-admin`) },
    store: deps.vtnStore ?? new VtnStore(':memory:'),
    ...(deps.openadrCallbackHosts ? { callbackHosts: deps.openadrCallbackHosts } : {}),
    ...(deps.vtnTelemetry ? { telemetry: deps.vtnTelemetry } : {}),
  });
  app.use(OPENADR_BASE, vtn);

  // The web portal's files, outside the API (portal.ts).
  app.use(portalRoutes(deps.portalDir));

  app.use(express.json({ limit: '1mb' }));
  app.use(
    OpenApiValidator.middleware({
      // The validator may rewrite the object it is given; it gets a copy of the served document.
      apiSpec: structuredClone(openApiDocument) as never,
      validateRequests: true,
      validateResponses: false,
      validateSecurity: {
        handlers: {
          apiKey: (req) => {
            const res = req.res as Response;
            const user = authenticate(keys, wallet, req, res);
            if (user instanceof GridLedgerError) {
              // The validator answers 401 with an error of its own; the error handler puts this code back.
              res.locals.authError = user;
              throw Object.assign(new Error(user.message), { status: 401 });
            }
            res.locals.caller = user;
            return true;
          },
        },
      },
    }),
  );

  const r = express.Router();

  // Live: the process answers. Ready (and /health, as before): the peer is healthy and the ledger readable.
  r.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });

  r.get(['/health', '/health/ready'], async (_req, res) => {
    const base = {
      org: info.org,
      mspId: info.mspId,
      channel: info.channel,
      chaincode: info.chaincode,
      fabricVersion: info.fabricVersion,
    };
    const [peer, height] = await Promise.allSettled([ledger.peerStatus(), ledger.blockHeight()]);
    let reason: string | undefined;
    if (peer.status === 'rejected' || !peer.value.ok) {
      const why = peer.status === 'rejected' ? String((peer.reason as Error)?.message ?? peer.reason) : peer.value.reason;
      reason = `peer ${info.peerEndpoint} is not healthy: ${why ?? 'no answer'}`;
    } else if (height.status === 'rejected') {
      const e = fromFabricError(height.reason);
      reason = `cannot read the block height of channel ${info.channel}: ${e.code}`;
    }
    const peerStatus = peer.status === 'fulfilled' && peer.value.ok ? 'OK' : 'unavailable';
    if (reason) {
      res.status(503).json({ status: 'unavailable', reason, ...base, peer: { endpoint: info.peerEndpoint, status: peerStatus } });
      return;
    }
    res.json({
      status: 'ok',
      ...base,
      blockHeight: Number((height as PromiseFulfilledResult<bigint>).value),
      peer: { endpoint: info.peerEndpoint, status: peerStatus },
    });
  });

  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  r.post('/participants', async (req, res) => {
    const caller = callerOf(res);
    if (caller.role === undefined || !ONBOARDING_ROLES.has(caller.role)) {
      throw denied('only an operator or utility key may onboard participants');
    }
    const body = req.body as NewParticipant;
    const bound = ORG_BOUND_ROLES[body.role];
    if (bound !== undefined && bound !== info.org)
      throw denied(`role ${body.role} belongs to the ${bound} organization`, { role: body.role });
    const result = await onboarding.onboard(caller, body, req.get('Idempotency-Key'));
    if (result.txId) res.locals.txId = result.txId;
    res.status(201).set('Cache-Control', 'no-store').json(result);
  });

  r.get('/participants/:participantId', async (req, res) => {
    const result = await call(ledger, callerOf(res), registry.getParticipant, [req.params.participantId as string]);
    found(result, ErrorCodes.PARTICIPANT_NOT_FOUND, `no participant ${req.params.participantId}`);
    res.json(result);
  });

  r.get('/participants/:participantId/meters', async (req, res) => {
    const caller = callerOf(res);
    const participantId = req.params.participantId as string;
    assertActsFor(caller, participantId);
    res.json((await call(ledger, caller, registry.listMeters, [participantId])) ?? []);
  });

  r.post('/meters', async (req, res) => {
    const caller = callerOf(res);
    assertActsFor(caller, (req.body as { participantId: string }).participantId);
    const { result, txId } = await call(ledger, caller, registry.registerMeter, [req.body]);
    res.locals.txId = txId;
    const meter = (result ?? req.body) as { meterId: string; participantId: string; communityId: string };
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ meter, txId, ...(await credentialForNewMeter(deps.broker, meter, log)) });
  });

  r.get('/meters/:meterId', async (req, res) => {
    const result = await call(ledger, callerOf(res), registry.getMeter, [req.params.meterId as string]);
    found(result, ErrorCodes.METER_NOT_REGISTERED, `no meter ${req.params.meterId}`);
    res.json(result);
  });

  r.post('/readings', async (req, res) => {
    const { readings } = req.body as { readings: unknown[] };
    // Import is household data: the readings travel as transient data, endorsed by the collection's members (routes/metering.ts).
    const { result, txId } = await call(ledger, callerOf(res), metering.submitReadings, [''], {
      transient: { readings: Buffer.from(jsonArg(readings)) },
      endorsingOrganizations: [...CONSUMPTION_MEMBERS],
    });
    res.locals.txId = txId;
    const results = (result as { results?: unknown[] } | undefined)?.results ?? [];
    res.json({ results, txId });
  });

  r.get('/meters/:meterId/readings', async (req, res) => {
    const meterId = req.params.meterId as string;
    const from = String(req.query.from);
    const to = String(req.query.to);
    // One spelling per instant (fixed width, UTC), so text order is time order.
    if (from > to) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'from must not be after to', { path: 'query.from' });
    // archived=true: also the range's archived hours (docs/bounded-state.md), as { readings, archivedHours }.
    const archived = String(req.query.archived) === 'true' ? { archived: true } : {};
    res.json((await call(ledger, callerOf(res), metering.listReadings, [{ meterId, from, to, ...archived }])) ?? []);
  });

  r.get('/meters/:meterId/readings/:intervalStart', async (req, res) => {
    const { meterId, intervalStart } = req.params as { meterId: string; intervalStart: string };
    const result = await call(ledger, callerOf(res), metering.getReading, [meterId, intervalStart]);
    found(result, ErrorCodes.READING_NOT_FOUND, `no reading of ${meterId} for ${intervalStart}`);
    res.json(result);
  });

  meteringRoutes(r, ledger, { meterRetired: (meter) => endMeterCredential(deps.broker, meter, log) });

  r.get('/events', async (req, res) => {
    const caller = callerOf(res);
    // A household's stream shows its own records (its meters' readings among them) and public aggregates.
    let viewer = viewerOf(caller);
    if (!seesEverything(viewer)) {
      const meters = (await call(ledger, caller, registry.listMeters, [viewer.participantId!])) as { meterId: string }[] | undefined;
      viewer = viewerOf(
        caller,
        (meters ?? []).map((m) => m.meterId),
      );
    }
    await serveEvents(req, res, { ledger, user: caller, viewer, log: withKeyId(log, res), open: openStreams, ...deps.sse });
  });

  r.use(apiKeyRoutes(keys, wallet, log));

  r.use(marketRoutes(ledger));
  r.use(contractRoutes(ledger));
  r.use(figureRoutes(ledger));
  r.use(gridRoutes(ledger));
  r.use(certificateRoutes(ledger, wallet.get(`${info.org}-admin`)));
  r.use(certificateExportRoutes(ledger));
  r.use(certificateLifecycleRoutes(ledger));
  r.use(certificateStorageRoutes(ledger));
  r.use(readingArchiveRoutes(ledger));
  r.use(matchingRoutes(ledger));
  r.use(certificateAuditRoutes(ledger));
  r.use(mqttRoutes(ledger, deps.broker));
  r.use(telemetryRoutes(ledger, deps.telemetry, deps.broker));
  r.use(forecastRoutes(ledger));
  r.use(islandRoutes(ledger));
  r.use(storageRoutes(ledger, deps.broker));
  r.use(flexRoutes(ledger));
  r.use(sessionRoutes(info.org));
  r.use(dispatchRoutes(ledger, deps.broker, deps.telemetry, log));
  r.use(becknStorageRoutes(deps.beckn?.bap));
  r.use(listRoutes(ledger));
  r.use(p2pRoutes(ledger));
  r.use(agentKeyRoutes({ ca: deps.ca, wallet, keys, mspId: info.mspId, homeOf: deps.homeOf, log }));
  app.use(API_BASE, r);

  // Anything no route took: 404 in the common error form.
  app.use((req: Request) => {
    throw routeError(req, 404);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let error: GridLedgerError;
    let status: number;
    if (err instanceof GridLedgerError) {
      error = err;
      status = httpStatusOf(err.code);
    } else if (isValidatorError(err) && err.status < 500) {
      // Route-level refusals (unknown path 404, wrong method 405, media type 415, too large 413)
      // keep their HTTP status; everything about the request's content is 400 REQUEST_INVALID.
      error =
        (err as { type?: string }).type === 'entity.parse.failed'
          ? new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'the body is not valid JSON', { path: 'body' })
          : err.status === 404 || err.status === 405
            ? routeError(req, err.status)
            : err.status === 401 && res.locals.authError instanceof GridLedgerError
              ? res.locals.authError
              : fromValidatorError(err);
      status = [404, 405, 413, 415].includes(err.status) ? err.status : httpStatusOf(error.code);
    } else {
      error = fromFabricError(err);
      status = httpStatusOf(error.code);
      if (error.code === ErrorCodes.INTERNAL) {
        withKeyId(log, res).error({
          msg: 'unexpected error',
          method: req.method,
          path: req.path,
          error: String((err as Error)?.stack ?? err),
        });
      }
    }
    res.locals.errorCode = error.code;
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(errorBody(error));
  });

  app.closeStreams = () => {
    vtn.close();
    for (const res of openStreams) res.end();
    openStreams.clear();
  };
  return app;
}

/** The log, with the request's id and its API key's id in every line. */
function withKeyId(log: Logger, res: Response): Logger {
  const keyId = res.locals.keyId as string | undefined;
  return withFields(log, { requestId: res.locals.requestId, ...(keyId !== undefined ? { keyId } : {}) });
}

function found(result: unknown, code: ErrorCode, message: string): void {
  if (result === undefined || result === null || result === '') throw new GridLedgerError(code, message);
}
