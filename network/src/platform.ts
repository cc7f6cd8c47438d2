import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig } from './config';
import { deviceBridgeModule } from './device-bridge-build';
import { httpOk, isAlive, portFree, runningPid, serviceEnv, sleep, startProcess, tail, waitListening } from './proc';
import { ADMIN_USERNAME, mqttCredentialPath, prepareBroker, readCredential, saveCredential, type MqttCredential } from './broker';
import { BrokerAdmin, usernameOf, type Principal } from './mqtt-access';
import { mqttPort, NetworkProfile, OrgName, ORGS } from './profile';
import { COMMUNITY_ID, DEMO_USERS, REPO_ROOT, upNetwork, UpOptions } from './up';

/**
 * The whole platform on top of the network: MQTT broker, one REST gateway per organization, the
 * device bridge, and the demo community (homes with API keys and registered meters). The
 * gateway and the bridge are workspaces of their own that depend on this one, so they are started
 * as processes from their built entry points, never imported here.
 */

export interface DemoHome {
  participantId: string;
  meterId: string;
  pvCapacityW: number;
}

/** The simulator's homes (device-bridge/dist/simulator/model.js): the meters registered for them carry their PV capacity. */
export function demoHomes(count = 5): DemoHome[] {
  const model = deviceBridgeModule<{ simulatedHomes(count: number): { homeId: string; meterId: string; pvCapacityW: number }[] }>(
    'simulator/model.js',
  );
  return model.simulatedHomes(count).map((h) => ({ participantId: h.homeId, meterId: h.meterId, pvCapacityW: h.pvCapacityW }));
}

export interface Credentials {
  /** API keys by organization and user id; shown once by the gateway, kept here for the demo. */
  apiKeys: Record<string, Record<string, string>>;
}

export const credentialsPath = (stateDir: string) => join(stateDir, 'credentials.json');

/** The platform's demo API keys (none when the file is missing). */
export function loadCredentials(stateDir: string): Credentials {
  const file = credentialsPath(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Credentials) : { apiKeys: {} };
}

function saveCredentials(stateDir: string, c: Credentials): void {
  writeFileSync(credentialsPath(stateDir), JSON.stringify(c, null, 2), { mode: 0o600 });
}

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const node = process.execPath;
const entry = (...parts: string[]) => join(REPO_ROOT, ...parts);

/**
 * Mosquitto (Debian package) as broker.ts configures it: TLS, no anonymous clients, the
 * dynamic-security plugin, persistence; as the user mosquitto when started by root.
 */
export async function startBroker(stateDir: string, offset: number): Promise<void> {
  const mosquitto = which('mosquitto');
  if (!mosquitto) throw new Error('mosquitto is not installed: apt-get install mosquitto mosquitto-clients');
  const port = mqttPort(offset);
  const name = 'broker';
  const files = { pidFile: join(stateDir, 'pids', `${name}.pid`), logFile: join(stateDir, 'logs', `${name}.log`) };
  if (runningPid(files.pidFile) !== undefined) return;
  if (!(await portFree(port)))
    throw new Error(`port ${port} (MQTT broker) on 127.0.0.1 is taken by another process; stop it or set GRIDLEDGER_PORT_OFFSET`);
  const broker = prepareBroker({ stateDir, port });
  const pid = await startProcess({
    name,
    command: mosquitto,
    args: ['-c', broker.configPath],
    env: { PATH: process.env.PATH },
    runAs: broker.runAs,
    ...files,
  });
  await waitListening(name, port, pid, files.logFile);
}

/** The simulator's grid sensors (docs/telemetry.md): the feeder of its homes' zone and the connection point. */
export const DEMO_SENSORS = { feeder: 'feeder-1', connection: 'connection-point', zone: 'unzoned' } as const;

/**
 * The platform's own broker principals: the bridge, its position relay and telemetry service, a head-end for tools and
 * benchmarks, and the simulator's two grid sensors.
 */
export const SERVICE_PRINCIPALS = (communityId: string): Principal[] => [
  { kind: 'bridge', communityId },
  { kind: 'positions', communityId },
  { kind: 'telemetry', communityId },
  { kind: 'dispatch', communityId },
  { kind: 'sensor', communityId, sensorId: DEMO_SENSORS.feeder },
  { kind: 'sensor', communityId, sensorId: DEMO_SENSORS.connection },
  { kind: 'head-end', communityId, name: communityId },
];

