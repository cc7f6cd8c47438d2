import { join, resolve } from 'node:path';
import {
  createLogger,
  loadProfile,
  mqttClientOptions,
  mqttCredentialPath,
  PROCESS_VARIABLES,
  readConfig,
  readCredential,
  usernameOf,
  type Principal,
} from '@gridledger/network';
import { MAX_READINGS_PER_BATCH } from '@gridledger/core';
import { Bridge } from './bridge';
import { intArg, parseArgs } from './cli';
import { FabricLedgerSubmitter } from './fabric';
import { BridgeMetrics, startHealthServer } from './metrics';
import { startPositionRelay } from './position-relay';
import { startTelemetry } from './telemetry/start';
import { startDispatch } from './dispatch/start';

const USAGE = `usage: node device-bridge/dist/main.js --state <stateDir> [options]
  --state <dir>          the network's state directory (network.json; journal in <dir>/bridge)
  --mqtt-url <url>       broker (default: the profile's mqtt.url; TLS with the profile's CA)
  --mqtt-version 4|5     MQTT protocol (default 5)
  --user <id>            wallet user of the community org (default bridge)
  --batch-size <n>       readings per transaction (default ${MAX_READINGS_PER_BATCH}, the most the contract takes)
  --linger-ms <ms>       how long a batch waits to fill (default 200)
  --concurrency <n>      transactions in flight (default 8)`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['help']);
  if (args.has('help') || !args.has('state')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(args.has('help') ? 0 : 2);
  }
  const config = readConfig(PROCESS_VARIABLES.bridge);
  const log = createLogger('device-bridge');
  const stateDir = resolve(args.get('state')!);
  const profile = loadProfile(stateDir);
  const org = profile.orgs.community;
  const userId = args.get('user') ?? 'bridge';
  const user = org.users[userId];
  if (!user) throw new Error(`the community wallet in ${stateDir}/network.json has no user ${userId}`);
  if (user.role !== undefined && user.role !== 'meter-bridge') {
    log.warn({ user: userId, role: user.role }, 'bridge identity is not a meter-bridge');
  }

  const mqttUrl = args.get('mqtt-url') ?? profile.mqtt.url;
  // The bridge's and the relay's broker credentials, made by `up` (network/src/platform.ts).
  const optionsOf = (principal: Principal) => {
    const file = mqttCredentialPath(stateDir, usernameOf(principal));
    const credential = readCredential(file);
    if (!credential) throw new Error(`no broker credential ${file}: run npm run up`);
    return mqttClientOptions(profile.mqtt, credential);
  };
  const communityId = profile.mqtt.communityId;
  const version = args.get('mqtt-version') ?? '5';
  if (version !== '4' && version !== '5') throw new Error('--mqtt-version must be 4 or 5');

  const metrics = new BridgeMetrics();
  const { channel, chaincode } = profile;
  const submitter = new FabricLedgerSubmitter({ peer: org.peer, identity: user, channel, chaincode, metrics: metrics.fabric });
  const bridge = await Bridge.start({
    metrics,
    mqttUrl,
    mqttOptions: optionsOf({ kind: 'bridge', communityId }),
    communityId,
    stateDir,
    submitter,
    protocolVersion: version === '4' ? 4 : 5,
    maxBatch: intArg(args, 'batch-size', MAX_READINGS_PER_BATCH, 1),
    lingerMs: intArg(args, 'linger-ms', 200),
    maxConcurrent: intArg(args, 'concurrency', 8, 1),
    logger: log,
  });
  const relay = await startPositionRelay(
    submitter,
    mqttUrl,
    optionsOf({ kind: 'positions', communityId }),
    version === '4' ? 4 : 5,
    communityId,
    join(stateDir, 'bridge', 'positions.checkpoint'),
    log,
  );
  const telemetry = await startTelemetry({
    stateDir,
    communityId,
    mqttUrl,
    mqttOptions: optionsOf({ kind: 'telemetry', communityId }),
    fabric: { peer: org.peer, identity: user, channel, chaincode, metrics: metrics.fabric },
    registry: metrics.registry,
    config,
    logger: log,
  });
  // A state made before the dispatch service has no credential for it until the next `up` makes it.
  const hasDispatchCredential = readCredential(mqttCredentialPath(stateDir, usernameOf({ kind: 'dispatch', communityId }))) !== undefined;
  if (!hasDispatchCredential) log.warn('no broker credential for the dispatch service: run npm run up; dispatch is off');
  const dispatch = hasDispatchCredential
    ? await startDispatch({
        communityId,
        mqttUrl,
        mqttOptions: optionsOf({ kind: 'dispatch', communityId }),
        fabric: { peer: org.peer, identity: user, channel, chaincode, metrics: metrics.fabric },
        telemetry,
        config,
        logger: log,
      })
    : undefined;
  // Metrics and health on the profile's port (127.0.0.1): ready when connected to the broker and the ledger answers.
  const health = profile.bridge
    ? await startHealthServer({
        metrics,
        port: profile.bridge.port,
        routes: telemetry.routes,
        ready: async () => {
          if (!bridge.status().connected) return { ok: false, reason: `not connected to the broker ${mqttUrl}` };
          try {
            await withTimeout(submitter.getMeteringParams(), 3_000);
            return { ok: true };
          } catch (e) {
            return { ok: false, reason: `the ledger did not answer metering:getParams: ${(e as Error).message}` };
          }
        },
      })
    : undefined;
  if (health) log.info({ url: health.url }, 'metrics and health listening');
  else log.warn('the profile names no bridge port (made by an older up): no /metrics and /health');
  log.info({ stateDir, mqttUrl, communityId: profile.mqtt.communityId, peer: org.peer.endpoint, user: userId }, 'bridge started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, ...bridge.status() }, 'stopping');
    await health?.close();
    await dispatch?.stop();
    await telemetry.stop();
    await relay.stop();
    await bridge.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `${JSON.stringify({ level: 'error', time: new Date().toISOString(), component: 'device-bridge', msg: 'fatal', error: message })}\n`,
  );
  process.exit(1);
});
