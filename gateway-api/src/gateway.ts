import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadProfile, ORGS, readConfig, type NetworkProfile, type OrgName, type WalletUser } from '@gridledger/network';
import { AppDeps, createApp, GatewayApp } from './app';
import { parseCallbackHosts } from './openadr/callback-hosts';
import { VtnStore } from './openadr/store';
import { NetworkBroker } from './broker';
import { MqttTelemetryRelay } from './openadr/telemetry-relay';
import { httpTelemetry } from './routes/telemetry';
import { NetworkCa } from './fabric/ca';
import { FabricLedger } from './fabric/ledger';
import { apiKeysPath, FileApiKeyStore } from './keys';
import { certificateSchedulerFor } from './certificate-scheduler';
import { archiveSchedulerFor } from './archive-scheduler';
import { BASELINE_DB, baselineSchedulerFor } from './flex-baseline-scheduler';
import { schedulerFor } from './market-scheduler';
import type { Periodic } from './periodic';
import { GatewayMetrics } from './metrics';
import { FileOnboardingStore } from './onboarding';
import type { Logger } from './ports';
import { FileWallet, userHome, walletIndexPath } from './wallet';
import { becknDatabasePath, becknMountFor, type BecknMount } from './beckn/mount';

export interface GatewayOptions {
  stateDir: string;
  org: OrgName;
  /** Defaults: 127.0.0.1 and the profile's gateway port (0 picks a free one). */
  host?: string;
  port?: number;
  log?: Logger;
  /** The market scheduler's log (default: its own, component `scheduler`). */
  schedulerLog?: Logger;
  /** Replace wired parts (a fake CA in a test against a real peer, for example). */
  overrides?: Partial<AppDeps>;
}

export interface RunningGateway {
  url: string;
  app: GatewayApp;
  close(): Promise<void>;
}

export function assertOrg(org: string | undefined): OrgName {
  if (!org || !(ORGS as readonly string[]).includes(org)) throw new Error(`--org must be one of ${ORGS.join(', ')}`);
  return org as OrgName;
}

/** The identity the gateway reads chain information with: the organization's admin (no gl.role) if there is one. */
export function serviceUserOf(profile: NetworkProfile, org: OrgName): WalletUser {
  const users = Object.values(profile.orgs[org].users);
  const user = users.find((u) => u.role === undefined) ?? users[0];
  if (!user) throw new Error(`the profile has no enrolled user of ${org}`);
  return user;
}

export const gatewayDir = (stateDir: string, org: string) => join(stateDir, 'gateway', org);

/** The SQLite files of an organization's gateway that keep event listeners' checkpoints (docs/operations.md, "Event checkpoints"). */
export const checkpointFiles = (stateDir: string, org: string): string[] => [
  join(gatewayDir(stateDir, org), VTN_DB),
  join(gatewayDir(stateDir, org), BASELINE_DB),
  becknDatabasePath(stateDir, org),
];
const VTN_DB = 'openadr-vtn.sqlite';

/** Wires the real parts for one organization from `<stateDir>/network.json`. */
export function realDeps(stateDir: string, org: OrgName, log: Logger = createLogger('gateway')): AppDeps {
  const profile = loadProfile(stateDir);
  const orgProfile = profile.orgs[org];
  const metrics = new GatewayMetrics();
  const broker = new NetworkBroker(profile, `admin-gateway-${org}`);
  return {
    metrics,
    ledger: new FabricLedger({
      metrics: metrics.fabric,
      peer: orgProfile.peer,
      channel: profile.channel,
      chaincode: profile.chaincode,
      serviceUser: serviceUserOf(profile, org),
    }),
    ca: new NetworkCa(profile, org),
    keys: new FileApiKeyStore(apiKeysPath(stateDir, org)),
    wallet: new FileWallet(orgProfile.users, walletIndexPath(stateDir, org)),
    onboardingStore: new FileOnboardingStore(join(gatewayDir(stateDir, org), 'onboarding.json')),
    vtnStore: new VtnStore(join(gatewayDir(stateDir, org), VTN_DB)),
    openadrCallbackHosts: parseCallbackHosts(readConfig(['GRIDLEDGER_OPENADR_CALLBACK_HOSTS']).GRIDLEDGER_OPENADR_CALLBACK_HOSTS),
    info: {
      org,
      mspId: orgProfile.mspId,
      channel: profile.channel,
      chaincode: profile.chaincode,
      fabricVersion: profile.fabricVersion,
      peerEndpoint: orgProfile.peer.endpoint,
    },
    homeOf: (id) => userHome(stateDir, org, id),
    removeHome: (id) => rmSync(userHome(stateDir, org, id), { recursive: true, force: true }),
    channelMspIds: ORGS.map((o) => profile.orgs[o].mspId),
    broker,
    ...(profile.bridge ? { telemetry: httpTelemetry(profile.bridge.url, profile.mqtt.communityId) } : {}),
    // VEN reports count as telemetry where a telemetry service takes the broker's samples (the bridge runs it).
    ...(profile.bridge
      ? { vtnTelemetry: { relay: new MqttTelemetryRelay(broker, profile.mqtt, org), communityId: profile.mqtt.communityId } }
      : {}),
    log,
  };
}

