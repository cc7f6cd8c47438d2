/**
 * A whole simulated day of 100 homes on the real network (issue 25's test): the sunny June scenario
 * from midnight, 24 hours at one simulated hour per 20 s ledger interval (the bench's pace,
 * docs/simulation.md "Accelerated time"), then 66-simulation's checks on all of it
 * (simulation-support.ts): every reading of every home on the ledger as its meter measured it, every
 * interval cleared and settled, energy and credits adding up within the community, the report equal
 * to the audit's recomputation and to the ledger's period figures.
 *
 * About ten minutes, so it is a load test that `npm run bench` runs (test/bench/load.js), not part
 * of `npm test`: `GRIDLEDGER_LOAD_TESTS=1 npx jest test/e2e/load/79-simulation-day.test.ts --selectProjects e2e`.
 * How long the day took is the bench's figure (simulation.day100HomesSeconds), not asserted here.
 *
 * @metering-interval 20
 * @metering-late-window 10
 */
import { MIN_INTERVAL_SECONDS } from '@gridledger/core';
import type { RunResult } from '@gridledger/simulation/dist/run';
import { useMeteringInterval } from '../market-support';
import { runJuneAtShortIntervals, simulationRunChecks } from '../simulation-support';

useMeteringInterval(MIN_INTERVAL_SECONDS, { lateWindowSeconds: 10 });

const HOURS = 24;
const HOMES = 100;
let run: RunResult;

beforeAll(async () => {
  run = await runJuneAtShortIntervals(HOMES, 0, HOURS);
}, 1_800_000);

it('ran the whole day: 24 hourly intervals from midnight, 100 homes', () => {
  expect(run.report.intervals).toHaveLength(HOURS);
  expect(run.report.run).toMatchObject({ ledgerIntervalSeconds: MIN_INTERVAL_SECONDS, simulatedSecondsPerInterval: 3600 });
  expect(run.homes).toHaveLength(HOMES);
});

simulationRunChecks(() => run, HOURS, HOMES);
