/**
 * Benchmarks on the real platform, started here for the run (ports +15000 or the next free offset
 * of RUN_OFFSETS, or GRIDLEDGER_BENCH_OFFSET; a temporary state directory) and stopped afterwards:
 *  - noop.submitTps / noop.evaluatePerSec: system:noop submitted (submitAsync + commit status) and
 *    system:ping evaluated through @hyperledger/fabric-gateway, with a bounded number in flight;
 *  - noop.caliperSubmitTps / noop.caliperEvaluatePerSec: the same two calls driven by Hyperledger
 *    Caliper 0.6 (fabric:fabric-gateway binding, caliper/), on the same network right after ours
 *    (GRIDLEDGER_BENCH_CALIPER=0 leaves it out);
 *  - readings.committedPerSec / readings.p50Ms / p95Ms / p99Ms: signed readings published over MQTT
 *    (QoS 1) to the device bridge at a steady offered rate (GRIDLEDGER_BENCH_READINGS_RATE,
 *    1050/s: above the 1,000/s target, so that a platform that keeps up can show it; 0 = all at
 *    once), interval by interval from GRIDLEDGER_BENCH_READINGS_METERS (1000) meters over
 *    GRIDLEDGER_BENCH_READINGS_INTERVALS (20) intervals after GRIDLEDGER_BENCH_READINGS_WARMUP (1)
 *    interval of the same meters that is not counted, each timed from when it was due to
 *    the receipt that names its committed transaction; readings.cpuMsPerReading: CPU of the
 *    platform's processes and of the publisher during that scenario, per reading (Linux /proc), by
 *    component in the note (GRIDLEDGER_BENCH_READINGS=0 leaves it out); a soak with
 *    GRIDLEDGER_BENCH_READINGS_ROUNDS=N: N rounds of that load one after the other on the growing
 *    ledger, with the archive between rounds (soak.js);
 *  - orders.* and clearing.settle1kSeconds / settle10kSeconds: market.js;
 *  - certificates.issue24kSeconds / certificates.claimsPerSec: certificates.js (GRIDLEDGER_BENCH_CERTIFICATES=0
 *    leaves it out).
 *  - grid.telemetrySamplesPerSec and grid.alertLatencyP95Ms: grid.js (GRIDLEDGER_BENCH_GRID=0 leaves them out).
 *  - flex.dispatchAckP95Ms: dispatch.js (GRIDLEDGER_BENCH_DISPATCH=0 leaves it out); flex.eventToVenP95Ms: openadr.js
 *    (GRIDLEDGER_BENCH_OPENADR=0 leaves it out).
 *  - simulation.day100HomesSeconds and simulation.tradesPerSec: simulation.js (GRIDLEDGER_BENCH_SIMULATION=0 leaves them
 *    out; GRIDLEDGER_BENCH_ONLY=simulation runs them alone).
 * GRIDLEDGER_BENCH_ONLY=readings runs the no-op submits and the readings only (no evaluations,
 * Caliper or orders); GRIDLEDGER_BENCH_ONLY=certificates the no-op submits and the certificates only;
 * GRIDLEDGER_BENCH_ONLY=grid the grid scenarios only; GRIDLEDGER_BENCH_ONLY=dispatch the dispatch scenario only;
 * GRIDLEDGER_BENCH_ONLY=openadr the OpenADR VTN's notification scenario only.
 * GRIDLEDGER_BENCH_ONLY=agents the no-op submits and agents.tradesPerSec only (agents-trades.js).
 *  - registry.metersPerSec: batch registration of 20,000 meters (registry.js); GRIDLEDGER_BENCH_ONLY=registry runs it alone.
 *  - beckn.searchP99Ms and beckn.statusDelayP95Ms: beckn.js (GRIDLEDGER_BENCH_BECKN=0 leaves them out;
 *    GRIDLEDGER_BENCH_ONLY=beckn runs them alone).
 */
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { ledgerClient } = require('@gridledger/network');
const { upPlatform } = require('@gridledger/network/dist/platform');
const { down } = require('@gridledger/network/dist/up');
const { startOnFreeOffset, RUN_OFFSETS } = require('@gridledger/network/dist/port-lease');
const { marketBenchmarks, settlementBenchmarks } = require('./market');
const { certificateBenchmarks } = require('./certificates');
const { portalBenchmarks } = require('./portal');
const { api, apiAt } = require('./api');
const { registerMeters, signedIntervals, lastEndedInterval, readingsThroughBridge } = require('./readings');
const { readingsSoak } = require('./soak');
const { gridBenchmarks } = require('./grid');
const { dispatchBenchmarks } = require('./dispatch');
const { openadrBenchmarks } = require('./openadr');
const { simulationBenchmarks } = require('./simulation');
const { registryBenchmarks } = require('./registry');
const { becknBenchmarks } = require('./beckn');
const { ensureInstalled, runCaliper } = require('./caliper/launch');
const { cpuSnapshot, cpuPerUnit } = require('./cpu');
const { agentTradeBenchmarks } = require('./agents-trades');

