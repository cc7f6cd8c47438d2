/**
 * Trading agents' benchmarks (docs/agents.md), pure: no network.
 *  - agents.selection1kMs: selectOffers (validation, preparation and the genetic algorithm with its
 *    default budget) over 1,000 offers; the median over INSTANCES seeded instances, after a warm-up
 *    (wall clock; the note adds the process's CPU time, which a loaded machine inflates less).
 *  - agents.selectionQuality: the GA's objective over the best known one, the lowest over the
 *    instances. Best known: the best of the GA's own result and LONG_RUNS longer runs with other
 *    seeds (population 100, up to 1,000 generations, 150 without progress, no time limit).
 *  - agents.predict*Mae*: the predictions of t and q (ml-random-forest) against the training mean and
 *    persistence on the last 20 % of a seeded synthetic history (core/src/agents/history.ts).
 * `node test/bench/agents.js` runs it alone (after `npx tsc -b`); `npm run bench` records the figures.
 */
const { performance } = require('node:perf_hooks');
const {
  beats,
  DEFAULT_WEIGHTS,
  geneticSelection,
  heldOutAccuracy,
  problemOf,
  seededRng,
  selectOffers,
  syntheticHistory,
  syntheticOffers,
} = require('@gridledger/core/agents');

const BAND = { feedInMicrosPerKwh: 80_000, retailMicrosPerKwh: 320_000, gridFeeMicrosPerKwh: 20_000 };
const MAX_PRICE = BAND.retailMicrosPerKwh - BAND.gridFeeMicrosPerKwh;
const INSTANCES = 10;
const LONG_RUNS = 3;
/** Deficits of a home (1.5 kWh), of a block of flats (8 kWh) and of a charging site (25 kWh). */
const DEMANDS = [1_500, 8_000, 25_000];

const offers = (seed) => syntheticOffers(seed, 1000, 250, BAND);

const request = (demandWh) => ({ demandWh, maxPriceMicrosPerKwh: MAX_PRICE, ...BAND });
const terms = (demandWh) => ({ demandWh, ...BAND, durationHorizonSeconds: 60 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function selectionBench() {
  selectOffers(request(DEMANDS[0]), offers(0)); // warm-up: JIT
  const runs = [];
  for (let k = 1; k <= INSTANCES; k++) {
    const demandWh = DEMANDS[k % DEMANDS.length];
    const book = offers(k);
    const cpu = process.cpuUsage();
    const start = performance.now();
    const selection = selectOffers(request(demandWh), book);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const problem = problemOf(book, terms(demandWh), DEFAULT_WEIGHTS, MAX_PRICE);
    let best = { members: [], score: selection.score, sellers: selection.sellers };
    for (let s = 1; s <= LONG_RUNS; s++) {
      const long = geneticSelection(problem, {
        seed: 1000 + s,
        populationSize: 100,
        maxGenerations: 1000,
        stallGenerations: 150,
        timeBudgetMs: 1e9,
      });
      if (beats(long, best)) best = long;
    }
    runs.push({
      demandWh,
      ms,
      cpuMs,
      score: selection.score,
      best: best.score,
      offers: selection.fills.length,
      sellers: selection.sellers,
    });
  }
  return runs;
}

function predictionBench() {
  const history = syntheticHistory({ seed: 1, sellers: 60, intervals: 960, tradesPerInterval: 2 });
  const start = performance.now();
  const accuracy = heldOutAccuracy(history, 0.8);
  return { trades: history.length, ms: performance.now() - start, accuracy };
}

/** Adds the figures to `npm run bench`'s results and table. */
function agentBenchmarks(results, rows) {
  const runs = selectionBench();
  const ms = median(runs.map((r) => r.ms));
  const quality = Math.min(...runs.map((r) => r.score / r.best));
  const note = `${INSTANCES} instances of 1000 offers, 250 sellers, deficits ${DEMANDS.join('/')} Wh`;
  results.push({ scenario: 'agents', metric: 'selection1kMs', value: Number(ms.toFixed(1)), unit: 'ms' });
  rows.push({
    scenario: 'agents',
    metric: 'selection1kMs',
    value: ms.toFixed(1),
    unit: 'ms (median)',
    note: `${note}; slowest ${Math.max(...runs.map((r) => r.ms)).toFixed(1)} ms`,
  });
  results.push({ scenario: 'agents', metric: 'selectionQuality', value: Number(quality.toFixed(4)), unit: 'share' });
  rows.push({ scenario: 'agents', metric: 'selectionQuality', value: quality.toFixed(4), unit: 'share of best known (lowest)', note });
  const p = predictionBench();
  for (const a of p.accuracy) {
    const name = a.target === 'durationMs' ? 'Duration' : 'Quality';
    for (const [kind, value] of [
      ['Forest', a.forestMae],
      ['Mean', a.meanMae],
      ['Persistence', a.persistenceMae],
    ]) {
      const metric = `predict${name}Mae${kind}`;
      const unit = a.target === 'durationMs' ? 'ms' : 'ppm';
      results.push({ scenario: 'agents', metric, value: Math.round(value), unit });
      rows.push({
        scenario: 'agents',
        metric,
        value: String(Math.round(value)),
        unit: `${unit} MAE`,
        note: `${p.trades} synthetic trades, last 20 % held out`,
      });
    }
  }
  return { runs, prediction: p };
}

module.exports = { agentBenchmarks };

if (require.main === module) {
  const results = [];
  const rows = [];
  const { runs, prediction } = agentBenchmarks(results, rows);
  console.table(runs.map((r) => ({ ...r, ms: r.ms.toFixed(1), cpuMs: r.cpuMs.toFixed(1), share: (r.score / r.best).toFixed(4) })));
  console.log(`predictions trained and scored in ${prediction.ms.toFixed(0)} ms`);
  console.table(rows);
}
