/**
 * What every end-to-end test file shares: the running platform (started once by global-setup.js),
 * HTTP calls to its gateways, MQTT, and fresh participants and meters with ids of their own.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import { readingSignedBytes, Reading, SignedReading, formatInstant } from '@gridledger/core/core';
import type { Receipt } from '@gridledger/device-bridge';
import { ChaincodeError } from '@gridledger/fabric-client';
import { checkAnswer } from './answers';
import {
  ledgerClient,
  loadProfile,
  mqttClientOptions,
  mqttCredentialPath,
  NetworkProfile,
  OrgName,
  readCredential,
  usernameOf,
  WalletUser,
  type MqttCredential,
} from '@gridledger/network';

export const stateDir = (): string => {
  const dir = process.env.GRIDLEDGER_TEST_STATE;
  if (!dir) throw new Error('GRIDLEDGER_TEST_STATE is not set: run through jest (test/e2e/global-setup.js)');
  return dir;
};

export const profile = (): NetworkProfile => loadProfile(stateDir());

export function credentials(): { apiKeys: Record<string, Record<string, string>> } {
  return JSON.parse(readFileSync(join(stateDir(), 'credentials.json'), 'utf8'));
}

export const operatorKey = () => credentials().apiKeys.community['community-operator'];

/**
 * A gateway's JSON answer as these tests read it: field by field, each field checked by the assertion
 * that reads it (the routes' schemas are in gateway-api/src/openapi; the contract test holds the
 * gateways to them).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one loose type of the e2e tests, see above
export type JsonAnswer = Record<string, any>;

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function api<T = JsonAnswer>(
  org: OrgName,
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResult<T>> {
  const res = await fetch(`${profile().orgs[org].gateway.url}/api/v1${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const answer = text ? JSON.parse(text) : {};
  if (text) checkAnswer(method, path, res.status, answer);
  return { status: res.status, body: answer as T };
}

/** A unique id for this test run and call, valid as a participant or meter id. */
export const uid = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface TestMeter {
  participantId: string;
  apiKey: string;
  meterId: string;
  privateKeyPem: string;
  keyFile: string;
  /** The meter's broker credential, handed out by its registration. */
  mqtt: MqttCredential;
}

/** Onboards a new prosumer through the community gateway and registers a bidirectional meter for it (in `communityId`). */
export async function newProsumerWithMeter(exportCapacityW = 6000, communityId = profile().mqtt.communityId): Promise<TestMeter> {
  const participantId = uid('p');
  const onboarded = await api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'prosumer' });
  if (onboarded.status !== 201) throw new Error(`onboarding failed: ${onboarded.status} ${JSON.stringify(onboarded.body)}`);
  const apiKey = String(onboarded.body.apiKey);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'gl-meter-'));
  const keyFile = join(dir, 'meter.pem');
  writeFileSync(keyFile, privateKeyPem, { mode: 0o600 });
  const meterId = `${participantId}.main`;
  const registered = await api('community', apiKey, 'POST', '/meters', {
    meterId,
    participantId,
    kind: 'bidirectional',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    exportCapacityW,
    communityId,
  });
  if (registered.status !== 201) throw new Error(`meter registration failed: ${registered.status} ${JSON.stringify(registered.body)}`);
  if (!registered.body.mqtt) throw new Error(`meter registration gave no broker credential: ${JSON.stringify(registered.body)}`);
  return { participantId, apiKey, meterId, privateKeyPem, keyFile, mqtt: registered.body.mqtt as MqttCredential };
}

/** The start of the 15-minute interval `back` intervals before the last one that has ended. */
export function pastInterval(back: number): string {
  const now = Math.floor(Date.now() / 1000);
  const lastEnded = Math.floor(now / 900) * 900 - 900;
  return formatInstant(lastEnded - back * 900);
}

