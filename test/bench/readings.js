/**
 * The benches' signed readings: meters registered for a run, their readings signed interval by
 * interval (a meter's registers carried on), and their journey over MQTT to the device bridge
 * with each one's receipt (ledger.js's readings scenario, the soak, the consortium and the state
 * measurements).
 */
const { performance } = require('node:perf_hooks');
const { sign, randomBytes, generateKeyPairSync } = require('node:crypto');
const mqtt = require('mqtt');
const { readingSignedBytes, formatInstant } = require('@gridledger/core/core');
const { MAX_METER_BATCH } = require('@gridledger/core/metering');
const { mqttClientOptions, mqttCredentialPath, readCredential, usernameOf } = require('@gridledger/network');
const { api } = require('./api');
const { pool } = require('./pool');

/** Meters per household in the benches' readings: readings write no per-participant record, so the share does not matter to them. */
const METERS_PER_HOUSEHOLD = 25;

/**
 * `meters` meters, each with a key of its own, of households of METERS_PER_HOUSEHOLD: the households
 * onboarded `inFlight` at a time, the meters registered in batches (POST /meter-batches, four in
 * flight), as a utility onboards them (registry.js measures the rate): [{ meterId, privateKey }].
 */
async function registerMeters(profile, operatorKey, meters, inFlight = 20) {
  const tag = randomBytes(3).toString('hex');
  const households = Array.from({ length: Math.ceil(meters / METERS_PER_HOUSEHOLD) }, (_, h) => `bench-${tag}-${h}`);
  await pool(households.length, inFlight, (h) =>
    api(profile, operatorKey, 'POST', '/participants', { participantId: households[h], role: 'prosumer' }),
  );
  const byMeter = [];
  const batches = [];
  for (let m = 0; m < meters; m++) {
    const participantId = households[Math.floor(m / METERS_PER_HOUSEHOLD)];
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const meterId = `${participantId}.m${m % METERS_PER_HOUSEHOLD}`;
    byMeter.push({ meterId, privateKey });
    if (m % MAX_METER_BATCH === 0) batches.push({ batchId: `bench-${tag}-b${batches.length}`, meters: [] });
    batches[batches.length - 1].meters.push({
      meterId,
      participantId,
      kind: 'bidirectional',
      exportCapacityW: 10000,
      communityId: profile.mqtt.communityId,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    });
  }
  await pool(batches.length, 4, async (b) => {
    const answer = await api(profile, operatorKey, 'POST', '/meter-batches', batches[b]);
    if (answer.count !== batches[b].meters.length)
      throw new Error(`meter batch ${batches[b].batchId}: ${answer.count} of ${batches[b].meters.length} registered`);
  });
  return byMeter;
}

/** The start (epoch seconds) of the last 15-minute interval that has ended. */
const lastEndedInterval = () => Math.floor(Date.now() / 1000 / 900) * 900 - 900;

/**
 * Signs the meters' readings of `intervals` 15-minute intervals, the last one starting at `last`:
 * `interval(i)` gives every meter's reading of interval i (0 the oldest), called in order, so that
 * a long run signs each interval when it needs it instead of holding them all.
 */
function intervalSigner(byMeter, intervals, last) {
  const registers = byMeter.map(() => ({ imp: 1000000, exp: 0 }));
  let nextInterval = 0;
  return {
    startOf: (i) => last - (intervals - 1 - i) * 900,
    interval(i) {
      if (i !== nextInterval) throw new Error(`interval ${i} signed out of order (next is ${nextInterval})`);
      nextInterval += 1;
      return byMeter.map(({ meterId, privateKey }, m) => {
        const importWh = 50 + ((i + m) % 100);
        const exportWh = ((i + m) * 7) % 300;
        registers[m].imp += importWh;
        registers[m].exp += exportWh;
        const reading = {
          meterId,
          intervalStart: formatInstant(last - (intervals - 1 - i) * 900),
          seq: i + 1,
          importWh,
          exportWh,
          importRegisterWh: registers[m].imp,
          exportRegisterWh: registers[m].exp,
        };
        return { ...reading, sig: sign('sha256', readingSignedBytes(reading), privateKey).toString('base64') };
      });
    },
  };
}

