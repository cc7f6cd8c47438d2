/**
 * Flexibility's automatic steps on the real network (docs/flexibility.md, docs/dispatch.md):
 *  - the Community gateway's baseline scheduler fixes a household's baseline once the opt-in
 *    deadline has passed, nobody calling the route, before the start; the route then answers the
 *    same baseline (idempotent);
 *  - the automatic rule: a feeder's sensor reports 95 % of its import limit, the bridge raises
 *    FEEDER_OVERLOAD, its dispatch service sends a battery of the zone a setpoint that brings the
 *    feeder back to 80 %, and the device's acknowledgement is on the ledger.
 *  - an EV owner asks for a charging schedule and gets the cheapest intervals within the charger's power and its cost.
 * About 20 s: the deadline 8 s after the call, the alert and the acknowledgement a few seconds each.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { formatInstant } from '@gridledger/core/core';
import type { SimulatedDevice } from '@gridledger/device-bridge';
import type { MqttCredential } from '@gridledger/network';
import { addGridZone, batteryWithDevice, placeInZone } from './flex-support';
import { marketParams, trader } from './market-support';
import { api, credentials, eventually, mqttOptions, newProsumerWithMeter, operatorKey, profile, uid, type TestMeter } from './support';

const community = () => profile().mqtt.communityId;
const utilityKey = () => credentials().apiKeys.utility.utility;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const INTERVAL = 900;

/** The community's open dispatches, every page. */
async function openDispatches(): Promise<{ dispatchId: string; alertId: string | null; status: string }[]> {
  const out = [];
  let bookmark = '';
  do {
    const r = await api(
      'utility',
      utilityKey(),
      'GET',
      `/communities/${community()}/dispatches${bookmark === '' ? '' : `?bookmark=${encodeURIComponent(bookmark)}`}`,
    );
    out.push(...(r.body.items as { dispatchId: string; alertId: string | null; status: string }[]));
    bookmark = r.body.bookmark as string;
  } while (bookmark !== '');
  return out;
}

/** A household whose meter sits on a site of `zone`. */
async function householdIn(zone: string): Promise<TestMeter> {
  const meter = await newProsumerWithMeter();
  await placeInZone(meter, zone);
  return meter;
}

it('fixes an opted-in household’s baseline at the deadline by itself, before the start; the route then answers the same', async () => {
  const zone = uid('bz');
  const home = await householdIn(zone);
  const now = nowSeconds();
  const start = Math.ceil((now + 60) / INTERVAL) * INTERVAL;
  const deadline = now + 8;
  const eventId = uid('ev');
  const called = await api('utility', utilityKey(), 'POST', '/flex/events', {
    eventId,
    programId: 'dr-scheduler',
    communityId: community(),
    zoneIds: [zone],
    start: formatInstant(start),
    end: formatInstant(start + INTERVAL),
    targetReductionW: 1_000,
    priceMicrosPerKwh: 400_000,
    optInDeadline: formatInstant(deadline),
  });
  expect(called.status).toBe(201);
  const optIn = await api('community', home.apiKey, 'PUT', `/flex/events/${eventId}/opt-ins/${home.participantId}`, {});
  expect(optIn.status).toBe(200);
  expect(optIn.body.baselineHash).toBeUndefined();

  // Nobody calls POST …/baselines: the scheduler fixes it after the deadline.
  const path = `/flex/events/${eventId}/baselines/${home.participantId}`;
  const baseline = await eventually(
    async () => {
      const r = await api('community', home.apiKey, 'GET', path);
      return r.status === 200 ? r.body : undefined;
    },
    60_000,
    500,
  );
  const fixedAt = Date.parse(baseline.fixedAt) / 1000;
  expect(fixedAt).toBeGreaterThan(deadline);
  expect(fixedAt).toBeLessThan(start);
  // No verified readings in the lookback: every like day is missing, and the published rule gives no baseline.
  expect(baseline.baselineWh).toEqual([]);
  expect(baseline.days.every((d: { status: string }) => d.status === 'missing')).toBe(true);
  const event = await api('utility', utilityKey(), 'GET', `/flex/events/${eventId}`);
  const answer = event.body.optIns.find((o: { participantId: string }) => o.participantId === home.participantId);
  expect(answer.baselineHash).toMatch(/^[0-9a-f]{64}$/);
  expect(answer.baselineFixedAt).toBe(baseline.fixedAt);

  // The route afterwards: the same fixed baseline, not a new one.
  const again = await api('utility', utilityKey(), 'POST', `/flex/events/${eventId}/baselines`);
  expect(again.status).toBe(200);
  expect(again.body.baselines.map((b: { baselineHash: string; baselineFixedAt: string }) => [b.baselineHash, b.baselineFixedAt])).toEqual([
    [answer.baselineHash, baseline.fixedAt],
  ]);
});