const { percentile } = require('./stats');

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** Runs `total` calls of fn with at most `inFlight` at once; returns the wall time and each call's latency. */
async function bounded(total, inFlight, fn) {
  const latencies = [];
  let next = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        next += 1;
        const t = performance.now();
        try {
          await fn();
          latencies.push(performance.now() - t);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, latencies, failed };
}

/**
 * Caliper's figures for the no-op rounds beside ours (ours: { submitTps, evaluatePerSec }). A
 * Caliper that could not be installed (installError) or run leaves its error in the table, not a
 * failed bench.
 */
async function caliperCrossCheck(profile, stateDir, ours, installError, results, rows) {
  const metrics = [
    {
      round: 'noop-submit',
      metric: 'caliperSubmitTps',
      unit: 'tx/s',
      rowUnit: 'tx/s',
      ours: ours.submitTps,
      what: '1000 system:noop submits',
    },
    {
      round: 'ping-evaluate',
      metric: 'caliperEvaluatePerSec',
      unit: 'evaluations/s',
      rowUnit: '/s',
      ours: ours.evaluatePerSec,
      what: '3000 system:ping evaluations',
    },
  ];
  let rounds;
  try {
    if (installError) throw installError;
    rounds = await runCaliper(profile, join(stateDir, 'caliper'), join(__dirname, 'results'));
  } catch (e) {
    for (const m of metrics) {
      results.push({ scenario: 'noop', metric: m.metric, value: null, unit: m.unit, error: e.message });
      rows.push({
        scenario: 'noop',
        metric: m.metric,
        value: 'error',
        unit: m.rowUnit,
        note: e.message.replace(/\s*\n\s*/g, '; ').slice(0, 300),
      });
    }
    return;
  }
  for (const m of metrics) {
    const r = rounds[m.round];
    if (!r) {
      rows.push({ scenario: 'noop', metric: m.metric, value: 'error', unit: m.rowUnit, note: `no "${m.round}" round in Caliper's table` });
      continue;
    }
    results.push({ scenario: 'noop', metric: m.metric, value: r.throughputTps, unit: m.unit });
    // Little's law: what Caliper actually kept in flight on average.
    const inFlight = r.throughputTps * r.avgLatencyS;
    rows.push({
      scenario: 'noop',
      metric: m.metric,
      value: r.throughputTps.toFixed(1),
      unit: m.rowUnit,
      note: `Caliper 0.6 fabric-gateway, ${m.what}, fixed-load 100, 1 worker: avg ${(r.avgLatencyS * 1000).toFixed(0)} ms, max ${(r.maxLatencyS * 1000).toFixed(0)} ms, ~${inFlight.toFixed(0)} in flight, ${r.fail} failed; Caliper/ours ${(r.throughputTps / m.ours).toFixed(2)}`,
    });
  }
}