/** Gives each service principal a credential once; kept 0600 under `<state>/mqtt/credentials`. */
async function provisionBroker(profile: NetworkProfile): Promise<void> {
  const missing = SERVICE_PRINCIPALS(profile.mqtt.communityId).filter(
    (p) => !existsSync(mqttCredentialPath(profile.stateDir, usernameOf(p))),
  );
  if (missing.length === 0) return;
  const admin = await BrokerAdmin.connect(
    profile.mqtt,
    readCredential(mqttCredentialPath(profile.stateDir, ADMIN_USERNAME))!,
    `admin-up-${process.pid}`,
  );
  try {
    for (const p of missing) saveCredential(mqttCredentialPath(profile.stateDir, usernameOf(p)), await admin.grant(p));
  } finally {
    await admin.close();
  }
}

/**
 * The telemetry service's grid model until the ledger has one (docs/telemetry.md, "Zones and limits"): written once, with the
 * simulator's sensors and a 100 kW feeder for the zone of meters without a site; the operator edits it from then on.
 */
function writeDemoGridModel(profile: NetworkProfile): void {
  const file = join(profile.stateDir, 'telemetry', 'grid.json');
  if (existsSync(file)) return;
  mkdirSync(join(profile.stateDir, 'telemetry'), { recursive: true });
  const zones = [{ zone: DEMO_SENSORS.zone, importLimitW: 100_000, exportLimitW: 100_000, feederSensorId: DEMO_SENSORS.feeder }];
  writeFileSync(file, `${JSON.stringify({ zones, connectionSensorId: DEMO_SENSORS.connection }, null, 1)}\n`);
}

export async function startGateways(profile: NetworkProfile): Promise<void> {
  await Promise.all(
    ORGS.map(async (org) => {
      const name = `gateway.${org}`;
      const files = { pidFile: join(profile.stateDir, 'pids', `${name}.pid`), logFile: join(profile.stateDir, 'logs', `${name}.log`) };
      if (runningPid(files.pidFile) === undefined) {
        const port = profile.orgs[org].gateway.port;
        if (!(await portFree(port)))
          throw new Error(`port ${port} (${name}) on 127.0.0.1 is taken by another process; stop it or set GRIDLEDGER_PORT_OFFSET`);
        await startProcess({
          name,
          command: node,
          args: [entry('gateway-api', 'dist', 'main.js'), '--state', profile.stateDir, '--org', org],
          env: serviceEnv(),
          ...files,
        });
      }
      const pid = runningPid(files.pidFile)!;
      await waitUntil(`${name} health`, 60_000, files.logFile, pid, () => httpOk(`${profile.orgs[org].gateway.url}/api/v1/health`, 3000));
    }),
  );
}

async function waitUntil(what: string, timeoutMs: number, log: string, pid: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (!isAlive(pid)) throw new Error(`${what}: the process exited; see ${log}:\n${tail(log)}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms; see ${log}:\n${tail(log)}`);
    await sleep(250);
  }
}

/** The platform's own keys live the longest a key may (365 days); `up` renews those with less than 30 days left. */
const PLATFORM_KEY_DAYS = 365;
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