/** Starts one organization's gateway; resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? createLogger('gateway');
  const deps = { ...realDeps(options.stateDir, options.org, log), ...options.overrides };
  deps.beckn ??= becknFor(options.stateDir, options.org, deps, log);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? loadProfile(options.stateDir).orgs[options.org].gateway.port;
  const schedulerLog = options.schedulerLog ?? createLogger('scheduler');
  const profile = loadProfile(options.stateDir);
  const schedulers = [
    schedulerFor(profile, options.org, deps.ledger, schedulerLog),
    certificateSchedulerFor(profile, options.org, deps.ledger, schedulerLog),
    baselineSchedulerFor(profile, options.org, deps.ledger, schedulerLog),
    archiveSchedulerFor(profile, options.org, { ledger: deps.ledger, log: schedulerLog }),
  ];
  return withSchedulers(await listen(deps, host, port), schedulers);
}

/** The gateway's Beckn participant (docs/beckn.md, "Where it is wired"); reads run as the organization's operator or utility. */
function becknFor(stateDir: string, org: OrgName, deps: AppDeps, log: Logger): BecknMount | undefined {
  const profile = loadProfile(stateDir);
  const reader = Object.values(profile.orgs[org].users).find((u) => u.role === 'operator' || u.role === 'utility');
  if (reader === undefined) return undefined;
  try {
    return becknMountFor({ stateDir, org, url: profile.orgs[org].gateway.url, ledger: deps.ledger, wallet: deps.wallet, reader, log });
  } catch (e) {
    // Beckn is one feature of the gateway: without it the REST API still serves (the BAP's routes answer ROUTE_NOT_FOUND).
    log.error({ msg: 'beckn not mounted', err: String(e) });
    return undefined;
  }
}

/** Starts the market and certificate schedulers with the gateway and stops them before the gateway closes. */
function withSchedulers(gateway: RunningGateway, schedulers: (Periodic<unknown> | undefined)[]): RunningGateway {
  const running = schedulers.filter((s) => s !== undefined);
  if (running.length === 0) return gateway;
  for (const s of running) s.start();
  return { ...gateway, close: async () => (await Promise.all(running.map((s) => s.stop())), gateway.close()) };
}

/** Serves an app made of `deps` on host:port (also what tests with fakes use). */
export async function listen(deps: AppDeps, host = '127.0.0.1', port = 0): Promise<RunningGateway> {
  const app = createApp(deps);
  // Node refuses a request whose line and headers pass 16 KiB with 431 before the app sees it; a long
  // query (a bookmark, repeated parameters) then gets no documented answer. With 64 KiB the API's own
  // validation answers it (400 REQUEST_INVALID); the contract test's fuzzer sent 20 KiB.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, app).listen(port, host);
  // Node closes idle keep-alive connections after 5 s, which races clients that reuse a connection
  // just then ("other side closed" on a POST). Idle connections stay open for a minute instead.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  deps.log?.info({ msg: 'listening', url, org: deps.info.org, mspId: deps.info.mspId });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      app.closeStreams();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await deps.beckn?.stop();
      await deps.vtnTelemetry?.relay.close();
      deps.ledger.close();
      await deps.broker?.close();
    })());
  return { url, app, close };
}
