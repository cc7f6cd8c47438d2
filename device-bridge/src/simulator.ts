import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createLogger,
  loadProfile,
  mqttClientOptions,
  mqttCredentialPath,
  profilePath,
  readCredential,
  usernameOf,
} from '@gridledger/network';
import { parseInstant } from '@gridledger/core';
import { intArg, parseArgs } from './cli';
import { ensureMeterKeys } from './simulator/keys';
import { checkIntervalSeconds, simulatedHomes } from './simulator/model';
import { runSimulator } from './simulator/run';
import { startSimulatedDevices } from './simulator/devices';
import type { SimulatedDevice } from './dispatch/device';

const USAGE = `usage: node device-bridge/dist/simulator.js --state <stateDir> [options]
  --state <dir>        state directory (network.json; keys in <dir>/meters, progress in <dir>/simulator)
  --homes <n>          number of homes (default 5)
  --speed <x>          simulated seconds per second until the present is reached (default 60)
  --from <instant>     first interval of a fresh run, or of a run whose saved state is older (its meters were
                       off in between; default now - 24 h for a fresh run), e.g. 2026-11-21T00:00:00Z
  --seed <n>           seed of the homes and their variation (default 1)
  --interval <s>       length of the readings' intervals, a divisor of 900 (default 900; the ledger's metering interval)
  --shift <s>          the model's clock runs this many seconds ahead of the real one (default 0; npm start shifts it into daylight)
  --mqtt-url <url>     broker (default: the profile's mqtt.url; TLS with the profile's CA, each meter
                       with its credential from <dir>/mqtt/credentials, which the meter's registration made)
  --telemetry <s>      seconds between live telemetry samples of each home (default 5; 0: none)
  --zone <id>          the zone the homes' meters are registered in (default unzoned: meters without a site)
  --feeder-sensor <id> a feeder sensor of that zone publishing the homes' sum, if <dir>/mqtt/credentials has its
                       credential (default feeder-1; the operator makes it: POST /communities/{c}/sensors/{id}/mqtt-credential)
  --connection-sensor <id>  likewise the connection point (default connection-point)
  --devices            run a battery per home and an EV charger per third home (registered with the home's API key),
                       obeying, lagging, failing or refusing setpoints by turn (docs/dispatch.md)
  --meters-only        make missing keys, print the meters (id, capacity, public key) as JSON, exit`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['meters-only', 'devices', 'help']);
  if (args.has('help') || !args.has('state')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(args.has('help') ? 0 : 2);
  }
  const stateDir = resolve(args.get('state')!);
  const homes = intArg(args, 'homes', 5, 1);
  const seed = intArg(args, 'seed', 1);
  if (args.has('meters-only')) {
    const list = simulatedHomes(homes, seed);
    const keys = ensureMeterKeys(
      stateDir,
      list.map((h) => h.meterId),
    );
    process.stdout.write(
      `${JSON.stringify(
        list.map((h) => ({ ...h, publicKeyPem: keys[h.meterId] })),
        null,
        1,
      )}\n`,
    );
    return;
  }
  if (!existsSync(profilePath(stateDir))) throw new Error(`no ${profilePath(stateDir)}: start the platform first (npm run up)`);
  const profile = loadProfile(stateDir);
  const communityId = profile.mqtt.communityId;
  const meterMqttOptions = (meterId: string) => {
    const file = mqttCredentialPath(stateDir, usernameOf({ kind: 'meter', communityId, meterId }));
    const credential = readCredential(file);
    if (!credential)
      throw new Error(
        `no broker credential for meter ${meterId} (${file}): register the meter (npm run up does) or POST ` +
          `/meters/${meterId}/mqtt-credential`,
      );
    return mqttClientOptions(profile.mqtt, credential);
  };
  // Sensors publish only with a credential of their own in the state directory (sensor:<id>).
  const zone = args.get('zone') ?? 'unzoned';
  const sensors = [
    { sensorId: args.get('feeder-sensor') ?? 'feeder-1', zone },
    { sensorId: args.get('connection-sensor') ?? 'connection-point', zone: communityId },
  ].flatMap((s) => {
    const credential = readCredential(mqttCredentialPath(stateDir, usernameOf({ kind: 'sensor', communityId, sensorId: s.sensorId })));
    return credential ? [{ ...s, options: mqttClientOptions(profile.mqtt, credential) }] : [];
  });
  let from: number | undefined;
  if (args.has('from')) {
    from = parseInstant(args.get('from')!);
    if (from === undefined) throw new Error('--from must be an instant like 2026-11-21T00:00:00Z');
  }
  // The batteries start beside the meters (registering them takes a few transactions the readings need not wait for).
  const devices = new Map<string, SimulatedDevice[]>();
  if (args.has('devices'))
    void startSimulatedDevices(profile, simulatedHomes(homes, seed), createLogger('simulator'))
      .then((started) => started.forEach((d, meterId) => devices.set(meterId, d)))
      .catch((e: Error) => process.stderr.write(`simulated batteries not started: ${e.message}\n`));
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  process.on('SIGTERM', () => controller.abort());
  await runSimulator({
    stateDir,
    mqttUrl: args.get('mqtt-url') ?? profile.mqtt.url,
    meterMqttOptions,
    communityId,
    homes,
    speed: intArg(args, 'speed', 60, 1),
    from,
    seed,
    telemetry: {
      periodMs: intArg(args, 'telemetry', 5, 0) * 1000,
      zone,
      sensors,
      devicePowerW: (meterId, at) => (devices.get(meterId) ?? []).reduce((sum, d) => sum + d.powerAt(at), 0),
    },
    clock: { intervalSeconds: checkIntervalSeconds(intArg(args, 'interval', 900, 60)), shiftSeconds: intArg(args, 'shift', 0) },
    logger: createLogger('simulator'),
    signal: controller.signal,
  });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `${JSON.stringify({ level: 'error', time: new Date().toISOString(), component: 'simulator', msg: 'fatal', error: message })}\n`,
  );
  process.exit(1);
});