function issueKey(stateDir: string, org: OrgName, user: string): string {
  const args = ['issue-key', '--state', stateDir, '--org', org, '--user', user, '--expires-in', String(PLATFORM_KEY_DAYS)];
  return execFileSync(node, [entry('gateway-api', 'dist', 'main.js'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** Whether the gateway still takes a stored key, and for 30 days more (it answers GET /api-keys with the presented key marked current). */
async function keyLasts(url: string, key: string): Promise<boolean> {
  const res = await api(url, key, 'GET', '/api-keys');
  if (res.status !== 200) return false;
  const current = (res.json.keys as { current?: boolean; expiresAt: string }[]).find((k) => k.current);
  return current !== undefined && Date.parse(current.expiresAt) > Date.now() + RENEW_BEFORE_MS;
}

/** The stored key of a user when it lasts, or a new one. */
async function liveKey(profile: NetworkProfile, org: OrgName, user: string, stored: string | undefined): Promise<string> {
  if (stored !== undefined && (await keyLasts(profile.orgs[org].gateway.url, stored))) return stored;
  return issueKey(profile.stateDir, org, user);
}

/** A call to a gateway's REST API with an API key; the answer's status and JSON body. */
export async function api(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The simulated meters' public keys; the simulator (device-bridge) makes the keys where the architecture says. */
function meterPublicKey(stateDir: string, meterId: string): string {
  const keys = deviceBridgeModule<{ ensureMeterKeys(stateDir: string, meterIds: string[]): Record<string, string> }>('simulator/keys.js');
  return keys.ensureMeterKeys(stateDir, [meterId])[meterId];
}

/**
 * Demo API keys for the service users, and the demo homes onboarded through the community gateway
 * (CA registration, enrollment, ledger record, API key) with their meters registered by themselves.
 */
async function seedDemo(profile: NetworkProfile, homes: DemoHome[], log: (m: string) => void): Promise<Credentials> {
  const { stateDir } = profile;
  const creds = loadCredentials(stateDir);
  for (const org of ORGS) {
    creds.apiKeys[org] ??= {};
    for (const user of DEMO_USERS[org]) creds.apiKeys[org][user.id] = await liveKey(profile, org, user.id, creds.apiKeys[org][user.id]);
  }
  saveCredentials(stateDir, creds);
  const community = profile.orgs.community.gateway.url;
  const operatorKey = creds.apiKeys.community['community-operator'];
  for (const home of homes) {
    if (creds.apiKeys.community[home.participantId] === undefined) {
      const res = await api(
        community,
        operatorKey,
        'POST',
        '/participants',
        { participantId: home.participantId, role: 'prosumer', displayName: `Home ${home.participantId}` },
        { 'idempotency-key': `demo-${home.participantId}` },
      );
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`onboarding ${home.participantId}: ${res.status} ${JSON.stringify(res.json)}`);
      creds.apiKeys.community[home.participantId] = String(res.json.apiKey);
    }
    creds.apiKeys.community[home.participantId] = await liveKey(
      profile,
      'community',
      home.participantId,
      creds.apiKeys.community[home.participantId],
    );
    saveCredentials(stateDir, creds);
    const key = creds.apiKeys.community[home.participantId];
    const meter = await api(community, key, 'GET', `/meters/${home.meterId}`);
    const credentialFile = mqttCredentialPath(stateDir, usernameOf({ kind: 'meter', communityId: COMMUNITY_ID, meterId: home.meterId }));
    let mqtt: unknown;
    if (meter.status === 404) {
      const res = await api(community, key, 'POST', '/meters', {
        meterId: home.meterId,
        participantId: home.participantId,
        kind: 'bidirectional',
        publicKeyPem: meterPublicKey(stateDir, home.meterId),
        exportCapacityW: home.pvCapacityW,
        communityId: COMMUNITY_ID,
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`meter ${home.meterId}: ${res.status} ${JSON.stringify(res.json)}`);
      mqtt = res.json.mqtt;
    }
    if (mqtt === undefined && !existsSync(credentialFile)) {
      // Registered by an earlier run whose answer was lost: the owner asks for a new credential.
      const res = await api(community, key, 'POST', `/meters/${home.meterId}/mqtt-credential`);
      if (res.status !== 201) throw new Error(`broker credential of ${home.meterId}: ${res.status} ${JSON.stringify(res.json)}`);
      mqtt = res.json;
    }
    // The simulator connects as each meter with the credential the registration handed out.
    if (mqtt) {
      const { username, password, clientId } = mqtt as MqttCredential;
      saveCredential(credentialFile, { username, password, clientId });
    }
    // The household's own: its positions and its meter's topics (the summary's mosquitto_sub uses it).
    const householdFile = mqttCredentialPath(
      stateDir,
      usernameOf({ kind: 'household', communityId: COMMUNITY_ID, participantId: home.participantId, meterIds: [] }),
    );
    if (!existsSync(householdFile)) {
      const res = await api(community, key, 'POST', `/participants/${home.participantId}/mqtt-credential`);
      if (res.status !== 201) throw new Error(`broker credential of ${home.participantId}: ${res.status} ${JSON.stringify(res.json)}`);
      const { username, password, clientId } = res.json as unknown as MqttCredential;
      saveCredential(householdFile, { username, password, clientId });
    }
    log(`  ${home.participantId}: meter ${home.meterId}, ${home.pvCapacityW > 0 ? `PV ${home.pvCapacityW} W` : 'no PV'}`);
  }
  return creds;
}

export async function startBridge(profile: NetworkProfile): Promise<void> {
  const name = 'bridge';
  const files = { pidFile: join(profile.stateDir, 'pids', `${name}.pid`), logFile: join(profile.stateDir, 'logs', `${name}.log`) };
  if (runningPid(files.pidFile) !== undefined) return;
  const config = readConfig(['GRIDLEDGER_BRIDGE_NODE_ARGS', 'GRIDLEDGER_BRIDGE_ARGS']);
  const words = (text: string) => text.split(' ').filter((a) => a !== '');
  const args = [
    // For profiling: e.g. GRIDLEDGER_BRIDGE_NODE_ARGS='--prof --logfile=/tmp/bridge.log'.
    ...words(config.GRIDLEDGER_BRIDGE_NODE_ARGS),
    entry('device-bridge', 'dist', 'main.js'),
    '--state',
    profile.stateDir,
    // For trying batching settings: e.g. GRIDLEDGER_BRIDGE_ARGS='--batch-size 100 --concurrency 12'.
    ...words(config.GRIDLEDGER_BRIDGE_ARGS),
  ];
  const pid = await startProcess({ name, command: node, args, env: serviceEnv(), ...files });
  await sleep(500);
  if (!isAlive(pid)) throw new Error(`bridge exited during start; see ${files.logFile}:\n${tail(files.logFile)}`);
}

export interface Platform {
  profile: NetworkProfile;
  credentials: Credentials;
  homes: DemoHome[];
}

/** `npm run up`: the network, then broker, gateways, demo community and bridge; idempotent. */
export async function upPlatform(o: UpOptions & { homes?: number }): Promise<Platform> {
  const log = o.log ?? ((m: string) => process.stdout.write(`${m}\n`));
  const profile = await upNetwork({ ...o, log });
  log('MQTT broker');
  await startBroker(profile.stateDir, o.offset ?? 0);
  await provisionBroker(profile);
  writeDemoGridModel(profile);
  log(`  mosquitto on ${profile.mqtt.url} (TLS, CA ${profile.mqtt.caCertPath}; a credential per meter, household and service)`);
  log('REST gateways');
  await startGateways(profile);
  for (const org of ORGS) log(`  ${org}: ${profile.orgs[org].gateway.url}/api/v1`);
  log('demo community: onboarding homes and their meters');
  const homes = demoHomes(o.homes ?? 5);
  const credentials = await seedDemo(profile, homes, log);
  log('device bridge');
  await startBridge(profile);
  return { profile, credentials, homes };
}

/**
 * 96 metering intervals around now, as the readings query takes them: the last 48 that have ended
 * and the next 48, so that the curl line still shows the latest readings when it is run later.
 */
function intervalsAroundNow(intervalSeconds: number): { from: string; to: string } {
  const last = Math.floor(Date.now() / 1000 / intervalSeconds) * intervalSeconds - intervalSeconds;
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  return { from: iso(last - 47 * intervalSeconds), to: iso(last + 48 * intervalSeconds) };
}

/** What `up` prints; its curl line reads 96 intervals of `meteringIntervalSeconds` around now (npm start: 60 s). */
export function summary(p: Platform, meteringIntervalSeconds = 900): string {
  const home = p.homes[0];
  const span = intervalsAroundNow(meteringIntervalSeconds);
  const key = p.credentials.apiKeys.community[home.participantId];
  const lines = [
    '',
    'GridLedger is up.',
    ...ORGS.map((org) => `  ${org.padEnd(10)} ${p.profile.orgs[org].gateway.url}/api/v1   (OpenAPI: /api/v1/openapi.json)`),
    `  MQTT       ${p.profile.mqtt.url} (TLS, CA ${p.profile.mqtt.caCertPath})   readings: ` +
      `gridledger/v1/${p.profile.mqtt.communityId}/meters/{meterId}/readings`,
    `  API keys   ${credentialsPath(p.profile.stateDir)}   meter keys: ${join(p.profile.stateDir, 'meters')}/   broker credentials: ` +
      `${join(p.profile.stateDir, 'mqtt', 'credentials')}/`,
    '',
    `  curl -H 'Authorization: Bearer ${key}' ` +
      `'${p.profile.orgs.community.gateway.url}/api/v1/meters/${home.meterId}/readings?from=${span.from}&to=${span.to}'`,
    `  mosquitto_sub -h 127.0.0.1 -p ${new URL(p.profile.mqtt.url).port} --cafile ${p.profile.mqtt.caCertPath} -u ` +
      `'household:${home.participantId}' -i 'household:${home.participantId}' -P "$(jq -r .password ` +
      `'${mqttCredentialPath(p.profile.stateDir, `household:${home.participantId}`)}')" -v -t ` +
      `'gridledger/v1/${p.profile.mqtt.communityId}/meters/${home.meterId}/receipts' -t ` +
      `'gridledger/v1/${p.profile.mqtt.communityId}/participants/${home.participantId}/positions'`,
    '',
    `  logs: ${join(p.profile.stateDir, 'logs')}/   stop: npm run down   (delete the ledger too: npm run down -- --purge)`,
  ];
  return lines.join('\n');
}
