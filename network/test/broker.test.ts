/**
 * The broker's security on a real Mosquitto (TLS, dynamic-security plugin, as the platform runs
 * it): who may connect, publish and read, and that nobody takes over another's client id.
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { BrokerAdmin, mqttClientOptions, prepareBroker, principalAcls, usernameOf, type MqttCredential, type PreparedBroker } from '../src';

jest.setTimeout(30_000);
const C = 'test-community';
let stateDir: string;
let broker: PreparedBroker;
let child: ChildProcess;
let admin: BrokerAdmin;
const clients: MqttClient[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function connect(credential: MqttCredential, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(
    broker.endpoint.url,
    mqttClientOptions(broker.endpoint, credential, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, ...extra }),
  );
  clients.push(client);
  return client;
}

/** The error of a refused connection (undefined when it was accepted). */
async function refused(options: mqtt.IClientOptions): Promise<string | undefined> {
  try {
    const client = await mqtt.connectAsync(broker.endpoint.url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    await client.endAsync();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The QoS the broker grants for each filter (128: refused), one subscription at a time. */
async function grants(client: MqttClient, filters: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const f of filters) {
    try {
      out.push((await client.subscribeAsync(f, { qos: 1 }))[0].qos);
    } catch (e) {
      out.push((e as { packet?: { granted?: number[] } }).packet?.granted?.[0] ?? -1);
    }
  }
  return out;
}

/**
 * Publishes once on a fresh connection. Mosquitto answers a publish the role does not allow with
 * "Not authorized" (MQTT 5) and closes the connection.
 */
async function forbiddenPublish(credential: MqttCredential, to: string, payload: string): Promise<'refused' | 'accepted'> {
  const client = await connect(credential);
  const closed = new Promise<'refused'>((resolve) => client.once('close', () => resolve('refused')));
  const outcome = await Promise.race([
    client.publishAsync(to, payload, { qos: 1 }).then(
      () => 'accepted' as const,
      () => 'refused' as const,
    ),
    closed,
  ]);
  client.end(true);
  return outcome;
}

/** Messages a client receives on a filter within a short while. */
async function collect(client: MqttClient, filter: string): Promise<{ got: { topic: string; payload: string }[] }> {
  const got: { topic: string; payload: string }[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { got };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const topic = (meterId: string, kind: string) => `gridledger/v1/${C}/meters/${meterId}/${kind}`;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'gl-broker-'));
  const port = await freePort();
  broker = prepareBroker({ stateDir, port });
  child = spawn('mosquitto', ['-c', broker.configPath], { stdio: 'ignore', ...(broker.runAs ?? {}) });
  for (let i = 0; ; i++) {
    try {
      admin = await BrokerAdmin.connect(broker.endpoint, broker.admin, 'test-admin');
      break;
    } catch (e) {
      if (i > 50) throw e;
      await sleep(100);
    }
  }
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await admin?.close();
  child?.kill('SIGTERM');
  await sleep(200);
  rmSync(stateDir, { recursive: true, force: true });
});

it('keeps the CA key, the admin credential and the dynamic-security file private, and never runs as root', () => {
  expect(statSync(join(stateDir, 'mqtt', 'ca.key')).mode & 0o077).toBe(0);
  expect(statSync(join(stateDir, 'mqtt', 'credentials', 'admin.json')).mode & 0o077).toBe(0);
  expect(statSync(join(stateDir, 'broker', 'dynamic-security.json')).mode & 0o077).toBe(0);
  const user = execFileSync('ps', ['-o', 'user=', '-p', String(child.pid)], { encoding: 'utf8' }).trim();
  expect(user).not.toBe('root');
});

it('refuses clients without credentials, with a wrong password, or without TLS', async () => {
  const ca = readFileSync(broker.endpoint.caCertPath);
  expect(await refused({ ca, clientId: 'anon' })).toMatch(/Not authorized|Bad User Name or Password/i);
  const meter = await admin.grant({ kind: 'meter', communityId: C, meterId: 'm-wrong' });
  expect(await refused({ ca, username: meter.username, password: 'guess', clientId: meter.clientId })).toMatch(
    /Not authorized|Bad User Name or Password/i,
  );
  const plain = broker.endpoint.url.replace('mqtts:', 'mqtt:');
  await expect(
    mqtt.connectAsync(plain, {
      reconnectPeriod: 0,
      connectTimeout: 3000,
      username: meter.username,
      password: meter.password,
      clientId: meter.clientId,
    }),
  ).rejects.toThrow();
  // And a client that does not trust the broker's CA does not talk to it.
  expect(await refused({ username: meter.username, password: meter.password, clientId: meter.clientId })).toMatch(/certificate/i);
});

