/**
 * `npm run bench`: measures what can be measured on this machine and writes
 * test/bench/results/latest.json ({ machine, results: [{ scenario, metric, value, unit }] }) beside
 * a readable table: the pure clearing, then the ledger scenarios on a platform started for the run
 * (ledger.js), then the load tests (load.js). GRIDLEDGER_BENCH_PURE_ONLY=1 skips the ledger and the load tests.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { clearAuction, clearZonal } = require('@gridledger/core/market');
const { ledgerBenchmarks } = require('./ledger');
const { loadTests } = require('./load');

/** Small seeded generator (mulberry32), so that every run clears the same book. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const params = { feedInMicrosPerKwh: 80_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 20_000, kPpm: 500_000 };

/** A book of n orders from n/5 participants per side, 221 price levels (many ties), 0.1-5 kWh each. */
function book(n, seed) {
  const rand = prng(seed);
  const orders = [];
  for (let i = 0; i < n; i++) {
    const side = rand() < 0.5 ? 'buy' : 'sell';
    orders.push({
      orderId: `ord-${seed}-${i.toString(36).padStart(6, '0')}`,
      participantId: `${side === 'buy' ? 'consumer' : 'prosumer'}-${Math.floor(rand() * (n / 5))}`,
      side,
      energyWh: 100 + Math.floor(rand() * 4900),
      priceMicrosPerKwh: params.feedInMicrosPerKwh + 1000 * Math.floor(rand() * 221),
      placedAt: `2026-11-21T08:${String(Math.floor(rand() * 60)).padStart(2, '0')}:00Z`,
    });
  }
  return orders;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeClearing(n, runs) {
  const orders = book(n, 7);
  for (let i = 0; i < 2; i++) clearAuction(orders, params); // warm-up: JIT, allocation
  const times = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = clearAuction(orders, params);
    times.push(performance.now() - start);
  }
  return { ms: median(times), result };
}

const results = [];
const rows = [];
for (const [n, metric] of [
  [10_000, 'pure10kMs'],
  [100_000, 'pure100kMs'],
]) {
  const { ms, result } = timeClearing(n, 9);
  results.push({ scenario: 'clearing', metric, value: Number(ms.toFixed(1)), unit: 'ms' });
  rows.push({
    scenario: 'clearing',
    metric,
    value: ms.toFixed(1),
    unit: 'ms (median of 9)',
    note: `${n} orders, ${result.trades.length} trades, ${result.volumeWh} Wh`,
  });
}

/**
 * clearing.zonal10kMs: the same 10,000-order book over 20 zones (the connection point, 4 feeders
 * under it, 15 zones under those), sellers in the first 10 zones and buyers in the others, each
 * feeder limited to 300 kWh so that several bind. Timed alternately with the uniform clearing of
 * the same book (the machine is noisy), median of `runs` each.
 */
function timeZonal(runs) {
  const orders = book(10_000, 7);
  const network = [{ zoneId: 'z00', parentZoneId: null, exportLimitWh: 0, importLimitWh: 0, lossPpm: 0 }];
  for (let z = 1; z < 20; z++) {
    const parentZoneId = z <= 4 ? 'z00' : `z0${1 + (z % 4)}`;
    network.push({
      zoneId: `z${String(z).padStart(2, '0')}`,
      parentZoneId,
      exportLimitWh: 300_000,
      importLimitWh: 300_000,
      lossPpm: 20_000,
    });
  }
  const zoneOf = {};
  for (const o of orders) {
    const k = Number(o.participantId.split('-').pop());
    const z = o.side === 'sell' ? k % 10 : 10 + (k % 10);
    zoneOf[o.participantId] = `z${String(z).padStart(2, '0')}`;
  }
  for (let i = 0; i < 2; i++) clearZonal(orders, zoneOf, network, params);
  const zonal = [];
  const uniform = [];
  let result;
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    clearAuction(orders, params);
    uniform.push(performance.now() - start);
    start = performance.now();
    result = clearZonal(orders, zoneOf, network, params);
    zonal.push(performance.now() - start);
  }
  return { zonalMs: median(zonal), uniformMs: median(uniform), result };
}

{
  const { zonalMs, uniformMs, result } = timeZonal(9);
  const bound = result.feeders.filter((f) => f.binding !== null).length;
  results.push({ scenario: 'clearing', metric: 'zonal10kMs', value: Number(zonalMs.toFixed(1)), unit: 'ms' });
  rows.push({
    scenario: 'clearing',
    metric: 'zonal10kMs',
    value: zonalMs.toFixed(1),
    unit: 'ms (median of 9)',
    note: `10000 orders, 20 zones, ${bound} feeders bound, ${(zonalMs / uniformMs).toFixed(2)} × the uniform clearing timed beside it (${uniformMs.toFixed(1)} ms)`,
  });
}

// flex.baselineRrmse*: the baseline methods' accuracy on the simulator's homes (test/bench/flex.js, docs/flexibility.md).
require('./flex').flexBenchmarks(results, rows);

async function main() {
  // agents.dht*: 100 agents' DHT nodes in this process (test/bench/agents-dht.js), no Fabric network; GRIDLEDGER_BENCH_DHT=0 leaves it out.
  if (process.env.GRIDLEDGER_BENCH_DHT !== '0' && !process.env.GRIDLEDGER_BENCH_ONLY)
    await require('./agents-dht').dhtBenchmarks(results, rows);
  if (!process.env.GRIDLEDGER_BENCH_PURE_ONLY) {
    await ledgerBenchmarks(results, rows);
    loadTests(results, rows);
  }
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
  console.table(rows);
  console.log(`written: ${join(dir, 'latest.json')}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
