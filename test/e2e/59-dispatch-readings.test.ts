/**
 * A dispatch's delivery reconciled with its meter's signed readings on the real network
 * (docs/dispatch.md, "Which measurement"): three batteries with obeying simulated devices, each
 * meter's telemetry showing the setpoint. Confirmed: the readings of the setpoint's metering
 * intervals show a rise of net export above what telemetry shows: telemetry's figure is paid,
 * source `readings`. Contradicted: the readings show a smaller rise: the payment is capped by it.
 * No readings: the dispatch's readingsBy passes and it settles from telemetry alone, source
 * `telemetry`; when they arrive later, the dispatch service re-settles it (capped, the difference
 * taken back). The chaincode reads the readings (the import from the private collection) itself.
 *
 * Time: 60 s metering intervals; readings are submitted once the setpoint's intervals have ended,
 * so the file waits one to two intervals whatever the machine does. It closes no window, so it shares
 * the platform with the other minute-interval files of the long late window (file-lock.js) instead
 * of taking it alone.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import mqtt, { type MqttClient } from 'mqtt';
import { formatInstant } from '@gridledger/core/core';
import { readingIntervals } from '@gridledger/core/dispatch';
import type { SimulatedDevice } from '@gridledger/device-bridge';
import { batteryWithDevice, placeInZone, publishMeterTelemetry } from './flex-support';
import { useMeteringInterval } from './market-support';
import {
  api,
  credentials,
  eventually,
  mqttOptions,
  newProsumerWithMeter,
  operatorKey,
  profile,
  signReading,
  sleep,
  uid,
  type JsonAnswer,
  type TestMeter,
} from './support';

const LEN = 60;
useMeteringInterval(LEN);

const community = () => profile().mqtt.communityId;
const utilityKey = () => credentials().apiKeys.utility.utility;
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** The meters' base load while their devices do nothing (W, importing). */
const BASE_W = -500;
const PRICE = 100_000_000;
const POWER_W = 2_000;
const DURATION = 20;
/** What telemetry shows: 2,000 W more export for 20 s = 11 Wh (rounded down). */
const TELEMETRY_WH = Math.floor((POWER_W * DURATION) / 3600);

interface Home {
  meter: TestMeter;
  resourceId: string;
  device: SimulatedDevice;
  telemetry: MqttClient;
  dispatchId: string;
}

const homes: Record<string, Home> = {};
let publisher: NodeJS.Timeout | undefined;
let start = 0;

async function home(name: string, zone: string): Promise<Home> {
  const meter = await newProsumerWithMeter();
  await placeInZone(meter, zone);
  const { resourceId, device } = await batteryWithDevice(meter, { name, behaviour: 'obey', maxPowerW: 3_000, socWh: 6_000 });
  const telemetry = await mqtt.connectAsync(profile().mqtt.url, { ...mqttOptions(meter.mqtt, { protocolVersion: 5 }), reconnectPeriod: 0 });
  return { meter, resourceId, device, telemetry, dispatchId: uid(`d-${name}`) };
}

const dispatchOf = (id: string) => api('utility', utilityKey(), 'GET', `/communities/${community()}/dispatches/${id}`);
const settled = (id: string) =>
  eventually(
    async () => {
      const r = await dispatchOf(id);
      return r.body.status === 'settled' ? r.body : undefined;
    },
    120_000,
    500,
  );

