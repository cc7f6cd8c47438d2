/**
 * Dispatch of batteries on the real network with the real Mosquitto (docs/dispatch.md): the utility
 * sends setpoints, the device bridge publishes them on each device's commands topic, simulated
 * devices answer on their acks topic and the answers land on the ledger. Acknowledged and
 * delivered (measured from the meter's telemetry, paid per kWh); refused by a device; a silent
 * device marked non-responsive and the next resource of its zone dispatched; a setpoint beyond its
 * owner's limits refused with a stable code. A household lists its own resources and dispatches
 * (GET /resources, GET /dispatches) and sees their events on GET /events; another household sees
 * none of them.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { formatInstant } from '@gridledger/core/core';
import type { DeviceBehaviour, SimulatedDevice } from '@gridledger/device-bridge';
import type { MqttCredential } from '@gridledger/network';
import { batteryWithDevice, placeInZone, publishMeterTelemetry } from './flex-support';
import {
  api,
  credentials,
  eventually,
  mqttOptions,
  newProsumerWithMeter,
  openEvents,
  profile,
  uid,
  type JsonAnswer,
  type TestMeter,
} from './support';

const community = () => profile().mqtt.communityId;
const utilityKey = () => credentials().apiKeys.utility.utility;
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** The meters' base load while their devices do nothing (W, importing). */
const BASE_W = -500;
const PRICE = 100_000_000;

interface Home {
  meter: TestMeter;
  resourceId: string;
  device: SimulatedDevice;
  telemetry: MqttClient;
}

let zone: string;
const homes: Record<string, Home> = {};
let publisher: NodeJS.Timeout | undefined;
/** The event streams of the obeying and the refusing homes, opened before any dispatch. */
let streams: Record<'obey' | 'refuse', Awaited<ReturnType<typeof openEvents>>>;
/** The dispatches the tests sent, by the home they went to. */
const sentTo: Record<string, string[]> = {};

/** A home in `zone` with a battery of `maxPowerW` whose simulated device behaves as asked. */
async function home(name: string, behaviour: DeviceBehaviour, maxPowerW: number): Promise<Home> {
  const meter = await newProsumerWithMeter();
  await placeInZone(meter, zone);
  const { resourceId, registered, device } = await batteryWithDevice(meter, { name, behaviour, maxPowerW, socWh: 6_000 });
  expect(registered).toMatchObject({ resourceId, ownerId: meter.participantId, zone, missedAcks: 0 });
  const credential = registered.mqtt as MqttCredential;
  expect(credential.username).toBe(`device:${resourceId}`);
  const telemetry = await mqtt.connectAsync(profile().mqtt.url, { ...mqttOptions(meter.mqtt, { protocolVersion: 5 }), reconnectPeriod: 0 });
  return { meter, resourceId, device, telemetry };
}

const dispatchOf = (id: string) => api('utility', utilityKey(), 'GET', `/communities/${community()}/dispatches/${id}`);
/** The dispatch once `ok` holds for it (read every 250 ms, at most 30 s). */
const dispatchWhen = (id: string, ok: (d: JsonAnswer) => boolean) =>
  eventually(
    async () => {
      const r = await dispatchOf(id);
      return ok(r.body) ? r : undefined;
    },
    30_000,
    250,
  );
async function send(body: JsonAnswer) {
  const answer = await api('utility', utilityKey(), 'POST', `/communities/${community()}/dispatches`, body);
  if (answer.status === 201) (sentTo[answer.body.resourceId] ??= []).unshift(answer.body.dispatchId);
  return answer;
}

beforeAll(async () => {
  zone = uid('fz');
  const list = await Promise.all([
    home('obey', 'obey', 3_000),
    home('refuse', 'refuse', 3_000),
    home('silent', 'fail', 3_000),
    home('spare', 'obey', 5_000),
  ]);
  for (const h of list) homes[h.resourceId.split('-')[0]] = h;
  publisher = publishMeterTelemetry(() => list, zone, BASE_W);
  streams = { obey: await openEvents({}, '', homes.obey.meter.apiKey), refuse: await openEvents({}, '', homes.refuse.meter.apiKey) };
});

afterAll(async () => {
  clearInterval(publisher);
  for (const s of Object.values(streams ?? {})) await s.close();
  for (const h of Object.values(homes)) {
    await h.device.stop();
    await h.telemetry.endAsync();
  }
});