async function ledgerBenchmarks(results, rows) {
  const readingsOnly = process.env.GRIDLEDGER_BENCH_ONLY === 'readings';
  const certificatesOnly = process.env.GRIDLEDGER_BENCH_ONLY === 'certificates';
  const gridOnly = process.env.GRIDLEDGER_BENCH_ONLY === 'grid';
  const agentsOnly = process.env.GRIDLEDGER_BENCH_ONLY === 'agents';
  const caliper = process.env.GRIDLEDGER_BENCH_CALIPER !== '0' && !readingsOnly && !certificatesOnly && !gridOnly && !agentsOnly;
  // Installed (first use only) before the platform starts, so that npm does not share the machine with it.
  const caliperInstallError = caliper
    ? await ensureInstalled().then(
        () => undefined,
        (e) => e,
      )
    : undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'gl-bench-'));
  const wanted = process.env.GRIDLEDGER_BENCH_OFFSET;
  const t0 = performance.now();
  const { lease, started: platform } = await startOnFreeOffset(
    (offset) => upPlatform({ stateDir, offset, log: () => undefined }),
    () => down(stateDir, { purge: true, log: () => undefined }), // what came up before the failure
    wanted ? { fixed: Number(wanted) } : { candidates: [15000, ...RUN_OFFSETS.filter((o) => o !== 15000)] },
  );
  rows.push({
    scenario: 'platform',
    metric: 'upSeconds',
    value: ((performance.now() - t0) / 1000).toFixed(1),
    unit: 's',
    note: 'npm run up, warm binary cache, empty state',
  });
  const { profile, credentials } = platform;
  try {
    if (gridOnly) return await gridBenchmarks(profile, credentials, profile.stateDir, results, rows, api);
    if (process.env.GRIDLEDGER_BENCH_ONLY === 'dispatch') return await dispatchBenchmarks(profile, credentials, results, rows, apiAt);
    if (process.env.GRIDLEDGER_BENCH_ONLY === 'openadr') return await openadrBenchmarks(profile, credentials, results, rows, apiAt);
    if (process.env.GRIDLEDGER_BENCH_ONLY === 'simulation') return await simulationBenchmarks(profile, credentials, results, rows);
    if (process.env.GRIDLEDGER_BENCH_ONLY === 'registry') return await registryBenchmarks(profile, credentials, results, rows, api);
    if (process.env.GRIDLEDGER_BENCH_ONLY === 'beckn') return await becknBenchmarks(profile, credentials, results, rows, apiAt);
    const user = profile.orgs.community.users['community-operator'];
    const client = ledgerClient(profile, 'community', user);
    const ours = {};
    try {
      for (let i = 0; i < 20; i++) await client.submit('system:noop'); // warm-up
      const submit = await bounded(1000, 100, () => client.submit('system:noop'));
      const tps = submit.latencies.length / submit.seconds;
      ours.submitTps = tps;
      results.push({ scenario: 'noop', metric: 'submitTps', value: Number(tps.toFixed(1)), unit: 'tx/s' });
      rows.push({
        scenario: 'noop',
        metric: 'submitTps',
        value: tps.toFixed(1),
        unit: 'tx/s',
        note: `1000 submits, 100 in flight, avg ${mean(submit.latencies).toFixed(0)} ms, p50 ${percentile(submit.latencies, 50).toFixed(0)} ms, p95 ${percentile(submit.latencies, 95).toFixed(0)} ms, ${submit.failed} failed`,
      });
      if (!readingsOnly && !certificatesOnly) {
        const evaluate = await bounded(3000, 100, () => client.evaluate('system:ping'));
        const eps = evaluate.latencies.length / evaluate.seconds;
        ours.evaluatePerSec = eps;
        results.push({ scenario: 'noop', metric: 'evaluatePerSec', value: Number(eps.toFixed(1)), unit: 'evaluations/s' });
        rows.push({
          scenario: 'noop',
          metric: 'evaluatePerSec',
          value: eps.toFixed(1),
          unit: '/s',
          note: `3000 evaluations, 100 in flight, avg ${mean(evaluate.latencies).toFixed(0)} ms, p50 ${percentile(evaluate.latencies, 50).toFixed(0)} ms, ${evaluate.failed} failed`,
        });
      }
    } finally {
      client.close();
    }
    if (caliper) await caliperCrossCheck(profile, stateDir, ours, caliperInstallError, results, rows);
    const noopTps = results.find((x) => x.metric === 'submitTps')?.value;
    if (agentsOnly) return await agentTradeBenchmarks(profile, credentials, results, rows, noopTps);
    if (process.env.GRIDLEDGER_BENCH_READINGS !== '0' && !certificatesOnly)
      await readingsBenchmark(profile, credentials, stateDir, results, rows);
    if (readingsOnly) return;
    if (!certificatesOnly) await registryBenchmarks(profile, credentials, results, rows, api);
    if (!certificatesOnly) {
      await marketBenchmarks(profile, credentials, results, rows, noopTps);
      await settlementBenchmarks(profile, credentials, results, rows);
    }
    if (process.env.GRIDLEDGER_BENCH_CERTIFICATES !== '0') await certificateBenchmarks(profile, credentials, results, rows, noopTps);
    if (process.env.GRIDLEDGER_BENCH_GRID !== '0' && !certificatesOnly)
      await gridBenchmarks(profile, credentials, profile.stateDir, results, rows, api);
    if (process.env.GRIDLEDGER_BENCH_PORTAL !== '0' && !certificatesOnly) await portalBenchmarks(profile, credentials, results, rows, api);
    if (process.env.GRIDLEDGER_BENCH_DISPATCH !== '0' && !certificatesOnly)
      await dispatchBenchmarks(profile, credentials, results, rows, apiAt);
    if (process.env.GRIDLEDGER_BENCH_OPENADR !== '0' && !certificatesOnly)
      await openadrBenchmarks(profile, credentials, results, rows, apiAt);
    if (process.env.GRIDLEDGER_BENCH_SIMULATION !== '0' && !certificatesOnly)
      await simulationBenchmarks(profile, credentials, results, rows);
    if (process.env.GRIDLEDGER_BENCH_BECKN !== '0' && !certificatesOnly) await becknBenchmarks(profile, credentials, results, rows, apiAt);
    if (!certificatesOnly) await agentTradeBenchmarks(profile, credentials, results, rows, noopTps);
  } finally {
    await down(stateDir, { purge: true, log: () => undefined });
    lease.release();
  }
}

