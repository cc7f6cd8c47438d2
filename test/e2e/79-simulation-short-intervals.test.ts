/**
 * The simulated day's pace on the real network: 30 homes of the sunny June scenario (the bench's
 * day runs all 100; fewer here keep the suite short, the pipeline is the same) at one
 * simulated hour per ledger interval of 20 s (MIN_INTERVAL_SECONDS, the bench's whole day runs
 * 24 of them), for 4 intervals around noon. The ledger's metering interval is 20 s with a late
 * window of 10 s and the community's market has 20 s intervals: the orders go in three intervals
 * ahead, the readings one second after each end, and the run's scheduler closes, clears and settles
 * every interval. The checks are 66-simulation's (simulation-support.ts): every reading on the
 * ledger as measured (none too late for its window), every interval settled, energy and credits
 * adding up, the report equal to the audit's. How long it took is the bench's, not asserted here.
 *
 * @metering-interval 20
 * @metering-late-window 10
 */
import { MIN_INTERVAL_SECONDS } from '@gridledger/core';
import type { RunResult } from '@gridledger/simulation/dist/run';
import { useMeteringInterval } from './market-support';
import { runJuneAtShortIntervals, simulationRunChecks } from './simulation-support';
import { api, operatorKey } from './support';

useMeteringInterval(MIN_INTERVAL_SECONDS, { lateWindowSeconds: 10 });

const INTERVALS = 4;
const HOMES = 30;
let run: RunResult;

beforeAll(async () => {
  run = await runJuneAtShortIntervals(HOMES, 10, INTERVALS);
}, 900_000);

it("runs on the ledger's shortest interval: 20 s market intervals, a gate of 10 s, 180x real time", async () => {
  expect(run.report.run).toMatchObject({ ledgerIntervalSeconds: 20, simulatedSecondsPerInterval: 3600, speed: 180 });
  expect(run.report.intervals).toHaveLength(INTERVALS);
  const market = await api('community', operatorKey(), 'GET', `/markets/${run.report.run.communityId}/params`);
  expect(market.body.params).toMatchObject({ intervalSeconds: 20, gateClosureSeconds: 10 });
  // Every interval cleared after its gate and settled after its end and late window, in order.
  for (const [k, row] of run.report.intervals.entries()) {
    const start = run.scale.realStart + k * 20;
    const interval = await api('community', operatorKey(), 'GET', `/markets/${run.report.run.communityId}/intervals/${row.intervalStart}`);
    expect(interval.body.status).toBe('settled');
    expect(Date.parse(String(interval.body.clearedAt)) / 1000).toBeGreaterThanOrEqual(start - 10);
    expect(Date.parse(String(interval.body.settledAt)) / 1000).toBeGreaterThanOrEqual(start + 20 + 10);
  }
});

simulationRunChecks(() => run, INTERVALS, HOMES);