it('refuses a setpoint beyond the owner’s limits with DISPATCH_LIMIT_EXCEEDED, and a household’s dispatch', async () => {
  const h = homes.obey;
  const base = { resourceId: h.resourceId, startAt: formatInstant(nowSeconds() + 5), priceMicrosPerKwh: PRICE };
  const tooStrong = await send({ ...base, dispatchId: uid('d'), powerW: 3_001, durationSeconds: 60 });
  expect(tooStrong.status).toBe(422);
  expect(tooStrong.body.error).toMatchObject({
    code: 'DISPATCH_LIMIT_EXCEEDED',
    details: { limit: 'maxPowerW', resourceId: h.resourceId },
  });
  // 4,000 Wh above the owner's 2,000 Wh minimum: 3,000 W for 4,801 s would take 4,001 Wh.
  const tooLong = await send({ ...base, dispatchId: uid('d'), powerW: 3_000, durationSeconds: 4_801 });
  expect(tooLong.status).toBe(422);
  expect(tooLong.body.error).toMatchObject({ code: 'DISPATCH_LIMIT_EXCEEDED', details: { limit: 'minSocWh' } });
  const household = await api('community', h.meter.apiKey, 'POST', `/communities/${community()}/dispatches`, {
    ...base,
    dispatchId: uid('d'),
    powerW: 1,
    durationSeconds: 60,
  });
  expect(household.status).toBe(403);
  expect(household.body.error.code).toBe('ACCESS_DENIED');
});

it('a setpoint acknowledged on the ledger, delivered as the meter shows, and paid per kWh', async () => {
  const h = homes.obey;
  const dispatchId = uid('d');
  const startAt = nowSeconds() + 4;
  const sent = await send({
    dispatchId,
    resourceId: h.resourceId,
    powerW: 2_000,
    startAt: formatInstant(startAt),
    durationSeconds: 9,
    priceMicrosPerKwh: PRICE,
    ackTimeoutSeconds: 5,
    // The 15-minute readings of the setpoint are not awaited (59-dispatch-readings reconciles with them): telemetry alone.
    readingsWaitSeconds: 0,
  });
  expect(sent.status).toBe(201);
  expect(sent.body).toMatchObject({ status: 'requested', ownerId: h.meter.participantId, zone });
  const acked = await dispatchWhen(dispatchId, (d) => d.status !== 'requested');
  expect(acked.body).toMatchObject({ status: 'accepted', ack: { status: 'accepted', socWh: 6_000 } });
  expect(h.device.received.map((c) => c.dispatchId)).toEqual([dispatchId]);
  const settled = await dispatchWhen(dispatchId, (d) => d.status === 'settled');
  // Baseline −500 W, +2,000 W from the battery for 9 s: 2,000 W × 9 s = 5 Wh (rounded down), at 100 per kWh: 0.5 = 500,000 µ.
  expect(settled.body.delivery).toMatchObject({
    baselineW: BASE_W,
    duringW: BASE_W + 2_000,
    telemetryWh: 5,
    source: 'telemetry',
    readings: null,
    deliveredWh: 5,
    paymentMicros: 500_000,
  });
  expect(settled.body.delivery.samples).toBeGreaterThan(0);
  const account = await api('community', h.meter.apiKey, 'GET', `/credits/${h.meter.participantId}`);
  expect(account.body.availableMicros).toBe(500_000);
  // The owner reads its dispatch; another household may not.
  expect((await api('community', h.meter.apiKey, 'GET', `/communities/${community()}/dispatches/${dispatchId}`)).status).toBe(200);
  expect((await api('community', homes.refuse.meter.apiKey, 'GET', `/communities/${community()}/dispatches/${dispatchId}`)).status).toBe(
    403,
  );
});

it('a device that refuses: its refusal and reason on the ledger', async () => {
  const h = homes.refuse;
  const dispatchId = uid('d');
  const sent = await send({
    dispatchId,
    resourceId: h.resourceId,
    powerW: 1_000,
    startAt: formatInstant(nowSeconds() + 2),
    durationSeconds: 30,
    priceMicrosPerKwh: PRICE,
  });
  expect(sent.status).toBe(201);
  const answered = await dispatchWhen(dispatchId, (d) => d.status !== 'requested');
  expect(answered.body).toMatchObject({ status: 'refused', ack: { status: 'refused', reason: 'the owner has the device in manual mode' } });
});

it('a silent device is marked non-responsive after its deadline and the next resource of the zone is dispatched', async () => {
  const h = homes.silent;
  const dispatchId = uid('d');
  const sent = await send({
    dispatchId,
    resourceId: h.resourceId,
    powerW: 1_500,
    startAt: formatInstant(nowSeconds() + 2),
    durationSeconds: 60,
    priceMicrosPerKwh: PRICE,
    ackTimeoutSeconds: 2,
  });
  expect(sent.status).toBe(201);
  const silent = await dispatchWhen(dispatchId, (d) => d.status === 'non-responsive' && d.replacedBy !== null);
  expect(h.device.received.map((c) => c.dispatchId)).toEqual([dispatchId]);
  expect(silent.body.replacedBy).toBe(`${dispatchId}-r`);
  const resource = await api('utility', utilityKey(), 'GET', `/resources/${h.resourceId}`);
  expect(resource.body.missedAcks).toBe(1);
  // The spare battery has the most room in the zone (5 kW): it takes the whole setpoint, at the same price, and acknowledges.
  const replacement = await dispatchWhen(`${dispatchId}-r`, (d) => d.status === 'accepted');
  expect(replacement.body).toMatchObject({
    resourceId: homes.spare.resourceId,
    powerW: 1_500,
    replaces: dispatchId,
    priceMicrosPerKwh: PRICE,
  });
});

