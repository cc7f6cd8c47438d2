/**
 * The checks every simulation run on the real network must pass (66-simulation and
 * load/79-simulation-day): each home's readings on the ledger exactly as its meter measured
 * them and every interval settled, energy and credits adding up within the run's community, and
 * the report equal to the audit's recomputation and to the ledger's period figures.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatInstant, MIN_INTERVAL_SECONDS } from '@gridledger/core';
import { differences, recompute } from '@gridledger/simulation/dist/audit';
import { loadScenario } from '@gridledger/simulation/dist/scenario';
import { runScenario, type RunResult } from '@gridledger/simulation/dist/run';
import { utilityGainIn } from './market-support';
import { api, credentials, operatorKey, profile, uid } from './support';

/**
 * Runs `homes` homes of the sunny June scenario from `fromHour` for `intervals` hours, one simulated hour per ledger interval
 * of MIN_INTERVAL_SECONDS (the bench's pace), in a community of its own; prints the run's lines.
 */
export async function runJuneAtShortIntervals(homes: number, fromHour: number, intervals: number): Promise<RunResult> {
  const june = loadScenario(join(__dirname, '..', '..', 'simulation', 'scenarios', 'june-sunny.json'));
  const scenario = {
    ...june,
    homes,
    fromHour,
    hours: intervals,
    simulatedSecondsPerInterval: 3600,
    ledgerIntervalSeconds: MIN_INTERVAL_SECONDS,
  };
  const lines: string[] = [];
  const run = await runScenario({
    profile: profile(),
    credentials: credentials(),
    settleTimeoutSeconds: 300,
    scenario,
    outDir: mkdtempSync(join(tmpdir(), 'gl-sim-short-')),
    communityId: uid('simshort'),
    say: (line) => lines.push(line),
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  return run;
}

/** The run's ledger interval starts (epoch s). */
export const runStarts = (run: RunResult, intervals: number): number[] =>
  Array.from({ length: intervals }, (_, k) => run.scale.realStart + k * run.scale.realIntervalSeconds);

/** Declares the checks of a run of `homes` homes over `intervals` ledger intervals; `result` gives the run once beforeAll has made it. */
export function simulationRunChecks(result: () => RunResult, intervals: number, homes = 100): void {
  let run: RunResult;
  const starts = () => runStarts(run, intervals);
  beforeAll(() => {
    run = result();
  });

  it('every reading is on the ledger as the meter measured it, every interval cleared and settled', async () => {
    expect(run.homes).toHaveLength(homes);
    const from = formatInstant(starts()[0]);
    const to = formatInstant(starts()[intervals - 1]);
    for (const h of run.homes) {
      const res = await api('community', h.apiKey, 'GET', `/meters/${h.meterId}/readings?from=${from}&to=${to}`);
      expect(res.status).toBe(200);
      const stored = (res.body as unknown as { seq: number; importWh: number; exportWh: number }[]).map((r) => [
        r.seq,
        r.importWh,
        r.exportWh,
      ]);
      expect(stored).toEqual(run.flows.get(h.homeId)!.map((f, k) => [k + 1, f.importWh, f.exportWh]));
    }
    for (const start of starts()) {
      const interval = await api(
        'community',
        operatorKey(),
        'GET',
        `/markets/${run.report.run.communityId}/intervals/${formatInstant(start)}`,
      );
      expect(interval.body.status).toBe('settled');
    }
    expect(run.report.kpis.p2pVolumeWh).toBeGreaterThan(0);
  });

  it("energy adds up: the community's production and consumption are its homes' export and import", () => {
    for (const [k, row] of run.report.intervals.entries()) {
      const flows = run.homes.map((h) => run.flows.get(h.homeId)![k]);
      expect(row.productionWh).toBe(flows.reduce((s, f) => s + f.exportWh, 0));
      expect(row.consumptionWh).toBe(flows.reduce((s, f) => s + f.importWh, 0));
    }
    const settledNet = run.report.homes.reduce((s, h) => s + h.netWh, 0);
    const ordered = run.report.homes.filter((h) => h.settledIntervals > 0).length;
    // Most homes held an order (some have nothing to trade in an interval).
    expect(ordered).toBeGreaterThan(homes / 2);
    // Every home that held an order is settled on its metered net position.
    const metered = run.report.homes.reduce((s, h) => {
      const series = run.flows.get(h.homeId)!;
      return s + (h.settledIntervals === intervals ? series.reduce((t, f) => t + f.exportWh - f.importWh, 0) : 0);
    }, 0);
    const partial = run.report.homes
      .filter((h) => h.settledIntervals > 0 && h.settledIntervals < intervals)
      .reduce((s, h) => s + h.netWh, 0);
    expect(settledNet - partial).toBe(metered);
  });

  it('credits are conserved within the community: what the homes gained the utility lost, and the other way round', async () => {
    const homesGain = run.report.homes.reduce((s, h) => s + h.marketMicros, 0);
    const utilityGain = await utilityGainIn(run.report.run.communityId, starts().map(formatInstant));
    expect(homesGain + utilityGain).toBe(0);
  });

  it("the report's figures are the ledger's, as the audit recomputes them", async () => {
    const again = await recompute(run.report, profile().orgs.regulator.gateway.url, credentials().apiKeys.regulator.regulator);
    expect(differences({ kpis: run.report.kpis, intervals: run.report.intervals, homes: run.report.homes }, again)).toEqual([]);
    const period = await api(
      'regulator',
      credentials().apiKeys.regulator.regulator,
      'GET',
      `/markets/${run.report.run.communityId}/figures?from=${run.report.run.from}&to=${run.report.run.to}`,
    );
    expect(period.body.notSettled).toEqual([]);
    expect(run.report.kpis.selfSufficiency).toEqual(period.body.selfSufficiency);
    expect(run.report.kpis.importedFromUtilityWh).toBe(period.body.importedFromUtilityWh);
    const written = JSON.parse(
      readFileSync(
        run.files.find((f) => f.endsWith('report.json'))!,
        'utf8',
      ),
    );
    expect(written.kpis).toEqual(run.report.kpis);
  });
}
