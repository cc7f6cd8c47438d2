/**
 * Live telemetry on the real network with the real Mosquitto (docs/telemetry.md): a meter publishes
 * and the live balance shows it; a feeder's sensor reports an overload, the alert is raised on the
 * ledger and on the event stream, the operator acknowledges it, and it clears only below the
 * hysteresis; bad telemetry is refused and counted while good telemetry keeps flowing; a household
 * sees its own meters only, on the API and on the broker.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttCredential } from '@gridledger/network';
import {
  api,
  credentials,
  headEndCredential,
  householdCredential,
  mqttOptions,
  newProsumerWithMeter,
  openEvents,
  operatorKey,
  profile,
  sleep,
  uid,
  type TestMeter,
} from './support';
import { addGridZone, placeInZone } from './flex-support';

const community = () => profile().mqtt.communityId;
const topic = (source: 'meters' | 'sensors', id: string) => `gridledger/v1/${community()}/${source}/${id}/telemetry`;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const sample = (deviceId: string, zone: string, powerW: number, extra: object = {}) =>
  JSON.stringify({ deviceId, zone, at: now(), powerW, frequencyMHz: 50_010, voltageMv: 231_000, ...extra });

async function connect(credential: MqttCredential): Promise<MqttClient> {
  return mqtt.connectAsync(profile().mqtt.url, { ...mqttOptions(credential, { protocolVersion: 5 }), reconnectPeriod: 0 });
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await sleep(200);
  }
}

/** The bridge's refusal counters by code. */
async function refusals(): Promise<Record<string, number>> {
  const text = await (await fetch(`${profile().bridge.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^gridledger_telemetry_samples_refused_total\{code="([A-Z_]+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

const live = (key = operatorKey()) => api('community', key, 'GET', `/communities/${community()}/grid/live`);
interface Zone {
  zone: string;
  supplyW: number;
  demandW: number;
  feederFlowW: number;
  loadingPpm: number | null;
}
const zoneOf = (body: { balance?: { zones: Zone[] } }, zone: string) => body.balance?.zones.find((z) => z.zone === zone);

let a: TestMeter;
let b: TestMeter;
let zone: string;
let feeder: string;
let meterA: MqttClient;
let sensor: MqttClient;

beforeAll(async () => {
  [a, b] = await Promise.all([newProsumerWithMeter(), newProsumerWithMeter()]);
  zone = uid('zone');
  feeder = `feeder-${zone}`;
  // The stopgap grid model (docs/telemetry.md, "Zones and limits"): the zone's feeder and its 10 kW limits.
  addGridZone(zone, feeder);
  for (const m of [a, b]) await placeInZone(m, zone);
  const credential = await api('community', operatorKey(), 'POST', `/communities/${community()}/sensors/${feeder}/mqtt-credential`);
  expect(credential.status).toBe(201);
  meterA = await connect(a.mqtt);
  sensor = await connect(credential.body as MqttCredential);
});

afterAll(async () => {
  await meterA?.endAsync();
  await sensor?.endAsync();
});

it("shows a meter's samples in the live balance and its series, to the grid and to its household only", async () => {
  await meterA.publishAsync(topic('meters', a.meterId), sample(a.meterId, zone, -3_000), { qos: 1 });
  const body = (await until('the zone in the live balance', live, (r) => zoneOf(r.body, zone)?.demandW === 3_000)).body;
  expect(zoneOf(body, zone)).toMatchObject({ supplyW: 0, demandW: 3_000, feederFlowW: -3_000, loadingPpm: 300_000 });
  expect(body.devices.find((d: { deviceId: string }) => d.deviceId === a.meterId)).toMatchObject({
    participantId: a.participantId,
    powerW: -3_000,
  });
  for (const org of ['utility', 'regulator'] as const) {
    const key = credentials().apiKeys[org][org];
    const seen = await api(org, key, 'GET', `/communities/${community()}/grid/live`);
    expect(zoneOf(seen.body, zone)?.demandW).toBe(3_000);
    // The regulator sees the zones but no household's meter, and is refused a meter's series.
    const meters = seen.body.devices.filter((d: { kind: string }) => d.kind === 'meter').length;
    expect(org === 'regulator' ? meters === 0 : meters > 0).toBe(true);
  }
  const refused = await api('regulator', credentials().apiKeys.regulator.regulator, 'GET', `/meters/${a.meterId}/telemetry`);
  expect([refused.status, refused.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);

  // A household: its own meters, no zone, no other home; another's series is refused.
  const own = await live(a.apiKey);
  expect(own.status).toBe(200);
  expect(own.body.balance).toBeUndefined();
  expect(own.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([a.meterId]);
  expect((await live(b.apiKey)).body.devices).toEqual([]);
  const series = await until(
    'the meter series',
    () => api('community', a.apiKey, 'GET', `/meters/${a.meterId}/telemetry`),
    (r) => r.body.series?.length > 0,
  );
  expect(series.body.series[0]).toMatchObject({ deviceId: a.meterId, zone, powerW: -3_000 });
  expect((await api('community', b.apiKey, 'GET', `/meters/${a.meterId}/telemetry`)).status).toBe(403);
  expect((await api('community', b.apiKey, 'GET', `/communities/${community()}/zones/${zone}/telemetry`)).status).toBe(403);
  const zoneSeries = await api('community', operatorKey(), 'GET', `/communities/${community()}/zones/${zone}/telemetry`);
  expect(zoneSeries.body.series.map((s: { deviceId: string }) => s.deviceId)).toContain(a.meterId);
});

it('a household can neither read nor publish another household’s telemetry on the broker', async () => {
  const household = await connect(await householdCredential(b));
  const granted = async (filter: string) => {
    try {
      return (await household.subscribeAsync(filter, { qos: 1 }))[0].qos;
    } catch (e) {
      return (e as { packet?: { granted?: number[] } }).packet?.granted?.[0];
    }
  };
  try {
    expect(await granted(topic('meters', b.meterId))).toBe(1);
    expect(await granted(topic('meters', a.meterId))).toBe(135);
    expect(await granted(topic('sensors', feeder))).toBe(135);
  } finally {
    await household.endAsync();
  }
  // B's meter publishing as A's: the broker refuses it (MQTT 5 PUBACK 135), and A's sample stays.
  const meterB = await connect(b.mqtt);
  try {
    const forged = await meterB.publishAsync(topic('meters', a.meterId), sample(a.meterId, zone, 7_777), { qos: 1 }).then(
      (packet) => (packet as { reasonCode?: number } | undefined)?.reasonCode,
      (e: Error) => e.message,
    );
    expect(String(forged)).toMatch(/135|Not authorized/i);
  } finally {
    await meterB.endAsync();
  }
  await sleep(500);
  const seen = (await live()).body.devices.find((d: { deviceId: string }) => d.deviceId === a.meterId);
  expect(seen.powerW).not.toBe(7_777);
});

it('refuses bad telemetry with stable codes and counts it, while good telemetry keeps flowing', async () => {
  const before = await refusals();
  const headEnd = await connect(headEndCredential());
  try {
    await meterA.publishAsync(topic('meters', a.meterId), sample(a.meterId, 'another-zone', -1), { qos: 1 });
    await meterA.publishAsync(topic('meters', a.meterId), sample(a.meterId, zone, -1, { frequencyMHz: 70_000 }), { qos: 1 });
    await meterA.publishAsync(topic('meters', a.meterId), '{"deviceId":', { qos: 1 });
    const stranger = uid('nometer');
    await headEnd.publishAsync(topic('meters', stranger), sample(stranger, zone, -1), { qos: 1 });
    await meterA.publishAsync(topic('meters', a.meterId), sample(a.meterId, zone, -2_500), { qos: 1 });
  } finally {
    await headEnd.endAsync();
  }
  const after = await until(
    'the refusals counted',
    refusals,
    (r) => (r.TELEMETRY_DEVICE_UNKNOWN ?? 0) > (before.TELEMETRY_DEVICE_UNKNOWN ?? 0),
  );
  const grew = (code: string) => (after[code] ?? 0) - (before[code] ?? 0);
  expect([
    grew('TELEMETRY_ZONE_MISMATCH'),
    grew('TELEMETRY_OUT_OF_RANGE'),
    grew('TELEMETRY_MALFORMED'),
    grew('TELEMETRY_DEVICE_UNKNOWN'),
  ]).toEqual([1, 1, 1, 1]);
  await until('the good sample after the bad ones', live, (r) => zoneOf(r.body, zone)?.demandW === 2_500);
});

it('raises a feeder overload on the ledger and the event stream, lets the operator acknowledge it, and clears it below 85 %', async () => {
  const events = await openEvents();
  const alertsOf = async (status: 'active' | 'all') =>
    (await api('community', operatorKey(), 'GET', `/communities/${community()}/alerts?status=${status}`)).body.alerts as {
      alertId: string;
      kind: string;
      subject: string;
      status: string;
      value: number;
    }[];
  const overload = <T extends { kind: string; subject: string }>(list: T[]) =>
    list.find((x) => x.kind === 'FEEDER_OVERLOAD' && x.subject === zone);
  try {
    await sensor.publishAsync(topic('sensors', feeder), sample(feeder, zone, -9_500), { qos: 1 });
    const raised = (await until(
      'the alert on the ledger',
      () => alertsOf('active'),
      (l) => overload(l) !== undefined,
    ))!;
    const alert = overload(raised)!;
    expect(alert).toMatchObject({ status: 'raised', value: 950_000 });
    await events.until((e) => e.some((x) => x.event === 'GridAlertRaised' && x.data.payload.alertId === alert.alertId));

    const answer = await api('community', operatorKey(), 'POST', `/communities/${community()}/alerts/${alert.alertId}/acknowledgement`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'acknowledged', alertId: alert.alertId });
    const utility = credentials().apiKeys.utility.utility;
    expect((await api('utility', utility, 'POST', `/communities/${community()}/alerts/${alert.alertId}/acknowledgement`)).status).toBe(403);
    await events.until((e) => e.some((x) => x.event === 'GridAlertAcknowledged' && x.data.payload.alertId === alert.alertId));

    // 88 %: above the clearing threshold, the alert holds.
    await sensor.publishAsync(topic('sensors', feeder), sample(feeder, zone, -8_800), { qos: 1 });
    await until('the 88 % in the live balance', live, (r) => zoneOf(r.body, zone)?.loadingPpm === 880_000);
    await sleep(1_500);
    expect(overload(await alertsOf('active'))?.status).toBe('acknowledged');

    await sensor.publishAsync(topic('sensors', feeder), sample(feeder, zone, -8_000), { qos: 1 });
    await until(
      'the alert cleared',
      () => alertsOf('active'),
      (l) => overload(l) === undefined,
    );
    await events.until((e) => e.some((x) => x.event === 'GridAlertCleared' && x.data.payload.alertId === alert.alertId));
    const history = overload((await alertsOf('all')).filter((x) => x.alertId === alert.alertId))!;
    expect(history).toMatchObject({ status: 'cleared', value: 950_000 });
    // A household does not see the grid's alerts.
    expect((await api('community', a.apiKey, 'GET', `/communities/${community()}/alerts`)).status).toBe(403);
  } finally {
    await events.close();
  }
});