/** Each meter's signed readings of the `intervals` intervals that end with the one starting at `last`, interval by interval. */
function signedIntervals(byMeter, intervals, last) {
  const signer = intervalSigner(byMeter, intervals, last);
  const out = [];
  for (let i = 0; i < intervals; i++) out.push(...signer.interval(i));
  return out;
}

/**
 * Meters of their own (registered `inFlight` at a time), each with a key; readings over the
 * `intervals` intervals that ended last, in the order meters send them: interval by interval, every
 * meter's reading of one interval before any of the next.
 */
async function readingLoad(profile, operatorKey, meters, intervals, inFlight = 20) {
  const byMeter = await registerMeters(profile, operatorKey, meters, inFlight);
  return signedIntervals(byMeter, intervals, lastEndedInterval());
}

/**
 * Publishes `readings` over MQTT (QoS 1) at `ratePerSec` (open loop: on schedule whatever the
 * platform answers; `Infinity` = all at once) and waits for each one's accepted receipt. A
 * reading's latency runs from when it was due to be published, so that a publisher falling behind
 * counts against the platform rather than hiding its delay.
 */
async function readingsThroughBridge(profile, readings, ratePerSec = Infinity) {
  // The platform's head-end (TLS, its own credential) relays every meter's signed readings, as an AMI head-end does.
  const { communityId } = profile.mqtt;
  const headEnd = readCredential(mqttCredentialPath(profile.stateDir, usernameOf({ kind: 'head-end', communityId, name: communityId })));
  const client = await mqtt.connectAsync(profile.mqtt.url, mqttClientOptions(profile.mqtt, headEnd, { protocolVersion: 4 }));
  const topic = (meterId, kind) => `gridledger/v1/${profile.mqtt.communityId}/meters/${meterId}/${kind}`;
  const sent = new Map();
  const latencies = [];
  const refused = {}; // code (or status, for a duplicate) -> count
  let answered = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  let first;
  let last = 0;
  client.on('message', (_t, payload) => {
    const receipt = JSON.parse(payload.toString());
    const key = `${receipt.meterId}@${receipt.intervalStart}`;
    const t0 = sent.get(key);
    if (t0 === undefined) return;
    sent.delete(key);
    if (receipt.status !== 'accepted') {
      const why = receipt.code ?? receipt.status;
      refused[why] = (refused[why] ?? 0) + 1;
    } else {
      last = performance.now();
      first ??= last;
      latencies.push(last - t0);
    }
    if (++answered === readings.length) done();
  });
  await client.subscribeAsync(topic('+', 'receipts'), { qos: 1 });
  const start = performance.now();
  const acks = [];
  let i = 0;
  while (i < readings.length) {
    const elapsed = performance.now() - start;
    const due = Math.min(readings.length, ratePerSec === Infinity ? readings.length : Math.floor((elapsed / 1000) * ratePerSec) + 1);
    for (; i < due; i++) {
      const r = readings[i];
      sent.set(`${r.meterId}@${r.intervalStart}`, ratePerSec === Infinity ? start : start + (i / ratePerSec) * 1000);
      acks.push(client.publishAsync(topic(r.meterId, 'readings'), JSON.stringify(r), { qos: 1 }));
    }
    if (i < readings.length) await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(acks);
  const publishSeconds = (performance.now() - start) / 1000;
  await Promise.race([finished, new Promise((r) => setTimeout(r, 300_000))]);
  await client.endAsync();
  return {
    committed: latencies.length,
    /** From the first publish to the last receipt. */
    seconds: (last - start) / 1000,
    /** From the first receipt to the last: the rate the platform committed at once it was busy. */
    commitSeconds: first === undefined ? 0 : (last - first) / 1000,
    publishSeconds,
    latencies,
    refused,
  };
}

module.exports = { registerMeters, lastEndedInterval, intervalSigner, signedIntervals, readingLoad, readingsThroughBridge };
