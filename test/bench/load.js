/**
 * market.loadTestSeconds: the load tests (test/e2e/load/, left out of `npm test` to keep the suite
 * under 30 minutes; the P2P-sold hour waits for the present hour to end) run by jest on a platform of their own, started by the e2e global setup after
 * the other scenarios have stopped theirs. A failing assertion fails the bench.
 * GRIDLEDGER_BENCH_LOAD=0 skips them.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

function loadTests(results, rows) {
  if (process.env.GRIDLEDGER_BENCH_LOAD === '0') return;
  const root = join(__dirname, '..', '..');
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), 'test/e2e/load', '--selectProjects', 'e2e'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, GRIDLEDGER_LOAD_TESTS: '1' },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`the load tests failed (jest exit ${run.status ?? run.signal})`);
  results.push({ scenario: 'market', metric: 'loadTestSeconds', value: Number(seconds.toFixed(1)), unit: 's' });
  rows.push({
    scenario: 'market',
    metric: 'loadTestSeconds',
    value: seconds.toFixed(1),
    unit: 's',
    note:
      'test/e2e/load: 1,000 concurrent orders, two schedulers, clearing = pure module, credits conserved; ' +
      'a P2P-sold hour certified as its export less the Wh sold; a month of certificates audited after every step (passed)',
  });
}

module.exports = { loadTests };
