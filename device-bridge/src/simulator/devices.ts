/**
 * The simulator's batteries (`--devices`, docs/dispatch.md "Simulated devices"): each home registers
 * a battery behind its meter with its own API key (credentials.json) once, keeps the device's broker
 * credential in the state directory, and runs it as a SimulatedDevice that obeys, lags, fails or
 * refuses by the home's place in the list. Its setpoints add to the home's telemetry.
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

/** Registers (once) and starts each home's battery; returns them by meter id. */
export async function startSimulatedDevices(
  profile: NetworkProfile,
  homes: readonly Home[],
  log: Logger,
): Promise<Map<string, SimulatedDevice>> {
  const communityId = profile.mqtt.communityId;
  const file = join(profile.stateDir, 'credentials.json');
  const keys = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { apiKeys: Record<string, Record<string, string>> }).apiKeys.community
    : {};
  const devices = new Map<string, SimulatedDevice>();
  for (const [i, home] of homes.entries()) {
    const battery = batteryOf(home);
    const credentialFile = mqttCredentialPath(profile.stateDir, usernameOf({ kind: 'device', communityId, deviceId: battery.resourceId }));
    if (readCredential(credentialFile) === undefined) {
      const key = keys[home.homeId];
      if (key === undefined) {
        log.warn({ home: home.homeId }, 'no API key of the home: its battery is not simulated');
        continue;
      }
      const res = await fetch(`${profile.orgs.community.gateway.url}/api/v1/resources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...battery, communityId }),
      });
      const body = (await res.json()) as { mqtt?: { username: string; password: string; clientId: string } };
      if (res.status !== 201 || body.mqtt === undefined) {
        log.warn({ home: home.homeId, status: res.status, body }, 'battery not registered');
        continue;
      }
      const { username, password, clientId } = body.mqtt;
      saveCredential(credentialFile, { username, password, clientId });
    }
    const device = new SimulatedDevice({
      communityId,
      deviceId: battery.resourceId,
      behaviour: DEVICE_BEHAVIOURS[i % DEVICE_BEHAVIOURS.length],
      socWh: battery.socWh,
      mqttUrl: profile.mqtt.url,
      mqttOptions: mqttClientOptions(profile.mqtt, readCredential(credentialFile)!),
    });
    await device.start();
    devices.set(home.meterId, device);
    log.info({ resourceId: battery.resourceId, behaviour: DEVICE_BEHAVIOURS[i % DEVICE_BEHAVIOURS.length] }, 'simulated battery running');
  }
  return devices;
}