/** The meter's readings of the intervals before the setpoint (import 8 Wh each) and during it (the first as given, the rest as before). */
async function submitReadings(h: Home, first: { importWh: number; exportWh: number }): Promise<void> {
  const { before, during } = readingIntervals(start, DURATION, LEN);
  while (Date.now() / 1000 < during[during.length - 1] + LEN + 1) await sleep(250);
  let importRegisterWh = 1_000_000;
  let exportRegisterWh = 500_000;
  const readings = [...before, ...during].map((t, k) => {
    const v = t === during[0] ? first : { importWh: 8, exportWh: 0 };
    importRegisterWh += v.importWh;
    exportRegisterWh += v.exportWh;
    const reading = { meterId: h.meter.meterId, intervalStart: formatInstant(t), seq: k + 1, ...v, importRegisterWh, exportRegisterWh };
    return signReading(reading, h.meter.privateKeyPem);
  });
  const submitted = await api('community', operatorKey(), 'POST', '/readings', { readings });
  expect(submitted.status).toBe(200);
  expect(submitted.body.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
}

beforeAll(async () => {
  const zone = uid('rz');
  for (const h of await Promise.all(['confirm', 'cap', 'late'].map((n) => home(n, zone)))) homes[h.resourceId.split('-')[0]] = h;
  publisher = publishMeterTelemetry(() => Object.values(homes), zone, BASE_W);
  // The three setpoints at once; the one whose readings never come waits 3 s for them, the others 10 minutes.
  start = nowSeconds() + 6;
  for (const [name, readingsWaitSeconds] of [
    ['confirm', 600],
    ['cap', 600],
    ['late', 3],
  ] as const) {
    const h = homes[name];
    const sent = await api('utility', utilityKey(), 'POST', `/communities/${community()}/dispatches`, {
      dispatchId: h.dispatchId,
      resourceId: h.resourceId,
      powerW: POWER_W,
      startAt: formatInstant(start),
      durationSeconds: DURATION,
      priceMicrosPerKwh: PRICE,
      readingsWaitSeconds,
    });
    expect(sent.status).toBe(201);
    expect(sent.body.readingsBy).toBe(formatInstant(start + DURATION + readingsWaitSeconds));
  }
});

afterAll(async () => {
  clearInterval(publisher);
  for (const h of Object.values(homes)) {
    await h.device.stop();
    await h.telemetry.endAsync();
  }
});

const account = async (h: Home) => (await api('community', h.meter.apiKey, 'GET', `/credits/${h.meter.participantId}`)).body;

it('no readings by readingsBy: settled from telemetry alone, source telemetry', async () => {
  const d = await settled(homes.late.dispatchId);
  expect(d.delivery).toMatchObject({
    baselineW: BASE_W,
    duringW: BASE_W + POWER_W,
    telemetryWh: TELEMETRY_WH,
    source: 'telemetry',
    capped: false,
    readings: null,
    deliveredWh: TELEMETRY_WH,
    paymentMicros: TELEMETRY_WH * (PRICE / 1000),
  });
  expect((await account(homes.late)).availableMicros).toBe(TELEMETRY_WH * (PRICE / 1000));
  // Its readings arrive after all, showing 2 Wh: the dispatch service re-settles it (the last test).
  await submitReadings(homes.late, { importWh: 6, exportWh: 0 });
});

it('a delivery the readings confirm is paid as telemetry shows it, source readings', async () => {
  const h = homes.confirm;
  await submitReadings(h, { importWh: 0, exportWh: 10 });
  const d = await settled(h.dispatchId);
  const { before, during } = readingIntervals(start, DURATION, LEN);
  // Net export rose by 18 Wh (−8 → +10 in the first interval), more than telemetry's 11: telemetry's figure stands.
  expect(d.delivery).toMatchObject({
    telemetryWh: TELEMETRY_WH,
    source: 'readings',
    capped: false,
    readings: {
      baselineFrom: formatInstant(before[0]),
      from: formatInstant(during[0]),
      to: formatInstant(during[during.length - 1] + LEN),
    },
    deliveredWh: TELEMETRY_WH,
    paymentMicros: TELEMETRY_WH * (PRICE / 1000),
  });
  expect((await account(h)).availableMicros).toBe(TELEMETRY_WH * (PRICE / 1000));
});

it('a delivery telemetry claims but the readings contradict is capped by them', async () => {
  const h = homes.cap;
  // Its intervals have ended (the test before waited for them), their readings are missing: it waits (readingsBy is 10 minutes on).
  const waiting = (await dispatchOf(h.dispatchId)).body as JsonAnswer;
  expect(waiting.status).toBe('accepted');
  // Import 8 Wh before, 6 during: net export rose by 2 Wh only, whatever telemetry shows.
  await submitReadings(h, { importWh: 6, exportWh: 0 });
  const d = await settled(h.dispatchId);
  expect(d.delivery).toMatchObject({ telemetryWh: TELEMETRY_WH, source: 'readings', capped: true, deliveredWh: 2, paymentMicros: 200_000 });
  expect((await account(h)).availableMicros).toBe(200_000);
});

it('readings that arrive after a settlement from telemetry re-settle it: capped, the difference taken back once', async () => {
  const h = homes.late;
  // The service tries again at doubling gaps from 30 s: the readings sent in the first test are found within a few minutes.
  const d = await eventually(
    async () => {
      const r = await dispatchOf(h.dispatchId);
      return r.body.delivery?.resettlement === undefined ? undefined : r.body;
    },
    360_000,
    1_000,
  );
  expect(d.delivery).toMatchObject({
    source: 'telemetry',
    deliveredWh: TELEMETRY_WH,
    paymentMicros: TELEMETRY_WH * (PRICE / 1000),
    resettlement: {
      outcome: 'capped',
      deliveredWh: 2,
      paymentMicros: 200_000,
      clawbackMicros: TELEMETRY_WH * (PRICE / 1000) - 200_000,
      readings: { from: expect.any(String) },
    },
  });
  expect((await account(h)).availableMicros).toBe(200_000);
  // Another household cannot read it.
  expect((await api('community', homes.cap.meter.apiKey, 'GET', `/communities/${community()}/dispatches/${h.dispatchId}`)).status).toBe(
    403,
  );
}, 420_000);
