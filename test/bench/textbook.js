/**
 * clearing.textbookRatio1k / 10k / 100k: clearAuction against the textbook sort-and-walk in Python (textbook_clearing.py,
 * which does less: no validation, digest, tie rule, pro rata or fills) on the same books of 1,000, 10,000 and 100,000
 * orders at any whole-micro price, read by both from one JSON file (as the contract reads its orders from JSON). Each
 * side times the clearing alone inside its own process (no process start, no JSON parse), RUNS clearings per round over
 * ROUNDS rounds that alternate ours and Python's, so that both meet the same machine. Each clearing is timed by the CPU
 * time of the thread that runs it, which other processes on a shared machine do not stretch, and by the clock (in the
 * note). The figure is ours ÷ Python's, the medians' ratio; below 1 is faster than the baseline. Ours runs in a process
 * of its own, as in the chaincode, where clearAuction sees no other books (the bench's other scenarios would leave the
 * compiler's feedback of their orders in it).
 */
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { clearAuction } = require('@gridledger/core/market');
const { book, median, params } = require('./books');

const SIZES = [
  [1_000, 'textbookRatio1k'],
  [10_000, 'textbookRatio10k'],
  [100_000, 'textbookRatio100k'],
];
const ROUNDS = Number(process.env.GRIDLEDGER_BENCH_TEXTBOOK_ROUNDS ?? 3);
const RUNS = 9;

/** Milliseconds of CPU time the calling thread has used. */
function threadCpuMs() {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

function timeOurs(orders, into) {
  let result;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const cpuStart = threadCpuMs();
    result = clearAuction(orders, params);
    into.cpuMs.push(threadCpuMs() - cpuStart);
    into.ms.push(performance.now() - start);
  }
  into.volumeWh = result.volumeWh;
}

function measure(results, rows) {
  const dir = mkdtempSync(join(os.tmpdir(), 'gridledger-textbook-'));
  const file = join(dir, 'books.json');
  writeFileSync(file, JSON.stringify(SIZES.map(([n]) => book(n, 11, { anyMicro: true }))));
  const books = JSON.parse(readFileSync(file, 'utf8'));
  const ours = books.map(() => ({ ms: [], cpuMs: [] }));
  const python = books.map(() => ({ ms: [], cpuMs: [] }));
  try {
    for (const orders of books) for (let i = 0; i < 2; i++) clearAuction(orders, params); // warm-up: JIT, allocation
    for (let round = 0; round < ROUNDS; round++) {
      books.forEach((orders, k) => timeOurs(orders, ours[k]));
      const out = JSON.parse(execFileSync('python3', [join(__dirname, 'textbook_clearing.py'), file, String(RUNS)], { encoding: 'utf8' }));
      books.forEach((orders, k) => {
        const { ms, cpuMs, volumeWh } = out[String(orders.length)];
        // The largest volume one price admits is one number: both must find it.
        if (volumeWh !== ours[k].volumeWh)
          throw new Error(`${orders.length} orders: Python traded ${volumeWh} Wh, ours ${ours[k].volumeWh}`);
        python[k].ms.push(...ms);
        python[k].cpuMs.push(...cpuMs);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  SIZES.forEach(([n, metric], k) => {
    const [oursCpu, pythonCpu, oursMs, pythonMs] = [ours[k].cpuMs, python[k].cpuMs, ours[k].ms, python[k].ms].map(median);
    const ratio = oursCpu / pythonCpu;
    results.push({ scenario: 'clearing', metric, value: Number(ratio.toFixed(2)), unit: '×', oursCpuMs: oursCpu, pythonCpuMs: pythonCpu });
    rows.push({
      scenario: 'clearing',
      metric,
      value: ratio.toFixed(2),
      unit: '× (ours ÷ Python)',
      note:
        `${n} orders at any whole-micro price, CPU ms: clearAuction ${oursCpu.toFixed(2)}, textbook Python ${pythonCpu.toFixed(2)}; ` +
        `by the clock ${oursMs.toFixed(2)} and ${pythonMs.toFixed(2)} ms (${(oursMs / pythonMs).toFixed(2)} ×); ` +
        `medians of ${ROUNDS * RUNS}, alternating`,
    });
  });
}

/** The figures, measured in a node process of their own. */
function textbookBenchmarks(results, rows) {
  const out = JSON.parse(execFileSync(process.execPath, [__filename, '--json'], { encoding: 'utf8' }));
  results.push(...out.results);
  rows.push(...out.rows);
}

module.exports = { textbookBenchmarks };

if (require.main === module) {
  const results = [];
  const rows = [];
  measure(results, rows);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ results, rows }));
  else console.table(rows);
}
