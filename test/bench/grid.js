/**
 * Grid telemetry benchmarks (docs/telemetry.md), on the platform ledger.js started:
 *  - grid.telemetrySamplesPerSec: GRIDLEDGER_BENCH_GRID_DEVICES (1000) registered meters, each
 *    publishing GRIDLEDGER_BENCH_GRID_SAMPLES (30) samples (distinct seconds) through the platform's
 *    head-end as fast as it takes them (QoS 1 to the broker); measured from the first publish to the
 *    moment the bridge's counter of samples written to the SQLite store reaches them all (its
 *    /metrics, polled every 100 ms), after a warm-up sample per device that is not counted (the
 *    registry look-ups of new devices);
 *  - grid.alertLatencyP95Ms: GRIDLEDGER_BENCH_GRID_ZONES (10) zones with a feeder sensor each
 *    (grid.json, sensor credentials from the operator's API); in each of
 *    GRIDLEDGER_BENCH_GRID_ROUNDS (5) rounds every sensor reports 95 % of its limit at once, and each
 *    alert's latency runs from that publish to its GridAlertRaised on the operator's event stream
 *    (GET /events); then 50 %, and the round ends when every alert is cleared.
 */
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const mqtt = require('mqtt');
const { mqttClientOptions, mqttCredentialPath, readCredential, usernameOf } = require('@gridledger/network');
const { percentile } = require('./stats');

const instant = (epochSeconds) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function storedSamples(profile) {
  const text = await (await fetch(`${profile.bridge.url}/metrics`)).text();
  const m = /^gridledger_telemetry_samples_stored_total (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function waitStored(profile, target, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const n = await storedSamples(profile);
    if (n >= target || performance.now() > deadline) return { stored: n, at: performance.now() };
    await sleep(100);
  }
}

/** `count` prosumers with one meter each, registered `inFlight` at a time through the operator's gateway. */
async function registerMeters(profile, api, operatorKey, count, inFlight = 20) {
  const tag = randomBytes(3).toString('hex');
  const meterIds = [];
  let next = 0;
  const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' });
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const participantId = `tel-${tag}-${next++}`;
        const { apiKey } = await api(profile, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
        const meterId = `${participantId}.main`;
        const meter = {
          meterId,
          participantId,
          kind: 'bidirectional',
          exportCapacityW: 10000,
          communityId: profile.mqtt.communityId,
          publicKeyPem,
        };
        await api(profile, apiKey, 'POST', '/meters', meter);
        meterIds.push(meterId);
      }
    }),
  );
  return meterIds;
}

async function samplesBenchmark(profile, api, operatorKey, results, rows) {
  const devices = Number(process.env.GRIDLEDGER_BENCH_GRID_DEVICES ?? 1000);
  const perDevice = Number(process.env.GRIDLEDGER_BENCH_GRID_SAMPLES ?? 30);
  const meterIds = await registerMeters(profile, api, operatorKey, devices);
  const { communityId } = profile.mqtt;
  const headEnd = readCredential(mqttCredentialPath(profile.stateDir, usernameOf({ kind: 'head-end', communityId, name: communityId })));
  const client = await mqtt.connectAsync(profile.mqtt.url, mqttClientOptions(profile.mqtt, headEnd, { protocolVersion: 4 }));
  const topic = (meterId) => `gridledger/v1/${communityId}/meters/${meterId}/telemetry`;
  const sample = (meterId, at, k) =>
    JSON.stringify({
      deviceId: meterId,
      zone: 'unzoned',
      at: instant(at),
      powerW: ((k * 37) % 2000) - 1000,
      frequencyMHz: 50_000,
      voltageMv: 230_000,
    });
  try {
    // Warm-up: one sample per device (the service looks each new device up in the registry once).
    const now = Math.floor(Date.now() / 1000);
    const base = await storedSamples(profile);
    await Promise.all(meterIds.map((m) => client.publishAsync(topic(m), sample(m, now - perDevice - 1, 0), { qos: 1 })));
    const warm = await waitStored(profile, base + devices, 120_000);
    if (warm.stored < base + devices) throw new Error(`telemetry warm-up: ${warm.stored - base} of ${devices} stored`);

    const total = devices * perDevice;
    const start = performance.now();
    const acks = [];
    for (let k = 0; k < perDevice; k++) {
      for (const m of meterIds) acks.push(client.publishAsync(topic(m), sample(m, now - perDevice + k, k + 1), { qos: 1 }));
      if (acks.length >= 5000) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);
    const publishSeconds = (performance.now() - start) / 1000;
    const done = await waitStored(profile, warm.stored + total, 300_000);
    const stored = done.stored - warm.stored;
    const seconds = (done.at - start) / 1000;
    const rate = stored / seconds;
    results.push({ scenario: 'grid', metric: 'telemetrySamplesPerSec', value: Number(rate.toFixed(0)), unit: 'samples/s' });
    rows.push({
      scenario: 'grid',
      metric: 'telemetrySamplesPerSec',
      value: rate.toFixed(0),
      unit: 'samples/s stored',
      note: `${devices} devices x ${perDevice} samples: ${stored} of ${total} stored in ${seconds.toFixed(1)} s (published in ${publishSeconds.toFixed(1)} s)`,
    });
  } finally {
    await client.endAsync();
  }
}

