/**
 * registry.metersPerSec: onboarding at scale (docs/metering.md, "Batch registration"). The
 * operator registers 20,000 meters of 40 households in batches of 500 (POST /meter-batches), four
 * batches in flight, on the running platform; the figure is meters committed per second of wall
 * time, from the first request to the last answer (target: at least 1,000/s). The households are
 * onboarded first and not counted; one key per household, since the chaincode parses and checks
 * every meter's key whatever it is. GRIDLEDGER_BENCH_ONLY=registry runs this scenario alone.
 */
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const { MAX_METER_BATCH } = require('@gridledger/core/metering');
const { percentile } = require('./stats');

const METERS = 20_000;
const HOUSEHOLDS = 40;
const IN_FLIGHT = 4;

async function registryBenchmarks(profile, credentials, results, rows, api) {
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const tag = randomBytes(3).toString('hex');
  const households = [];
  for (let h = 0; h < HOUSEHOLDS; h++) {
    const participantId = `reg-${tag}-${h}`;
    await api(profile, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    households.push({ participantId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) });
  }
  const batches = [];
  for (let start = 0; start < METERS; start += MAX_METER_BATCH) {
    const meters = [];
    for (let m = start; m < Math.min(METERS, start + MAX_METER_BATCH); m++) {
      const { participantId, publicKeyPem } = households[m % HOUSEHOLDS];
      meters.push({
        meterId: `${participantId}.m${m}`,
        participantId,
        kind: 'bidirectional',
        publicKeyPem,
        exportCapacityW: 5000,
        communityId: profile.mqtt.communityId,
      });
    }
    batches.push({ batchId: `reg-${tag}-b${batches.length}`, meters });
  }
  // ledger.js requires this file: its bounded runner is taken when the scenario runs.
  const { bounded } = require('./ledger');
  let next = 0;
  let registered = 0;
  const { seconds, latencies, failed } = await bounded(batches.length, IN_FLIGHT, async () => {
    const answer = await api(profile, operatorKey, 'POST', '/meter-batches', batches[next++]);
    registered += answer.count; // after the await: the others' additions are not lost
  });
  const perSec = registered / seconds;
  results.push({ scenario: 'registry', metric: 'metersPerSec', value: Number(perSec.toFixed(1)), unit: 'meters/s', meters: registered });
  rows.push({
    scenario: 'registry',
    metric: 'metersPerSec',
    value: perSec.toFixed(1),
    unit: 'meters/s',
    note:
      `${registered} meters of ${HOUSEHOLDS} households in ${batches.length} batches of ${MAX_METER_BATCH}, ${IN_FLIGHT} in flight, ` +
      `${seconds.toFixed(1)} s, ${failed} batches failed; ` +
      `per batch p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms`,
  });
}

module.exports = { registryBenchmarks };
