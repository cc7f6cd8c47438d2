/**
 * Simulation benchmark (docs/simulation.md), on the platform ledger.js started: a scenario's day for
 * its 100 homes through `runScenario` (simulation/src/run.ts): onboarding, orders, signed readings
 * over MQTT, clearing and settlement by a scheduler for the run's community, and the report.
 *  - simulation.day100HomesSeconds: wall time from the start of the run to its report, for
 *    GRIDLEDGER_BENCH_SIMULATION_SCENARIO (june-sunny) with GRIDLEDGER_BENCH_SIMULATION_STEP
 *    (3600) simulated seconds per ledger interval of GRIDLEDGER_BENCH_SIMULATION_LEDGER_SECONDS
 *    (20 s, the ledger's shortest, MIN_INTERVAL_SECONDS; 60 as the scenario files): a day is
 *    86,400 / STEP intervals, so hours take 24 × 20 s = 8 minutes of intervals, quarter hours 32;
 *    GRIDLEDGER_BENCH_SIMULATION_HOURS (24) shortens the day, and the metric then names the hours.
 *    The run sets the channel's metering interval to the ledger interval: nothing else that
 *    meters may run on the platform at the same time.
 *  - simulation.tradesPerSec: the run's trades (the clearings' tradeCount) over its wall time.
 */
const { join } = require('node:path');
const { loadScenario, withTimeScale } = require('@gridledger/simulation/dist/scenario');
const { runScenario } = require('@gridledger/simulation/dist/run');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');

async function simulationBenchmarks(profile, credentials, results, rows) {
  const name = process.env.GRIDLEDGER_BENCH_SIMULATION_SCENARIO ?? 'june-sunny';
  const step = Number(process.env.GRIDLEDGER_BENCH_SIMULATION_STEP ?? 3600);
  const hours = Number(process.env.GRIDLEDGER_BENCH_SIMULATION_HOURS ?? 24);
  const ledgerSeconds = Number(process.env.GRIDLEDGER_BENCH_SIMULATION_LEDGER_SECONDS ?? 20);
  const base = loadScenario(join(__dirname, '..', '..', 'simulation', 'scenarios', `${name}.json`));
  const fromHour = hours >= 24 ? 0 : Math.max(0, 12 - Math.floor(hours / 2));
  const scaled = withTimeScale(base, { simulatedSecondsPerInterval: step, ledgerIntervalSeconds: ledgerSeconds }, 'the bench variables');
  const scenario = { ...scaled, fromHour, hours };
  const outDir = mkdtempSync(join(tmpdir(), 'gl-bench-sim-'));
  const started = Date.now();
  const run = await runScenario({ scenario, profile, credentials, outDir, say: () => undefined, settleTimeoutSeconds: 900 });
  const seconds = (Date.now() - started) / 1000;
  const trades = run.report.intervals.reduce((s, i) => s + i.tradeCount, 0);
  const what = `${scenario.homes} homes, ${name} ${String(fromHour).padStart(2, '0')}:00 + ${hours} h, ${run.report.intervals.length} intervals`;
  const metric = hours >= 24 ? 'day100HomesSeconds' : `hours${hours}100HomesSeconds`;
  results.push({ scenario: 'simulation', metric, value: Math.round(seconds), unit: 's' });
  rows.push({
    scenario: 'simulation',
    metric,
    value: seconds.toFixed(0),
    unit: 's',
    note:
      `${what} of ${step} simulated s in ${ledgerSeconds} s (target < 900 s for a day); ` +
      `phases (s) ${JSON.stringify(run.report.run.phases)}; report ${outDir}`,
  });
  const tps = trades / seconds;
  results.push({ scenario: 'simulation', metric: 'tradesPerSec', value: Number(tps.toFixed(2)), unit: 'trades/s' });
  rows.push({ scenario: 'simulation', metric: 'tradesPerSec', value: tps.toFixed(2), unit: '/s', note: `${trades} trades in ${what}` });
}

module.exports = { simulationBenchmarks };
