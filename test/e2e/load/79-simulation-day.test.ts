/**
 * A whole simulated day of 100 homes on the real network (issue 25's test): the sunny June scenario
 * from midnight, 24 hours at one simulated hour per 20 s ledger interval (the bench's pace,
 * docs/simulation.md "Accelerated time"), then 66-simulation's checks on all of it
 * (simulation-support.ts): every reading of every home on the ledger as its meter measured it, every
 * interval cleared and settled, energy and credits adding up within the community, the report equal
 * to the audit's recomputation and to the ledger's period figures.
 *
 * The market's 20 s intervals with their 10 s gate, each cleared after its gate and settled after its
 * end and late window. About ten minutes, so it is a load test that `npm run bench` runs
 * (test/bench/load.js), not part of `npm test` (which keeps the chaincode's unit tests of 20 s
 * intervals): `GRIDLEDGER_LOAD_TESTS=1 npx jest test/e2e/load/79-simulation-day.test.ts --selectProjects e2e`.
 * How long the day took is the bench's figure (simulation.day100HomesSeconds), not asserted here.
 *
 * @metering-interval 20
 * @metering-late-window 10
 */
import { MIN_INTERVAL_SECONDS } from '@gridledger/core';
import type { RunResult } from '@gridledger/simulation/dist/run';
import { useMeteringInterval } from '../market-support';
import { runJuneAtShortIntervals, simulationRunChecks } from '../simulation-support';
import { api, operatorKey } from '../support';

useMeteringInterval(MIN_INTERVAL_SECONDS, { lateWindowSeconds: 10 });

const HOURS = 24;
const HOMES = 100;
let run: RunResult;

beforeAll(async () => {
  run = await runJuneAtShortIntervals(HOMES, 0, HOURS);
}, 1_800_000);

it("ran the whole day on the ledger's shortest interval: 20 s market intervals, a gate of 10 s, 180x real time", async () => {
  expect(run.report.run).toMatchObject({ ledgerIntervalSeconds: MIN_INTERVAL_SECONDS, simulatedSecondsPerInterval: 3600, speed: 180 });
  expect(run.report.intervals).toHaveLength(HOURS);
  expect(run.homes).toHaveLength(HOMES);
  const community = run.report.run.communityId;
  const market = await api('community', operatorKey(), 'GET', `/markets/${community}/params`);
  expect(market.body.params).toMatchObject({ intervalSeconds: 20, gateClosureSeconds: 10 });
  // Every interval cleared after its gate and settled after its end and late window, in order.
  for (const [k, row] of run.report.intervals.entries()) {
    const start = run.scale.realStart + k * 20;
    const interval = await api('community', operatorKey(), 'GET', `/markets/${community}/intervals/${row.intervalStart}`);
    expect(interval.body.status).toBe('settled');
    expect(Date.parse(String(interval.body.clearedAt)) / 1000).toBeGreaterThanOrEqual(start - 10);
    expect(Date.parse(String(interval.body.settledAt)) / 1000).toBeGreaterThanOrEqual(start + 20 + 10);
  }
});

simulationRunChecks(() => run, HOURS, HOMES);
