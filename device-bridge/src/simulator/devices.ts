/**
 * The simulator's batteries and EV chargers (`--devices`, docs/dispatch.md "Simulated devices"): each
 * home registers a battery behind its meter with its own API key (credentials.json) once, and every
 * third home also an EV charger, registered again at each start with its next departure (07:00 UTC at
 * least an hour ahead); the device's broker credential is kept in the state directory. Each runs as a
 * SimulatedDevice that obeys, lags, fails or refuses by the home's place in the list, its state of
 * charge moving with what it delivers. Their setpoints add to the home's telemetry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  mqttClientOptions,
  mqttCredentialPath,
  readCredential,
  saveCredential,
  usernameOf,
  type Logger,
  type NetworkProfile,
} from '@gridledger/network';
import { formatInstant } from '@gridledger/core';
import { SimulatedDevice, type DeviceBehaviour } from '../dispatch/device';
import type { Home } from './model';

/** The homes' behaviours, in turn: most obey, one lags, one fails, one refuses. */
export const DEVICE_BEHAVIOURS: readonly DeviceBehaviour[] = ['obey', 'lag', 'obey', 'fail', 'refuse'];

export const batteryOf = (home: Home) => ({
  resourceId: `${home.homeId}.bat`,
  kind: 'battery',
  meterId: home.meterId,
  maxPowerW: 3_000,
  capacityWh: 10_000,
  minSocWh: 2_000,
  socWh: 6_000,
});

const HOUR = 3600;
const DAY = 24 * HOUR;

/** An EV charger's departure: the next 07:00 UTC at least an hour after `nowSeconds`. */
export function nextDepartureAt(nowSeconds: number): string {
  const seven = Math.floor(nowSeconds / DAY) * DAY + 7 * HOUR;
  return formatInstant(seven >= nowSeconds + HOUR ? seven : seven + DAY);
}

/** A 7.4 kW charger of a 60 kWh EV that arrives with 20 kWh and should leave with 48 kWh. */
export const evOf = (home: Home, nowSeconds: number) => ({
  resourceId: `${home.homeId}.ev`,
  kind: 'ev',
  meterId: home.meterId,
  maxPowerW: 7_400,
  capacityWh: 60_000,
  minSocWh: 0,
  socWh: 20_000,
  departureAt: nextDepartureAt(nowSeconds),
  targetWh: 48_000,
});

/** The devices of the home at place `i` of the list: its battery, and an EV charger for every third home. */
export const devicesOf = (home: Home, i: number, nowSeconds: number) => [batteryOf(home), ...(i % 3 === 2 ? [evOf(home, nowSeconds)] : [])];

/** Registers and starts each home's devices; returns them by meter id. */
export async function startSimulatedDevices(
  profile: NetworkProfile,
  homes: readonly Home[],
  log: Logger,
): Promise<Map<string, SimulatedDevice[]>> {
  const communityId = profile.mqtt.communityId;
  const file = join(profile.stateDir, 'credentials.json');
  const keys = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { apiKeys: Record<string, Record<string, string>> }).apiKeys.community
    : {};
  const devices = new Map<string, SimulatedDevice[]>();
  for (const [i, home] of homes.entries()) {
    for (const spec of devicesOf(home, i, Math.floor(Date.now() / 1000))) {
      const credentialFile = mqttCredentialPath(profile.stateDir, usernameOf({ kind: 'device', communityId, deviceId: spec.resourceId }));
      // A battery is registered once; an EV again at each start, for its next departure.
      if (readCredential(credentialFile) === undefined || spec.kind === 'ev') {
        const key = keys[home.homeId];
        if (key === undefined) {
          log.warn({ home: home.homeId }, 'no API key of the home: its devices are not simulated');
          break;
        }
        const res = await fetch(`${profile.orgs.community.gateway.url}/api/v1/resources`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...spec, communityId }),
        });
        const body = (await res.json()) as { mqtt?: { username: string; password: string; clientId: string } };
        if (res.status !== 201 || body.mqtt === undefined) {
          log.warn({ resourceId: spec.resourceId, status: res.status, body }, 'device not registered');
          continue;
        }
        const { username, password, clientId } = body.mqtt;
        saveCredential(credentialFile, { username, password, clientId });
      }
      const behaviour = DEVICE_BEHAVIOURS[i % DEVICE_BEHAVIOURS.length];
      const device = new SimulatedDevice({
        communityId,
        deviceId: spec.resourceId,
        behaviour,
        socWh: spec.socWh,
        capacityWh: spec.capacityWh,
        mqttUrl: profile.mqtt.url,
        mqttOptions: mqttClientOptions(profile.mqtt, readCredential(credentialFile)!),
      });
      await device.start();
      devices.set(home.meterId, [...(devices.get(home.meterId) ?? []), device]);
      log.info({ resourceId: spec.resourceId, kind: spec.kind, behaviour }, 'simulated device running');
    }
  }
  return devices;
}
