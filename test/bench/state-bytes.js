/**
 * Where a reading's bytes go on the peers (docs/bounded-state.md): starts the platform in its own
 * state directory (GRIDLEDGER_BENCH_STATE_BYTES_DIR, default a temporary one; GRIDLEDGER_BENCH_OFFSET, default 19000),
 * registers GRIDLEDGER_BENCH_READINGS_METERS (1000) meters, sends GRIDLEDGER_BENCH_READINGS_INTERVALS (50)
 * intervals of their signed readings through the device bridge at GRIDLEDGER_BENCH_READINGS_RATE (1050/s),
 * and measures, per peer, the bytes of the state LevelDB, the private data store, the history DB,
 * the block store and the rest of the ledger before and after: bytes per reading by store.
 * Not in `npm run bench`: run it by hand, `node test/bench/state-bytes.js`; GRIDLEDGER_BENCH_STATE_BYTES_KEEP=1
 * leaves the network up (the archive stage of docs/bounded-state.md, test/bench/archive-hours.js on the
 * prototype's branch, runs on it).
 */
const { mkdtempSync, mkdirSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { upPlatform } = require('@gridledger/network/dist/platform');
const { down } = require('@gridledger/network/dist/up');
const { ledgerClient } = require('@gridledger/network');
const { readingLoad, readingsThroughBridge } = require('./readings');
const { percentile } = require('./stats');
const { peerStores } = require('./peer-stores');

function perReading(before, after, readings) {
  const out = {};
  for (const [peer, stores] of Object.entries(after)) {
    out[peer] = {};
    for (const [store, bytes] of Object.entries(stores)) out[peer][store] = Math.round((bytes - (before[peer]?.[store] ?? 0)) / readings);
    out[peer].total = Object.values(out[peer]).reduce((a, b) => a + b, 0);
  }
  return out;
}

async function round(profile, readings, rate, label) {
  const r = await readingsThroughBridge(profile, readings, rate);
  const rps = r.committed / Math.max(r.commitSeconds, 0.001);
  const figures = {
    label,
    readings: readings.length,
    committed: r.committed,
    refused: r.refused,
    committedPerSec: Number(rps.toFixed(1)),
    p50Ms: Math.round(percentile(r.latencies, 50)),
    p95Ms: Math.round(percentile(r.latencies, 95)),
  };
  console.log(JSON.stringify(figures));
  return figures;
}

async function main() {
  const stateDir = process.env.GRIDLEDGER_BENCH_STATE_BYTES_DIR ?? mkdtempSync(join(tmpdir(), 'gl-state-bytes-'));
  mkdirSync(stateDir, { recursive: true });
  const offset = Number(process.env.GRIDLEDGER_BENCH_OFFSET ?? 19000);
  const meters = Number(process.env.GRIDLEDGER_BENCH_READINGS_METERS ?? 1000);
  const intervals = Number(process.env.GRIDLEDGER_BENCH_READINGS_INTERVALS ?? 50);
  const rate = Number(process.env.GRIDLEDGER_BENCH_READINGS_RATE ?? 1050) || Infinity;
  const report = { meters, intervals, rate, stages: {} };
  const t0 = Date.now();
  const stamp = (what) => console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s: ${what}`);
  const { profile, credentials } = await upPlatform({ stateDir, offset, log: () => undefined });
  stamp(`platform up in ${stateDir}`);
  try {
    const operatorKey = credentials.apiKeys.community['community-operator'];
    const all = await readingLoad(profile, operatorKey, meters, intervals + 1);
    stamp(`${meters} meters registered, ${all.length} readings signed`);
    await round(profile, all.slice(0, meters), rate, 'warm-up'); // one interval, not counted
    const before = peerStores(stateDir);
    report.stages.before = before;
    const first = all.slice(meters, meters + intervals * meters);
    report.round1 = await round(profile, first, rate, 'round 1');
    const after = peerStores(stateDir);
    report.stages.afterRound1 = after;
    report.bytesPerReading = perReading(before, after, report.round1.committed);
    stamp(`round 1: ${JSON.stringify(report.bytesPerReading)}`);
  } finally {
    const out = process.env.GRIDLEDGER_BENCH_STATE_BYTES_OUT ?? join(__dirname, 'results', 'state-bytes.json');
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    stamp(`figures in ${out}`);
    if (process.env.GRIDLEDGER_BENCH_STATE_BYTES_KEEP !== '1') await down(stateDir, { purge: true, log: () => undefined });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