/** The operator's event stream: resolves waiters on GridAlertRaised / GridAlertCleared by zone. */
async function alertStream(profile, key) {
  const controller = new AbortController();
  const res = await fetch(`${profile.orgs.community.gateway.url}/api/v1/events`, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const listeners = new Set();
  const pump = (async () => {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data === undefined) continue;
          const event = JSON.parse(data.slice(6));
          const at = performance.now();
          for (const l of listeners) l(event, at);
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    on: (listener) => listeners.add(listener),
    off: (listener) => listeners.delete(listener),
    async close() {
      controller.abort();
      await pump;
    },
  };
}

async function alertBenchmark(profile, api, operatorKey, stateDir, results, rows) {
  const zones = Number(process.env.GRIDLEDGER_BENCH_GRID_ZONES ?? 10);
  const rounds = Number(process.env.GRIDLEDGER_BENCH_GRID_ROUNDS ?? 5);
  const { communityId } = profile.mqtt;
  const tag = randomBytes(3).toString('hex');
  const list = Array.from({ length: zones }, (_, i) => ({ zone: `bz-${tag}-${i}`, sensor: `bf-${tag}-${i}` }));
  mkdirSync(join(stateDir, 'telemetry'), { recursive: true });
  writeFileSync(
    join(stateDir, 'telemetry', 'grid.json'),
    JSON.stringify({ zones: list.map((z) => ({ zone: z.zone, importLimitW: 10_000, exportLimitW: 10_000, feederSensorId: z.sensor })) }),
  );
  const clients = await Promise.all(
    list.map(async (z) => {
      const credential = await api(profile, operatorKey, 'POST', `/communities/${communityId}/sensors/${z.sensor}/mqtt-credential`);
      return mqtt.connectAsync(profile.mqtt.url, mqttClientOptions(profile.mqtt, credential, { protocolVersion: 4 }));
    }),
  );
  const stream = await alertStream(profile, operatorKey);
  const latencies = [];
  const publish = (i, powerW) =>
    clients[i].publishAsync(
      `gridledger/v1/${communityId}/sensors/${list[i].sensor}/telemetry`,
      JSON.stringify({
        deviceId: list[i].sensor,
        zone: list[i].zone,
        at: instant(Math.floor(Date.now() / 1000)),
        powerW,
        frequencyMHz: 50_000,
        voltageMv: 230_000,
      }),
      { qos: 1 },
    );
  /** Publishes powerW on every sensor and waits for each zone's `event`; returns each zone's latency. */
  const step = async (powerW, eventName) => {
    const t0 = new Map();
    const got = new Map();
    let all;
    const finished = new Promise((r) => (all = r));
    const listener = (event, at) => {
      const zone = event.payload?.subject;
      if (event.name !== eventName || !t0.has(zone) || got.has(zone)) return;
      got.set(zone, at - t0.get(zone));
      if (got.size === zones) all();
    };
    stream.on(listener);
    await Promise.all(
      list.map((z, i) => {
        t0.set(z.zone, performance.now());
        return publish(i, powerW);
      }),
    );
    await Promise.race([finished, sleep(60_000)]);
    stream.off(listener);
    return [...got.values()];
  };
  try {
    for (let r = 0; r < rounds; r++) {
      latencies.push(...(await step(-9_500, 'GridAlertRaised')));
      await step(-5_000, 'GridAlertCleared');
      await sleep(1_100); // a new raise in another second: a new alert id
    }
  } finally {
    await stream.close();
    await Promise.all(clients.map((c) => c.endAsync()));
  }
  const p95 = percentile(latencies, 95);
  results.push({ scenario: 'grid', metric: 'alertLatencyP95Ms', value: Number(p95.toFixed(0)), unit: 'ms' });
  rows.push({
    scenario: 'grid',
    metric: 'alertLatencyP95Ms',
    value: p95.toFixed(0),
    unit: 'ms',
    note: `${latencies.length} of ${zones * rounds} overloads (${zones} zones x ${rounds} rounds), sample to GridAlertRaised on SSE; p50 ${percentile(latencies, 50).toFixed(0)} ms`,
  });
}

/** Both grid scenarios; `api` is ledger.js's call of the community gateway. */
async function gridBenchmarks(profile, credentials, stateDir, results, rows, api) {
  const operatorKey = credentials.apiKeys.community['community-operator'];
  // Alerts first: the samples scenario's devices all fall silent afterwards (TELEMETRY_MISSING for each, a burst of ledger steps).
  await alertBenchmark(profile, api, operatorKey, stateDir, results, rows);
  await samplesBenchmark(profile, api, operatorKey, results, rows);
}

module.exports = { gridBenchmarks, alertStream };