describe('the automatic rule', () => {
  const zone = uid('az');
  const feeder = `feeder-${zone}`;
  const devices: SimulatedDevice[] = [];
  const homes: { meter: TestMeter; resourceId: string; maxPowerW: number }[] = [];
  let sensor: MqttClient | undefined;
  const publish = (powerW: number) =>
    sensor!.publishAsync(
      `gridledger/v1/${community()}/sensors/${feeder}/telemetry`,
      JSON.stringify({ deviceId: feeder, zone, at: formatInstant(nowSeconds()), powerW, frequencyMHz: 50_000, voltageMv: 230_000 }),
      { qos: 1 },
    );

  beforeAll(async () => {
    addGridZone(zone, feeder); // its 10 kW limits
    for (const maxPowerW of [2_000, 5_000]) {
      const meter = await householdIn(zone);
      const { resourceId, device } = await batteryWithDevice(meter, { name: 'auto-bat', behaviour: 'obey', maxPowerW, socWh: 8_000 });
      devices.push(device);
      homes.push({ meter, resourceId, maxPowerW });
    }
    const credential = await api('community', operatorKey(), 'POST', `/communities/${community()}/sensors/${feeder}/mqtt-credential`);
    expect(credential.status).toBe(201);
    sensor = await mqtt.connectAsync(profile().mqtt.url, {
      ...mqttOptions(credential.body as MqttCredential, { protocolVersion: 5 }),
      reconnectPeriod: 0,
    });
  });

  afterAll(async () => {
    if (sensor !== undefined) {
      await publish(-1_000); // the overload clears
      await sensor.endAsync();
    }
    for (const d of devices) await d.stop();
  });

  it('a feeder near its limit: the bridge dispatches the zone’s battery and its acknowledgement lands on the ledger', async () => {
    await publish(-9_500); // importing 9.5 kW of 10 kW
    const alert = await eventually(async () => {
      const r = await api('community', operatorKey(), 'GET', `/communities/${community()}/alerts?status=active`);
      return (r.body.alerts as { alertId: string; kind: string; subject: string }[]).find(
        (a) => a.kind === 'FEEDER_OVERLOAD' && a.subject === zone,
      );
    }, 30_000);
    // Back to 80 %: 9,500 − 8,000 = 1,500 W more export, from the battery with the most room (5 kW), acknowledged.
    const open = await eventually(async () => {
      const mine = (await openDispatches()).filter((d) => d.alertId === alert.alertId);
      return mine.length > 0 && mine.every((d) => d.status === 'accepted') ? mine : undefined;
    }, 30_000);
    const big = homes.find((h) => h.maxPowerW === 5_000)!;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      resourceId: big.resourceId,
      powerW: 1_500,
      durationSeconds: 900,
      status: 'accepted',
      ack: { status: 'accepted', socWh: 8_000 },
      ownerId: big.meter.participantId,
      zone,
    });
    const { dispatchId } = open[0];
    expect(dispatchId.startsWith(`auto-${alert.alertId.slice(0, 40)}-`)).toBe(true);
    expect(devices[1].received.map((c) => c.dispatchId)).toEqual([dispatchId]);
    expect(devices[0].received).toEqual([]);
  });
});

it('an EV charging session scheduled into the cheapest intervals within the charger’s power, with its cost, for its owner', async () => {
  // A community of its own with a market (retail 0.3 per kWh) that nothing clears: every interval at the retail price.
  const C = uid('evc');
  const market = marketParams(INTERVAL);
  const retail = market.retailMicrosPerKwh;
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, market)).status).toBe(200);
  const home = await trader('ev', C);
  await placeInZone(home, uid('evz'));
  const resourceId = uid('ev');
  const first = Math.ceil(nowSeconds() / INTERVAL) * INTERVAL + INTERVAL;
  const ev = await api('community', home.apiKey, 'POST', '/resources', {
    resourceId,
    communityId: C,
    kind: 'ev',
    meterId: home.meterId,
    ...{ maxPowerW: 7_400, capacityWh: 60_000, minSocWh: 0, socWh: 20_000, targetWh: 48_000 },
    departureAt: formatInstant(first + 4 * INTERVAL),
  });
  expect(ev.status).toBe(201);
  const path = `/resources/${resourceId}/charging-schedule`;
  const schedule = await api('community', home.apiKey, 'POST', path, { arrivalAt: formatInstant(first), energyWh: 5_000 });
  expect(schedule.status).toBe(200);
  // 7.4 kW × 900 s = 1,850 Wh an interval (no grid model of the zone: the charger is the bound): 1,850 + 1,850 + 1,300.
  expect(schedule.body).toMatchObject({
    resourceId,
    feasible: true,
    energyWh: 5_000,
    shortfallWh: 0,
    costMicros: Math.ceil((5_000 * retail) / 1000),
    slots: [
      { intervalStart: formatInstant(first), energyWh: 1_850, powerW: 7_400, priceMicrosPerKwh: retail },
      { intervalStart: formatInstant(first + INTERVAL), energyWh: 1_850, powerW: 7_400, priceMicrosPerKwh: retail },
      { intervalStart: formatInstant(first + 2 * INTERVAL), energyWh: 1_300, powerW: 5_200, priceMicrosPerKwh: retail },
    ],
  });
  // More than four intervals can take: the most they can, and the shortfall.
  const short = await api('community', home.apiKey, 'POST', path, { arrivalAt: formatInstant(first), energyWh: 10_000 });
  expect(short.body).toMatchObject({ feasible: false, energyWh: 7_400, shortfallWh: 2_600 });
  // Another household may not ask.
  const other = await newProsumerWithMeter();
  expect((await api('community', other.apiKey, 'POST', path, { energyWh: 1_000 })).status).toBe(403);
});