/**
 * Readings at a steady offered rate (GRIDLEDGER_BENCH_READINGS_RATE, 1050/s) from
 * GRIDLEDGER_BENCH_READINGS_METERS (1000) meters over GRIDLEDGER_BENCH_READINGS_INTERVALS (20)
 * intervals, in the order meters send them. committedPerSec is the rate between the first and the
 * last receipt; with the offered rate beside it and the latencies it says whether the platform kept up.
 */
async function readingsBenchmark(profile, credentials, stateDir, results, rows) {
  const meters = Number(process.env.GRIDLEDGER_BENCH_READINGS_METERS ?? 1000);
  const intervals = Number(process.env.GRIDLEDGER_BENCH_READINGS_INTERVALS ?? 20);
  const rate = Number(process.env.GRIDLEDGER_BENCH_READINGS_RATE ?? 1050) || Infinity;
  const rounds = Number(process.env.GRIDLEDGER_BENCH_READINGS_ROUNDS ?? 1);
  // Warm-up intervals go first and are not counted: the chaincode's and the bridge's code paths are compiled, as a
  // platform that has run for a while has them (the no-op scenario warms up likewise).
  const warmup = Number(process.env.GRIDLEDGER_BENCH_READINGS_WARMUP ?? 1);
  const byMeter = await registerMeters(profile, credentials.apiKeys.community['community-operator'], meters);
  if (rounds > 1) return readingsSoak({ profile, stateDir, byMeter, warmup, intervals, rounds, rate }, results, rows);
  const all = signedIntervals(byMeter, warmup + intervals, lastEndedInterval());
  const warm = warmup > 0 ? await readingsThroughBridge(profile, all.slice(0, warmup * meters), rate) : undefined;
  if (warm && warm.committed === 0)
    throw new Error(`readings warm-up: none of ${warmup * meters} committed; refused: ${JSON.stringify(warm.refused)}`);
  const readings = all.slice(warmup * meters);
  const cpuBefore = cpuSnapshot(stateDir);
  const r = await readingsThroughBridge(profile, readings, rate);
  if (r.committed === 0) throw new Error(`readings: none of ${readings.length} committed; refused: ${JSON.stringify(r.refused)}`);
  const cpu = cpuPerUnit(cpuBefore, cpuSnapshot(stateDir), Math.max(1, r.committed));
  const rps = r.committed / Math.max(r.commitSeconds, 0.001);
  const p95 = percentile(r.latencies, 95);
  const offered = readings.length / r.publishSeconds;
  readingsFigures({ meters, intervals, warmup, readings, r, cpu, rps, p95, offered }, results, rows);
}