it('a meter publishes only its own readings and reads only its own receipts; the bridge alone reads every meter', async () => {
  const a = await admin.grant({ kind: 'meter', communityId: C, meterId: 'm-a' });
  const b = await admin.grant({ kind: 'meter', communityId: C, meterId: 'm-b' });
  const bridgeCred = await admin.grant({ kind: 'bridge', communityId: C });
  const bridge = await connect(bridgeCred);
  const readings = await collect(bridge, topic('+', 'readings'));
  const meterA = await connect(a);
  const aReceipts = await collect(meterA, topic('m-a', 'receipts'));
  const meterB = await connect(b);
  // B tries to read everyone's readings and A's receipts: the broker refuses both subscriptions.
  expect(await grants(meterB, [topic('+', 'readings'), topic('m-a', 'receipts'), '#'])).toEqual([135, 135, 135]);
  await meterA.publishAsync(topic('m-a', 'readings'), 'from a', { qos: 1 });
  // B publishes a reading as A, and a fake receipt to A: the broker refuses both and disconnects B.
  expect(await forbiddenPublish(b, topic('m-a', 'readings'), 'b as a')).toBe('refused');
  expect(await forbiddenPublish(b, topic('m-a', 'receipts'), 'fake receipt')).toBe('refused');
  await bridge.publishAsync(topic('m-a', 'receipts'), 'real receipt', { qos: 1 });
  await sleep(500);
  expect(readings.got).toEqual([{ topic: topic('m-a', 'readings'), payload: 'from a' }]);
  expect(aReceipts.got).toEqual([{ topic: topic('m-a', 'receipts'), payload: 'real receipt' }]);
});

it("nobody connects with another principal's client id; a new password ends the old one", async () => {
  const bridgeCred = await admin.grant({ kind: 'bridge', communityId: `${C}-2` });
  const meter = await admin.grant({ kind: 'meter', communityId: `${C}-2`, meterId: 'm-c' });
  const ca = readFileSync(broker.endpoint.caCertPath);
  expect(await refused({ ca, username: meter.username, password: meter.password, clientId: bridgeCred.clientId })).toMatch(
    /Not authorized|identifier rejected|Client Identifier not valid/i,
  );
  const first = await connect(meter);
  expect(first.connected).toBe(true);
  const rotated = await admin.grant({ kind: 'meter', communityId: `${C}-2`, meterId: 'm-c' });
  expect(await refused({ ca, username: meter.username, password: meter.password, clientId: meter.clientId })).toMatch(
    /Not authorized|Bad User Name or Password/i,
  );
  expect((await connect(rotated)).connected).toBe(true);
});

it('two grants of one principal at once both answer, and the later password is the one that works', async () => {
  const second = await BrokerAdmin.connect(broker.endpoint, broker.admin, 'test-admin-2');
  try {
    for (let round = 0; round < 10; round++) {
      const p = { kind: 'meter' as const, communityId: C, meterId: `m-race-${round}` };
      const [x, y] = await Promise.all([admin.grant(p), second.grant(p)]);
      const working = [];
      for (const c of [x, y])
        if (
          (await refused({
            ca: readFileSync(broker.endpoint.caCertPath),
            username: c.username,
            password: c.password,
            clientId: c.clientId,
          })) === undefined
        )
          working.push(c);
      expect(working).toHaveLength(1);
    }
  } finally {
    await second.close();
  }
});

it('a household reads its positions and its own meters, nothing of another household', async () => {
  const household = await admin.grant({ kind: 'household', communityId: C, participantId: 'h1', meterIds: ['h1.main'] });
  const client = await connect(household);
  expect(
    await grants(client, [
      `gridledger/v1/${C}/participants/h1/positions`,
      topic('h1.main', 'receipts'),
      `gridledger/v1/${C}/participants/h2/positions`,
      topic('h2.main', 'readings'),
    ]),
  ).toEqual([1, 1, 135, 135]);
  // A meter registered later joins its role.
  expect(await admin.extend({ kind: 'household', communityId: C, participantId: 'h1', meterIds: ['h1.pv'] })).toBe(true);
  expect(await grants(client, [topic('h1.pv', 'readings')])).toEqual([1]);
  expect(await admin.extend({ kind: 'household', communityId: C, participantId: 'nobody', meterIds: ['x'] })).toBe(false);
});

it("a household publishes its meters' plans, its agent alone reads them; no other household reads or writes them", async () => {
  const plan = topic('p1.main', 'plan');
  const agentCredential = await admin.grant({ kind: 'agent', communityId: C, participantId: 'p1', meterIds: ['p1.main'] });
  const agent = await connect(agentCredential);
  const others = [topic('p2.main', 'plan'), topic('p1.main', 'readings'), `gridledger/v1/${C}/participants/p1/positions`];
  expect(await grants(agent, [plan, ...others])).toEqual([1, 135, 135, 135]);
  const { got } = await collect(agent, plan);
  const own = await admin.grant({ kind: 'household', communityId: C, participantId: 'p1', meterIds: ['p1.main'] });
  const other = await admin.grant({ kind: 'household', communityId: C, participantId: 'p2', meterIds: ['p2.main'] });
  const otherAgent = await admin.grant({ kind: 'agent', communityId: C, participantId: 'p2', meterIds: ['p2.main'] });
  // Neither the household itself nor another household or its agent reads it.
  for (const c of [own, other, otherAgent]) expect(await grants(await connect(c), [plan])).toEqual([135]);
  // Another household cannot publish a plan for p1's meter; p1's household can.
  expect(await forbiddenPublish(other, plan, 'forged')).toBe('refused');
  expect(await forbiddenPublish(own, plan, 'the plan')).toBe('accepted');
  await sleep(300);
  expect(got.map((m) => m.payload)).toEqual(['the plan']);
  // The agent itself publishes nothing.
  agent.end(true);
  expect(await forbiddenPublish(agentCredential, plan, 'x')).toBe('refused');
});