/** A meter's consecutive readings over n intervals ending with the last one that has ended (or `endBack` intervals before it). */
export function readingSeries(meter: TestMeter, n: number, firstSeq = 1, endBack = 0): SignedReading[] {
  const out: SignedReading[] = [];
  let importRegisterWh = 1_000_000;
  let exportRegisterWh = 500_000;
  for (let i = 0; i < n; i++) {
    const importWh = 100 + ((i * 37) % 200);
    const exportWh = (i * 53) % 400;
    importRegisterWh += importWh;
    exportRegisterWh += exportWh;
    const reading: Reading = {
      meterId: meter.meterId,
      intervalStart: pastInterval(endBack + n - 1 - i),
      seq: firstSeq + i,
      importWh,
      exportWh,
      importRegisterWh,
      exportRegisterWh,
    };
    out.push(signReading(reading, meter.privateKeyPem));
  }
  return out;
}

export function signReading(reading: Reading, privateKeyPem: string): SignedReading {
  return { ...reading, sig: sign('sha256', readingSignedBytes(reading), privateKeyPem).toString('base64') };
}

export const readingsTopic = (meterId: string) => `gridledger/v1/${profile().mqtt.communityId}/meters/${meterId}/readings`;
export const receiptsTopic = (meterId: string) => `gridledger/v1/${profile().mqtt.communityId}/meters/${meterId}/receipts`;

/** TLS against the broker's CA and a credential, for mqtt.js (MQTT 3.1.1 unless told). */
export const mqttOptions = (credential: MqttCredential, extra: IClientOptions = {}): IClientOptions =>
  mqttClientOptions(profile().mqtt, credential, { protocolVersion: 4, ...extra });

/** The platform's head-end credential (relays signed readings of any meter, reads every receipt). */
export const headEndCredential = (): MqttCredential => {
  const { communityId } = profile().mqtt;
  return readCredential(mqttCredentialPath(stateDir(), usernameOf({ kind: 'head-end', communityId, name: communityId })))!;
};

