/**
 * flex.baselineRrmse*: how well each baseline method (core/src/flex/baseline.ts) predicts what the
 * simulator's homes import on days without an event (docs/flexibility.md, "Accuracy"). For every
 * day of a summer and a winter period and every home of a seeded simulated community, each method
 * computes the baseline of an evening event window from the like days before it (with the default
 * same-day adjustment); the relative RMSE (RMSE over the mean import) is taken over every home, day
 * and interval, and over the community's sum (a portfolio, what an aggregator offers and what
 * PJM's 20 % certification threshold is usually applied to). Pure: no network.
 * `node test/bench/flex.js` prints the table; `npm run bench` records the figures.
 */
const { simulatedHomes, homeEnergy } = require('@gridledger/device-bridge');
const {
  baselineIntervals,
  BASELINE_METHODS,
  computeBaseline,
  DEFAULT_BASELINE_SPEC,
  dayTypeOf,
  likeDayOffsets,
  relativeRmse,
} = require('@gridledger/core/flex');

const INTERVAL = 900;
const DAY = 86_400;
const HOMES = 30;
/** Event window 17:00-19:00 UTC (8 intervals), every day of each period. */
const PERIODS = [
  { name: 'summer', first: Date.parse('2026-07-01T17:00:00Z') / 1000, days: 31 },
  { name: 'winter', first: Date.parse('2026-01-05T17:00:00Z') / 1000, days: 31 },
];
const WINDOW = 8;

function importOf(cache, home, start) {
  const key = `${home.homeId}|${start}`;
  let wh = cache.get(key);
  if (wh === undefined) {
    const { loadWh, pvWh } = homeEnergy(home, start);
    wh = Math.max(0, loadWh - pvWh);
    cache.set(key, wh);
  }
  return wh;
}

/** The predicted and actual Wh of one series (a home, or the sum of all) over every day of the periods. */
function pairsOf(series, method) {
  const spec = { ...DEFAULT_BASELINE_SPEC, method, holidays: [] };
  const pairs = [];
  for (const period of PERIODS) {
    for (let d = 0; d < period.days; d++) {
      const start = period.first + d * DAY;
      const event = Array.from({ length: WINDOW }, (_, k) => start + k * INTERVAL);
      const dayType = dayTypeOf(start, spec.holidays);
      const eligible = likeDayOffsets(start, spec)
        .slice(0, BASELINE_METHODS[method].likeDays(dayType))
        .map((back) => {
          const at = baselineIntervals(event, INTERVAL, spec, back);
          return { day: String(back), eventWh: at.event.map(series), adjustmentWh: at.adjustment.map(series) };
        });
      const today = baselineIntervals(event, INTERVAL, spec, 0).adjustment.map(series);
      const { baselineWh } = computeBaseline(spec, dayType, eligible, today, WINDOW);
      event.forEach((s, k) => pairs.push({ predicted: baselineWh[k], actual: series(s) }));
    }
  }
  return pairs;
}

function baselineAccuracy() {
  const homes = simulatedHomes(HOMES, 1);
  const cache = new Map();
  const out = [];
  for (const method of Object.keys(BASELINE_METHODS)) {
    const perHome = homes.flatMap((home) => pairsOf((s) => importOf(cache, home, s), method));
    const portfolio = pairsOf((s) => homes.reduce((sum, home) => sum + importOf(cache, home, s), 0), method);
    out.push({ method, homesPct: 100 * relativeRmse(perHome), portfolioPct: 100 * relativeRmse(portfolio), points: perHome.length });
  }
  return out;
}

const METRIC = { 'pge-residential': 'Pge', 'average-10-of-10': 'Avg10of10' };

/** Adds the figures to `npm run bench`'s results and table. */
function flexBenchmarks(results, rows) {
  for (const r of baselineAccuracy()) {
    for (const [kind, value] of [
      ['Homes', r.homesPct],
      ['Portfolio', r.portfolioPct],
    ]) {
      const metric = `baselineRrmse${METRIC[r.method]}${kind}Pct`;
      results.push({ scenario: 'flex', metric, value: Number(value.toFixed(1)), unit: '%' });
      rows.push({
        scenario: 'flex',
        metric,
        value: value.toFixed(1),
        unit: '% relative RMSE',
        note: `${r.method}, ${kind === 'Homes' ? `each of ${HOMES} simulated homes` : `the sum of ${HOMES} homes`}, 17-19 UTC, 62 days`,
      });
    }
  }
}

module.exports = { flexBenchmarks, baselineAccuracy };

if (require.main === module) console.table(baselineAccuracy());