it('the roles hold exactly the topics of the access table', () => {
  expect(principalAcls({ kind: 'meter', communityId: 'c', meterId: 'm' }).map((a) => `${a.acltype} ${a.topic}`)).toEqual([
    'publishClientSend gridledger/v1/c/meters/m/readings',
    'publishClientSend gridledger/v1/c/meters/m/telemetry',
    'subscribePattern gridledger/v1/c/meters/m/receipts',
    'publishClientReceive gridledger/v1/c/meters/m/receipts',
    'subscribePattern gridledger/v1/c/meters/m/commands',
    'publishClientReceive gridledger/v1/c/meters/m/commands',
  ]);
  expect(principalAcls({ kind: 'positions', communityId: 'c' })).toEqual([
    { acltype: 'publishClientSend', topic: 'gridledger/v1/c/participants/+/positions', allow: true },
  ]);
  expect(principalAcls({ kind: 'sensor', communityId: 'c', sensorId: 'feeder-z1' })).toEqual([
    { acltype: 'publishClientSend', topic: 'gridledger/v1/c/sensors/feeder-z1/telemetry', allow: true },
  ]);
  expect(principalAcls({ kind: 'telemetry', communityId: 'c' }).map((a) => `${a.acltype} ${a.topic}`)).toEqual([
    'subscribePattern gridledger/v1/c/meters/+/telemetry',
    'publishClientReceive gridledger/v1/c/meters/+/telemetry',
    'subscribePattern gridledger/v1/c/sensors/+/telemetry',
    'publishClientReceive gridledger/v1/c/sensors/+/telemetry',
  ]);
  expect(principalAcls({ kind: 'device', communityId: 'c', deviceId: 'bat-1' }).map((a) => `${a.acltype} ${a.topic}`)).toEqual([
    'subscribePattern gridledger/v1/c/devices/bat-1/commands',
    'publishClientReceive gridledger/v1/c/devices/bat-1/commands',
    'publishClientSend gridledger/v1/c/devices/bat-1/acks',
  ]);
  expect(principalAcls({ kind: 'dispatch', communityId: 'c' }).map((a) => `${a.acltype} ${a.topic}`)).toEqual([
    'publishClientSend gridledger/v1/c/devices/+/commands',
    'subscribePattern gridledger/v1/c/devices/+/acks',
    'publishClientReceive gridledger/v1/c/devices/+/acks',
    'subscribePattern gridledger/v1/c/batteries/+/soc',
    'publishClientReceive gridledger/v1/c/batteries/+/soc',
  ]);
  // An organization's VTN relays VEN reports as any meter's telemetry and reads nothing.
  expect([
    usernameOf({ kind: 'vtn', communityId: 'c', org: 'community' }),
    principalAcls({ kind: 'vtn', communityId: 'c', org: 'community' }),
  ]).toEqual(['vtn:community', [{ acltype: 'publishClientSend', topic: 'gridledger/v1/c/meters/+/telemetry', allow: true }]]);
  // A storage battery publishes its own state of charge and reads nothing; only the bridge's dispatch service reads it.
  expect(principalAcls({ kind: 'battery', communityId: 'c', batteryId: 'bat-1' })).toEqual([
    { acltype: 'publishClientSend', topic: 'gridledger/v1/c/batteries/bat-1/soc', allow: true },
  ]);
  expect(usernameOf({ kind: 'battery', communityId: 'c', batteryId: 'bat-1' })).toBe('battery:bat-1');
  // A trading agent reads its household's meters' plans and nothing else.
  expect(
    principalAcls({ kind: 'agent', communityId: 'c', participantId: 'p', meterIds: ['p.pv', 'p.main'] }).map(
      (a) => `${a.acltype} ${a.topic}`,
    ),
  ).toEqual([
    'subscribePattern gridledger/v1/c/meters/p.main/plan',
    'publishClientReceive gridledger/v1/c/meters/p.main/plan',
    'subscribePattern gridledger/v1/c/meters/p.pv/plan',
    'publishClientReceive gridledger/v1/c/meters/p.pv/plan',
  ]);
  expect(usernameOf({ kind: 'agent', communityId: 'c', participantId: 'p', meterIds: [] })).toBe('agent:p');
});