/** A household's own broker credential (its positions, its meters' readings and receipts), from the gateway. */
export async function householdCredential(household: { participantId: string; apiKey: string }): Promise<MqttCredential> {
  const res = await api('community', household.apiKey, 'POST', `/participants/${household.participantId}/mqtt-credential`);
  if (res.status !== 201) throw new Error(`household credential: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as MqttCredential;
}

/** mosquitto_pub, the Debian client, as a third-party meter would publish: TLS, the meter's credential, its client id. */
export function mosquittoPub(credential: MqttCredential, topic: string, payload: string): void {
  const url = new URL(profile().mqtt.url);
  execFileSync('mosquitto_pub', [
    '-h',
    url.hostname,
    '-p',
    url.port,
    '--cafile',
    profile().mqtt.caCertPath,
    '-u',
    credential.username,
    '-P',
    credential.password,
    '-i',
    credential.clientId,
    '-q',
    '1',
    '-t',
    topic,
    '-m',
    payload,
  ]);
}

/** Collects receipts for a household's meter, connected as the household, until `count` have arrived (or the deadline passes). */
export async function receiptsCollector(
  household: { participantId: string; apiKey: string },
  meterId: string,
): Promise<{ receipts: Receipt[]; waitFor(count: number, timeoutMs?: number): Promise<Receipt[]>; close(): Promise<void> }> {
  const client: MqttClient = await mqtt.connectAsync(profile().mqtt.url, mqttOptions(await householdCredential(household)));
  const receipts: Receipt[] = [];
  client.on('message', (_topic, payload) => receipts.push(JSON.parse(payload.toString())));
  await client.subscribeAsync(receiptsTopic(meterId), { qos: 1 });
  return {
    receipts,
    async waitFor(count, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (receipts.length < count && Date.now() < deadline) await sleep(200);
      return receipts;
    },
    close: () => client.endAsync(),
  };
}

/** Publishes with QoS 1 as a meter (its credential) or, by default, as the platform's head-end. */
export async function publish(messages: { topic: string; payload: string }[], as: MqttCredential = headEndCredential()): Promise<void> {
  const client = await mqtt.connectAsync(profile().mqtt.url, mqttOptions(as));
  for (const m of messages) await client.publishAsync(m.topic, m.payload, { qos: 1 });
  await client.endAsync();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 90_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/**
 * A GET at another organization's gateway once its peer holds what the caller just wrote: each gateway
 * reads its own organization's peer, which may be a block behind the one that committed the write.
 */
export async function readOnceCommitted(
  org: OrgName,
  key: string,
  path: string,
  ready: (body: JsonAnswer) => boolean,
): Promise<JsonAnswer> {
  return eventually(async () => {
    const res = await api(org, key, 'GET', path);
    return res.status === 200 && ready(res.body) && res.body;
  }, 10_000);
}

/** All stored readings of a meter, through the gateway. */
export async function storedReadings(meter: TestMeter): Promise<JsonAnswer[]> {
  const res = await api<JsonAnswer | JsonAnswer[]>(
    'community',
    meter.apiKey,
    'GET',
    `/meters/${meter.meterId}/readings?from=${encodeURIComponent(pastInterval(200))}&to=${encodeURIComponent(pastInterval(0))}`,
  );
  if (res.status !== 200) throw new Error(`readings: ${res.status} ${JSON.stringify(res.body)}`);
  return Array.isArray(res.body) ? res.body : res.body.readings;
}

/** A wallet identity the gateway enrolled at run time (onboarding), read from its MSP folder. */
export function enrolledUser(org: OrgName, id: string): WalletUser {
  const msp = join(stateDir(), 'orgs', org, 'users', id, 'msp');
  const [key] = readdirSync(join(msp, 'keystore'));
  return { id, mspId: profile().orgs[org].mspId, certPath: join(msp, 'signcerts', 'cert.pem'), keyPath: join(msp, 'keystore', key) };
}

/** Closes an interval's window through the Community gateway (every page) as its operator. */
/** Closes a community's window (by default that of the test meters' community), as its operator. */
export async function closeWindow(intervalStart: string, communityId = profile().mqtt.communityId): Promise<ApiResult<JsonAnswer>> {
  return api('community', operatorKey(), 'POST', `/communities/${communityId}/windows/${encodeURIComponent(intervalStart)}/close`);
}

/** The chaincode's own error code in what a ledgerClient call threw (undefined: no error, or one the chaincode did not answer with). */
export const chaincodeCodeOf = (error: unknown): string | undefined => (error instanceof ChaincodeError ? error.code : undefined);

/** The block that holds a transaction, as raw protobuf bytes (qscc GetBlockByTxID, as the community operator). */
export async function blockOfTransaction(txId: string): Promise<Buffer> {
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    const qscc = client.gateway.getNetwork(profile().channel).getContract('qscc');
    return Buffer.from(await qscc.evaluateTransaction('GetBlockByTxID', profile().channel, txId));
  } finally {
    client.close();
  }
}

export interface SseEvent {
  id: string;
  event: string;
  data: { name: string; blockNumber: number; txId: string; payload: Record<string, unknown> };
}

/** Opens a gateway's event stream (the community's, as its operator, by default) and collects its events until stopped. */
export async function openEvents(headers: Record<string, string> = {}, query = '', key = operatorKey(), org: OrgName = 'community') {
  const controller = new AbortController();
  const res = await fetch(`${profile().orgs[org].gateway.url}/api/v1/events${query}`, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  const reader = res.body!.getReader();
  const pump = (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) =>
            frame
              .split('\n')
              .find((l) => l.startsWith(`${name}: `))
              ?.slice(name.length + 2);
          const data = field('data');
          if (field('id') !== undefined && data !== undefined) {
            events.push({ id: field('id')!, event: field('event')!, data: JSON.parse(data) });
            waiters.splice(0).forEach((w) => w());
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    async until(pred: (e: SseEvent[]) => boolean, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pred(events)) {
        if (Date.now() > deadline)
          throw new Error(`events did not arrive: ${JSON.stringify(events.map((e) => [e.event, e.data.payload]))}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 500);
        });
      }
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}
