/** What the grid and flexibility files share: a meter on a site of a zone, a zone's feeder in the grid model, a battery and its device. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { formatInstant } from '@gridledger/core/core';
import { SimulatedDevice, type DeviceBehaviour } from '@gridledger/device-bridge';
import type { MqttCredential } from '@gridledger/network';
import { api, mqttOptions, profile, stateDir, uid, type JsonAnswer, type TestMeter } from './support';

/** Puts the household's meter on a new site of `zone`. */
export async function placeInZone(
  meter: Pick<TestMeter, 'participantId' | 'apiKey' | 'meterId'>,
  zone: string,
  connectionCapacityW = 20_000,
): Promise<void> {
  const siteId = `${meter.participantId}.site`;
  const site = await api('community', meter.apiKey, 'POST', '/sites', {
    siteId,
    participantId: meter.participantId,
    connectionCapacityW,
    zone,
  });
  expect(site.status).toBe(201);
  expect((await api('community', meter.apiKey, 'PUT', `/meters/${meter.meterId}/site`, { siteId })).status).toBe(200);
}

/** Adds the zone's feeder and its limits to the stopgap grid model (docs/telemetry.md, "Zones and limits"), beside what is there. */
export function addGridZone(zone: string, feederSensorId: string, limitW = 10_000): void {
  const dir = join(stateDir(), 'telemetry');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'grid.json');
  const model = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { zones: [] };
  model.zones.push({ zone, importLimitW: limitW, exportLimitW: limitW, feederSensorId });
  writeFileSync(file, JSON.stringify(model));
}

/** Registers a battery (10 kWh, 2 kWh kept) behind the household's meter and starts its simulated device with the credential it got. */
export async function batteryWithDevice(
  meter: TestMeter,
  o: { name: string; behaviour: DeviceBehaviour; maxPowerW: number; socWh: number },
): Promise<{ resourceId: string; registered: JsonAnswer; device: SimulatedDevice }> {
  const resourceId = uid(o.name);
  const communityId = profile().mqtt.communityId;
  const registered = await api('community', meter.apiKey, 'POST', '/resources', {
    resourceId,
    communityId,
    kind: 'battery',
    meterId: meter.meterId,
    maxPowerW: o.maxPowerW,
    capacityWh: 10_000,
    minSocWh: 2_000,
    socWh: o.socWh,
  });
  expect(registered.status).toBe(201);
  const device = new SimulatedDevice({
    communityId,
    deviceId: resourceId,
    behaviour: o.behaviour,
    socWh: o.socWh,
    capacityWh: 10_000,
    mqttUrl: profile().mqtt.url,
    mqttOptions: mqttOptions(registered.body.mqtt as MqttCredential, { protocolVersion: 5 }),
  });
  await device.start();
  return { resourceId, registered: registered.body, device };
}

/**
 * Every meter publishes its base load (`baseW`) plus what its device does, each second, stamped with the second it describes
 * (on its own connection, `telemetry`); clearInterval the answer to stop.
 */
export function publishMeterTelemetry(
  homes: () => { meter: TestMeter; device: SimulatedDevice; telemetry: MqttClient }[],
  zone: string,
  baseW: number,
): NodeJS.Timeout {
  const communityId = profile().mqtt.communityId;
  return setInterval(() => {
    const at = Math.floor(Date.now() / 1000);
    for (const h of homes()) {
      const sample = {
        deviceId: h.meter.meterId,
        zone,
        at: formatInstant(at),
        powerW: baseW + h.device.powerAt(at),
        frequencyMHz: 50_000,
        voltageMv: 230_000,
      };
      void h.telemetry.publishAsync(`gridledger/v1/${communityId}/meters/${h.meter.meterId}/telemetry`, JSON.stringify(sample), { qos: 0 });
    }
  }, 1000);
}