it('a household lists its own resources and dispatches, newest first, and sees their events; another household none of them', async () => {
  const [obey, refuse] = [homes.obey, homes.refuse];
  const get = (h: Home, path: string) => api('community', h.meter.apiKey, 'GET', path);
  const ids = (r: JsonAnswer) => r.body.items.map((x: JsonAnswer) => x.dispatchId ?? x.resourceId);
  expect(ids(await get(obey, '/resources'))).toEqual([obey.resourceId]);
  expect(ids(await get(refuse, '/resources'))).toEqual([refuse.resourceId]);
  const own = await get(obey, '/dispatches');
  expect(own.status).toBe(200);
  expect(ids(own)).toEqual(sentTo[obey.resourceId]);
  expect(own.body.items.every((d: JsonAnswer) => d.ownerId === obey.meter.participantId)).toBe(true);
  expect(ids(await get(obey, '/dispatches?status=settled'))).toEqual(sentTo[obey.resourceId]);
  expect(ids(await get(obey, '/dispatches?status=refused'))).toEqual([]);
  expect(ids(await get(refuse, '/dispatches'))).toEqual(sentTo[refuse.resourceId]);
  // A household naming its community still lists its own only.
  expect(ids(await get(refuse, `/dispatches?communityId=${community()}`))).toEqual(sentTo[refuse.resourceId]);
  for (const path of [
    `/resources?ownerId=${obey.meter.participantId}`,
    `/dispatches?ownerId=${obey.meter.participantId}`,
    `/dispatches?resourceId=${obey.resourceId}`,
  ]) {
    const r = await get(refuse, path);
    expect([path, r.status, r.body.error?.code]).toEqual([path, 403, 'ACCESS_DENIED']);
  }
  // The grid roles: the utility by resource, the regulator and the operator the community's, newest first.
  const spare = await api('utility', utilityKey(), 'GET', `/dispatches?resourceId=${homes.spare.resourceId}`);
  expect(ids(spare)).toEqual(sentTo[homes.silent.resourceId].map((id) => `${id}-r`));
  const all = await api(
    'regulator',
    credentials().apiKeys.regulator.regulator,
    'GET',
    `/dispatches?communityId=${community()}&pageSize=500`,
  );
  const mine = Object.values(sentTo).flat();
  const requested = all.body.items.map((d: JsonAnswer) => d.requestedAt as string);
  expect(requested).toEqual([...requested].sort().reverse());
  for (const id of mine) expect(ids(all)).toContain(id);
  const byOwner = await api('utility', utilityKey(), 'GET', `/resources?communityId=${community()}&ownerId=${refuse.meter.participantId}`);
  expect(ids(byOwner)).toEqual([refuse.resourceId]);

  // Events: the owner sees its resource's registration and every step of its dispatches; the other household nothing of them.
  const resource = (await get(obey, `/resources/${obey.resourceId}`)).body;
  const { resourceId, communityId, kind, meterId, maxPowerW, capacityWh, minSocWh, socWh } = resource;
  const again = { resourceId, communityId, kind, meterId, maxPowerW, capacityWh, minSocWh, socWh };
  expect((await api('community', obey.meter.apiKey, 'POST', '/resources', again)).status).toBe(201);
  const [settledId] = sentTo[obey.resourceId];
  const seen = (s: typeof streams.obey, name: string, field: string, value: string) =>
    s.events.some((e) => e.data.name === name && e.data.payload[field] === value);
  await streams.obey.until((events) => events.some((e) => e.data.name === 'FlexResourceRegistered'));
  for (const name of ['DispatchRequested', 'DispatchAcknowledged', 'DispatchSettled'])
    expect([name, seen(streams.obey, name, 'dispatchId', settledId)]).toEqual([name, true]);
  expect(seen(streams.refuse, 'DispatchAcknowledged', 'dispatchId', sentTo[refuse.resourceId][0])).toBe(true);
  const foreign = (s: typeof streams.obey, owner: string) =>
    s.events.filter((e) => /^(Dispatch|FlexResource)/.test(e.data.name) && e.data.payload.ownerId !== owner);
  expect(foreign(streams.obey, obey.meter.participantId)).toEqual([]);
  expect(foreign(streams.refuse, refuse.meter.participantId)).toEqual([]);
});
