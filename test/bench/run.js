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
const { consortiumBenchmarks } = require('./consortium');

const { book, median, params } = require('./books');

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

// clearing.textbookRatio*: clearAuction ÷ the textbook sort-and-walk in Python on the same books (test/bench/textbook.js).
require('./textbook').textbookBenchmarks(results, rows);

// flex.baselineRrmse*: the baseline methods' accuracy on the simulator's homes (test/bench/flex.js, docs/flexibility.md).
require('./flex').flexBenchmarks(results, rows);

// agents.selection1kMs, agents.selectionQuality, agents.predict*: the trading agents' pure logic (test/bench/agents.js, docs/agents.md).
require('./agents').agentBenchmarks(results, rows);

async function main() {
  // agents.dht*: 100 agents' DHT nodes in this process (test/bench/agents-dht.js), no Fabric network; GRIDLEDGER_BENCH_DHT=0 leaves it out.
  if (process.env.GRIDLEDGER_BENCH_DHT !== '0' && !process.env.GRIDLEDGER_BENCH_ONLY)
    await require('./agents-dht').dhtBenchmarks(results, rows);
  if (!process.env.GRIDLEDGER_BENCH_PURE_ONLY) {
    await ledgerBenchmarks(results, rows);
    loadTests(results, rows);
    // consortium.*: three network namespaces linked through Toxiproxy (docs/consortium.md); ip netns needs root.
    if (process.env.GRIDLEDGER_BENCH_CONSORTIUM !== '0' && !process.env.GRIDLEDGER_BENCH_ONLY) {
      if (process.getuid?.() === 0) await consortiumBenchmarks(results, rows);
      else rows.push({ scenario: 'consortium', metric: '-', value: '-', unit: '', note: 'left out: ip netns needs root' });
    }
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
