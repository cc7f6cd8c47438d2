/**
 * The platform's broker as an attacker on the machine would try it (issue 20, item 2): TLS only, no
 * anonymous client, a credential per meter, household and service, each reaching its own topics
 * only, nobody taking over another's client id; the broker not running as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttCredential } from '@gridledger/network';
import {
  api,
  credentials,
  householdCredential,
  operatorKey,
  mosquittoPub,
  mqttOptions,
  newProsumerWithMeter,
  profile,
  readingSeries,
  readingsTopic,
  receiptsCollector,
  receiptsTopic,
  sleep,
  stateDir,
} from './support';

const url = () => new URL(profile().mqtt.url);
const positionsTopic = (participantId: string) => `gridledger/v1/${profile().mqtt.communityId}/participants/${participantId}/positions`;

/** mosquitto_sub for a few seconds: its exit status, output and errors. */
function mosquittoSub(args: string[], seconds = 4): { status: number | null; out: string; err: string } {
  const r = spawnSync('mosquitto_sub', ['-h', url().hostname, '-p', url().port, '-W', String(seconds), '-v', ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
const tls = () => ['--cafile', profile().mqtt.caCertPath];
const as = (c: MqttCredential) => ['-u', c.username, '-P', c.password, '-i', c.clientId];

/** mosquitto_pub with MQTT 5, which reports a refused publish on stderr (exit status 0 all the same). */
function forbiddenPub(c: MqttCredential, topic: string, payload: string): string {
  const r = spawnSync(
    'mosquitto_pub',
    ['-h', url().hostname, '-p', url().port, ...tls(), ...as(c), '-V', 'mqttv5', '-q', '1', '-t', topic, '-m', payload],
    { encoding: 'utf8' },
  );
  return r.stderr;
}

/** Why a connection was refused (undefined when it was accepted). */
async function refusal(credential: Partial<MqttCredential>, extra: mqtt.IClientOptions = {}): Promise<string | undefined> {
  try {
    const client = await mqtt.connectAsync(profile().mqtt.url, {
      ...mqttOptions(credential as MqttCredential),
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...extra,
    });
    await client.endAsync();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

it('refuses clients without credentials, without TLS, with a wrong password; the broker does not run as root', async () => {
  const meter = await newProsumerWithMeter();
  // The check: mosquitto_sub -t '#' without credentials.
  const anonymous = mosquittoSub([...tls(), '-t', '#']);
  expect(anonymous.status).not.toBe(0);
  expect(anonymous.err).toMatch(/not authori[sz]ed|Connection Refused/i);
  const plain = mosquittoSub([...as(meter.mqtt), '-t', receiptsTopic(meter.meterId)]);
  expect(plain.status).not.toBe(0);
  expect(await refusal({ ...meter.mqtt, password: 'guessed' })).toMatch(/Not authorized|Bad User Name or Password/i);

  const pid = readFileSync(join(stateDir(), 'pids', 'broker.pid'), 'utf8').split('\n')[0];
  expect(execFileSync('ps', ['-o', 'user=', '-p', pid], { encoding: 'utf8' }).trim()).not.toBe('root');
});

it("a meter reads its own receipts only; its reading and a neighbour's spoofed receipt: only the real receipt arrives", async () => {
  const a = await newProsumerWithMeter();
  const b = await newProsumerWithMeter();
  // With a's credential, '#' and b's receipts are refused.
  const everything = mosquittoSub([...tls(), ...as(a.mqtt), '-t', '#'], 2);
  expect(everything.out).toBe('');
  expect(everything.err).toMatch(/subscription requests were denied/i);
  const neighbours = mosquittoSub([...tls(), ...as(a.mqtt), '-t', receiptsTopic(b.meterId)], 2);
  expect(neighbours.out).toBe('');
  expect(neighbours.err).toMatch(/subscription requests were denied/i);

  const receipts = await receiptsCollector(a, a.meterId);
  try {
    // b tries a fake receipt to a and a reading in a's name: the broker refuses both (and disconnects b).
    expect(
      forbiddenPub(b.mqtt, receiptsTopic(a.meterId), JSON.stringify({ meterId: a.meterId, status: 'accepted', txId: 'f'.repeat(64) })),
    ).toMatch(/Not authorized/);
    const [reading] = readingSeries(a, 1);
    expect(forbiddenPub(b.mqtt, readingsTopic(a.meterId), JSON.stringify(reading))).toMatch(/Not authorized/);
    mosquittoPub(a.mqtt, readingsTopic(a.meterId), JSON.stringify(reading));
    const got = await receipts.waitFor(1);
    await sleep(1000);
    // One receipt, 'accepted': had b's copy of the reading gone through, a's own would be a 'duplicate'.
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ meterId: a.meterId, intervalStart: reading.intervalStart, status: 'accepted' });
    expect(got[0].txId).toMatch(/^[0-9a-f]{64}$/);
    expect(got[0].txId).not.toBe('f'.repeat(64));
  } finally {
    await receipts.close();
  }
});

it("nobody connects with the bridge's client id, and the bridge keeps its queue", async () => {
  const meter = await newProsumerWithMeter();
  const bridgeId = `bridge:${profile().mqtt.communityId}`;
  expect(await refusal({ ...meter.mqtt, clientId: bridgeId })).toMatch(/Not authorized|Client Identifier not valid|identifier rejected/i);
  // The bridge still takes readings.
  const receipts = await receiptsCollector(meter, meter.meterId);
  try {
    const [reading] = readingSeries(meter, 1);
    mosquittoPub(meter.mqtt, readingsTopic(meter.meterId), JSON.stringify(reading));
    expect((await receipts.waitFor(1))[0]).toMatchObject({ status: 'accepted' });
  } finally {
    await receipts.close();
  }
});

it('a household reads its own positions and meters only, and gets credentials for its own meter and itself only', async () => {
  const a = await newProsumerWithMeter();
  const b = await newProsumerWithMeter();
  const household = await householdCredential(a);
  expect(household).toMatchObject({
    username: `household:${a.participantId}`,
    clientId: `household:${a.participantId}`,
    url: profile().mqtt.url,
  });
  const client: MqttClient = await mqtt.connectAsync(profile().mqtt.url, {
    ...mqttOptions(household, { protocolVersion: 5 }),
    reconnectPeriod: 0,
  });
  try {
    const granted = async (filter: string) => {
      try {
        return (await client.subscribeAsync(filter, { qos: 1 }))[0].qos;
      } catch (e) {
        return (e as { packet?: { granted?: number[] } }).packet?.granted?.[0];
      }
    };
    expect(await granted(positionsTopic(a.participantId))).toBe(1);
    expect(await granted(receiptsTopic(a.meterId))).toBe(1);
    expect(await granted(positionsTopic(b.participantId))).toBe(135);
    expect(await granted(readingsTopic(b.meterId))).toBe(135);
  } finally {
    await client.endAsync();
  }
  // Through the gateway: b cannot have a's meter or household credential made.
  expect((await api('community', b.apiKey, 'POST', `/meters/${a.meterId}/mqtt-credential`)).body.error.code).toMatch(
    /ACCESS_DENIED|METER_NOT_REGISTERED/,
  );
  expect((await api('community', b.apiKey, 'POST', `/participants/${a.participantId}/mqtt-credential`)).status).toBe(403);
});

it('a new meter credential from the gateway ends the old one', async () => {
  const meter = await newProsumerWithMeter();
  const renewed = await api('community', meter.apiKey, 'POST', `/meters/${meter.meterId}/mqtt-credential`);
  expect(renewed.status).toBe(201);
  expect(renewed.body).toMatchObject({ username: `meter:${meter.meterId}`, caCertPem: readFileSync(profile().mqtt.caCertPath, 'utf8') });
  expect(await refusal(meter.mqtt)).toMatch(/Not authorized|Bad User Name or Password/i);
  expect(await refusal(renewed.body as MqttCredential)).toBeUndefined();
  // The operator may renew it too; the regulator may not.
  expect((await api('community', operatorKey(), 'POST', `/meters/${meter.meterId}/mqtt-credential`)).status).toBe(201);
  const regulator = await api('regulator', credentials().apiKeys.regulator.regulator, 'POST', `/meters/${meter.meterId}/mqtt-credential`);
  expect(regulator.status).toBe(403);
});

it("a retired meter's broker credential ends with it: the connection is refused afterwards", async () => {
  const meter = await newProsumerWithMeter();
  expect(await refusal(meter.mqtt)).toBeUndefined();
  const retired = await api('community', operatorKey(), 'POST', `/meters/${meter.meterId}/retirement`);
  expect(retired.status).toBe(200);
  expect(retired.body).toMatchObject({ meterId: meter.meterId });
  expect(await refusal(meter.mqtt)).toMatch(/Not authorized|Bad User Name or Password/i);
  // Retiring again is idempotent on the ledger, and the broker has nothing left to remove: no error.
  const again = await api('community', operatorKey(), 'POST', `/meters/${meter.meterId}/retirement`);
  expect(again.status).toBe(200);
  expect(await refusal(meter.mqtt)).toMatch(/Not authorized|Bad User Name or Password/i);
});
