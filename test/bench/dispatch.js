/**
 * Dispatch benchmark (docs/dispatch.md), on the platform ledger.js started:
 *  - flex.dispatchAckP95Ms: GRIDLEDGER_BENCH_DISPATCH_RESOURCES (1000) batteries, each behind a
 *    prosumer's meter of its own and run by an obeying SimulatedDevice on its broker credential;
 *    GRIDLEDGER_BENCH_DISPATCH_COUNT (1000: every battery once) setpoints sent by the utility through its gateway,
 *    GRIDLEDGER_BENCH_DISPATCH_IN_FLIGHT (20) at a time, each to another battery. A setpoint's latency
 *    runs from the utility's request to its DispatchAcknowledged on the operator's event stream
 *    (GET /events): the request's commit, the bridge's poll and publish, the device's answer and the
 *    acknowledgement's commit.
 */
const { randomBytes, generateKeyPairSync } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { SimulatedDevice } = require('@gridledger/device-bridge');
const { mqttClientOptions } = require('@gridledger/network');
const { alertStream } = require('./grid');
const { percentile } = require('./stats');

const instant = (epochSeconds) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

/** `count` batteries with obeying devices, registered `inFlight` at a time through the Community gateway. */
async function batteries(profile, call, operatorKey, count, inFlight = 20) {
  const url = profile.orgs.community.gateway.url;
  const communityId = profile.mqtt.communityId;
  const tag = randomBytes(3).toString('hex');
  const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' });
  const out = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const participantId = `vpp-${tag}-${next++}`;
        const { apiKey } = await call(url, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
        const meterId = `${participantId}.main`;
        await call(url, apiKey, 'POST', '/meters', {
          meterId,
          participantId,
          kind: 'bidirectional',
          exportCapacityW: 10_000,
          communityId,
          publicKeyPem,
        });
        const resourceId = `${participantId}.bat`;
        const battery = {
          resourceId,
          communityId,
          kind: 'battery',
          meterId,
          maxPowerW: 5_000,
          capacityWh: 20_000,
          minSocWh: 2_000,
          socWh: 15_000,
        };
        const { mqtt } = await call(url, apiKey, 'POST', '/resources', battery);
        const device = new SimulatedDevice({
          communityId,
          deviceId: resourceId,
          behaviour: 'obey',
          socWh: 15_000,
          mqttUrl: profile.mqtt.url,
          mqttOptions: mqttClientOptions(profile.mqtt, mqtt),
        });
        await device.start();
        out.push({ resourceId, device });
      }
    }),
  );
  return out;
}

/** `call` is ledger.js's apiAt: a gateway's JSON answer, or an error for a status of 300 or more. */
async function dispatchBenchmarks(profile, credentials, results, rows, call) {
  const count = Number(process.env.GRIDLEDGER_BENCH_DISPATCH_RESOURCES ?? 1000);
  const dispatches = Number(process.env.GRIDLEDGER_BENCH_DISPATCH_COUNT ?? 1000);
  const inFlight = Number(process.env.GRIDLEDGER_BENCH_DISPATCH_IN_FLIGHT ?? 20);
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const utilityKey = credentials.apiKeys.utility.utility;
  const list = await batteries(profile, call, operatorKey, count);
  const stream = await alertStream(profile, operatorKey);
  const acked = new Map();
  stream.on((event, at) => {
    if (event.name === 'DispatchAcknowledged') acked.get(event.payload?.dispatchId)?.(at);
  });
  const tag = randomBytes(3).toString('hex');
  const latencies = [];
  let failed = 0;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < dispatches) {
          const k = next++;
          const dispatchId = `bench-${tag}-${k}`;
          const seen = new Promise((resolve) => acked.set(dispatchId, resolve));
          const t0 = performance.now();
          try {
            await call(profile.orgs.utility.gateway.url, utilityKey, 'POST', `/communities/${profile.mqtt.communityId}/dispatches`, {
              dispatchId,
              resourceId: list[k % list.length].resourceId,
              powerW: 1_000,
              startAt: instant(Math.floor(Date.now() / 1000) + 30),
              durationSeconds: 60,
              priceMicrosPerKwh: 1,
              ackTimeoutSeconds: 60,
              // Settled from telemetry at once: 1,000 settlements waiting for readings would retry beside the next run.
              readingsWaitSeconds: 0,
            });
            const at = await Promise.race([seen, new Promise((r) => setTimeout(() => r(undefined), 60_000))]);
            if (at === undefined) failed += 1;
            else latencies.push(at - t0);
          } catch {
            failed += 1;
          }
        }
      }),
    );
  } finally {
    await stream.close();
    await Promise.all(list.map((x) => x.device.stop()));
  }
  const p95 = percentile(latencies, 95);
  results.push({ scenario: 'flex', metric: 'dispatchAckP95Ms', value: Math.round(p95), unit: 'ms' });
  rows.push({
    scenario: 'flex',
    metric: 'dispatchAckP95Ms',
    value: p95.toFixed(0),
    unit: 'ms',
    note:
      `${latencies.length} of ${dispatches} setpoints (${inFlight} in flight) to ${count} batteries, utility request to ` +
      `DispatchAcknowledged on SSE; p50 ${percentile(latencies, 50).toFixed(0)} ms, ${failed} failed`,
  });
}

module.exports = { dispatchBenchmarks };