/** The readings scenario's figures: its first round. */
function readingsFigures({ meters, intervals, warmup, readings, r, cpu, rps, p95, offered }, results, rows) {
  results.push({
    scenario: 'readings',
    metric: 'committedPerSec',
    value: Number(rps.toFixed(1)),
    unit: 'readings/s',
    offeredPerSec: Number(offered.toFixed(1)),
    readings: readings.length,
    committed: r.committed,
  });
  results.push({ scenario: 'readings', metric: 'p95Ms', value: Math.round(p95), unit: 'ms' });
  results.push({ scenario: 'readings', metric: 'p50Ms', value: Math.round(percentile(r.latencies, 50)), unit: 'ms' });
  results.push({ scenario: 'readings', metric: 'p99Ms', value: Math.round(percentile(r.latencies, 99)), unit: 'ms' });
  rows.push({
    scenario: 'readings',
    metric: 'committedPerSec',
    value: rps.toFixed(1),
    unit: 'readings/s',
    note: `${readings.length} readings (${meters} meters x ${intervals} intervals, after ${warmup} warm-up interval(s)) offered at ${offered.toFixed(0)}/s over MQTT QoS 1, ${r.committed} committed${refusedNote(r)}, last ${r.seconds.toFixed(1)} s after the first publish`,
  });
  rows.push({
    scenario: 'readings',
    metric: 'p95Ms',
    value: p95.toFixed(0),
    unit: 'ms',
    note: `due time of the publish to accepted receipt; p50 ${percentile(r.latencies, 50).toFixed(0)} ms, p99 ${percentile(r.latencies, 99).toFixed(0)} ms`,
  });
  if (cpu) {
    results.push({ scenario: 'readings', metric: 'cpuMsPerReading', value: cpu.total, unit: 'ms', byComponent: cpu.byComponent });
    const parts = Object.entries(cpu.byComponent)
      .filter(([, ms]) => ms >= 0.01)
      .map(([group, ms]) => `${group} ${ms}`);
    rows.push({
      scenario: 'readings',
      metric: 'cpuMsPerReading',
      value: cpu.total.toFixed(2),
      unit: 'ms',
      note: `CPU of the platform and the publisher per reading (2 cores: 2000 / this = readings/s at full use): ${parts.join(', ')}`,
    });
  }
}

const refusedNote = (r) =>
  Object.keys(r.refused).length
    ? ` (refused: ${Object.entries(r.refused)
        .map(([c, n]) => `${n} ${c}`)
        .join(', ')})`
    : '';

module.exports = { ledgerBenchmarks, bounded };
