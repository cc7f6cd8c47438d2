/**
 * The community simulation on the real network (simulation/src/run.ts): a short slice of the
 * sunny June scenario, 40 of its 100 homes for 2 ledger intervals of 60 s (2 simulated quarter hours
 * around noon), in a community of the run's own (all 100 homes for the whole day: the load test
 * load/79-simulation-day). Every home's signed reading is committed as its meter
 * measured it (relayed over MQTT by the head-end connection), every interval is cleared and
 * settled by a market scheduler for the community, credits and energy add up within the
 * community, each home's savings are measured against its own tariff (flat or time of use, at its
 * peak here), and the report's figures are those the audit recomputes from the ledger. At the same
 * time (so the file takes no longer), 12 homes of the short default scenario in a community of
 * their own for 2 intervals with `orders: "agents"`: each home's agent in the community's agent
 * process (agents/src/process) places its orders within its owner's mandate. The whole simulated
 * day belongs to the bench (test/bench/simulation.js).
 *
 * @metering-interval 60
 * @metering-late-window 30
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatInstant } from '@gridledger/core';
import { differences, recompute } from '@gridledger/simulation/dist/audit';
import { loadScenario } from '@gridledger/simulation/dist/scenario';
import { runScenario, type RunResult } from '@gridledger/simulation/dist/run';
import { useMeteringInterval } from './market-support';
import { simulationRunChecks, runStarts } from './simulation-support';
import { api, credentials, operatorKey, profile, uid } from './support';

useMeteringInterval(60, { lateWindowSeconds: 30 });

const INTERVALS = 2;
const HOMES = 40;
const AGENT_INTERVALS = 2;
let run: RunResult;
/** A second, small community beside it whose orders come from the homes' agents in the agent process. */
let agentRun: RunResult;

beforeAll(async () => {
  const june = loadScenario(join(__dirname, '..', '..', 'simulation', 'scenarios', 'june-sunny.json'));
  // Simulated 11:00-11:30 UTC: most PV homes export, the others import. The time-of-use homes' peak is moved onto these hours.
  const homeTariffs = june.homeTariffs.map((t) => (t.peak === undefined ? t : { ...t, peak: { ...t.peak, fromHour: 11, toHour: 12 } }));
  const scenario = { ...june, homes: HOMES, fromHour: 11, hours: 1, homeTariffs };
  const short = loadScenario(join(__dirname, '..', '..', 'simulation', 'scenarios', 'short-default.json'));
  const agentScenario = { ...short, homes: 12, fromHour: 11, homeTariffs, orders: 'agents' as const };
  const lines: string[] = [];
  const common = { profile: profile(), credentials: credentials(), settleTimeoutSeconds: 480 };
  [run, agentRun] = await Promise.all([
    runScenario({
      ...common,
      scenario,
      outDir: mkdtempSync(join(tmpdir(), 'gl-sim-')),
      communityId: uid('sim'),
      intervals: INTERVALS,
      say: (line) => lines.push(line),
    }),
    runScenario({
      ...common,
      scenario: agentScenario,
      outDir: mkdtempSync(join(tmpdir(), 'gl-sim-agents-')),
      communityId: uid('simag'),
      intervals: AGENT_INTERVALS,
      say: (line) => lines.push(`agents: ${line}`),
    }),
  ]);
  process.stdout.write(`${lines.join('\n')}\n`);
}, 900_000);

const starts = () => runStarts(run, INTERVALS);

simulationRunChecks(() => run, INTERVALS, HOMES);

it("each home's savings are against its own tariff: the ledger's settled nets at the flat or the time-of-use (peak) prices", async () => {
  const tariffs = new Map(run.report.run.tariffs.map((t) => [t.name, t]));
  expect([...new Set(run.report.homes.map((h) => h.tariff))].sort()).toEqual(['flat', 'time-of-use']);
  const expected = new Map(run.report.homes.map((h) => [h.participantId, 0]));
  for (const start of starts()) {
    const settlement = await api(
      'community',
      operatorKey(),
      'GET',
      `/markets/${run.report.run.communityId}/intervals/${formatInstant(start)}/settlement`,
    );
    for (const p of settlement.body.participants as { participantId: string; netWh: number }[]) {
      const t = tariffs.get(run.report.homes.find((h) => h.participantId === p.participantId)!.tariff)!;
      // Every interval is simulated 11:xx: the time-of-use homes import at their peak price.
      const importPrice = t.peak?.retailMicrosPerKwh ?? t.retailMicrosPerKwh;
      const atTariff = p.netWh >= 0 ? Math.floor((p.netWh * t.feedInMicrosPerKwh) / 1000) : -Math.ceil((-p.netWh * importPrice) / 1000);
      expected.set(p.participantId, expected.get(p.participantId)! + atTariff);
    }
  }
  for (const h of run.report.homes) {
    expect([h.participantId, h.tariffMicros]).toEqual([h.participantId, expected.get(h.participantId)]);
    expect(h.savingsMicros).toBe(h.marketMicros - h.tariffMicros);
  }
  const byTariff = run.report.kpis.savingsByTariff;
  expect(byTariff.map((t) => t.tariff)).toEqual(['flat', 'time-of-use']);
  expect(byTariff.reduce((s, t) => s + t.savingsMicros, 0)).toBe(run.report.kpis.totalSavingsMicros);
  const csv = readFileSync(
    run.files.find((f) => f.endsWith('homes.csv'))!,
    'utf8',
  );
  expect(csv.split('\n')[0]).toContain(',tariff,');
});

it("the agents' community: its orders are the agents' bids within their owners' mandates, settled, and the audit agrees", async () => {
  const events = agentRun.agentEvents!;
  const c = agentRun.report.run.communityId;
  expect(agentRun.report.run.orders).toBe('agents');
  const tariffs = new Map(agentRun.report.run.tariffs.map((t) => [t.name, t]));
  const tariffOf = new Map(agentRun.report.homes.map((h) => [h.participantId, tariffs.get(h.tariff)!]));
  const bids = events.filter((e) => e.event === 'bid');
  let fills = 0;
  for (let k = 0; k < AGENT_INTERVALS; k++) {
    const start = formatInstant(agentRun.scale.realStart + k * agentRun.scale.realIntervalSeconds);
    // Every home that expected to import or export had its agent act: a bid into the auction, or all of it traded bilaterally.
    const acted = new Set(
      events
        .filter((e) => (e.event === 'bid' || e.event === 'settled-bilaterally') && e.intervalStart === start)
        .map((e) => e.participantId),
    );
    const expecting = agentRun.homes.filter((h) => {
      const f = agentRun.flows.get(h.homeId)![k];
      return f.expectedExportWh !== f.expectedImportWh;
    });
    expect([...acted].sort()).toEqual(expecting.map((h) => h.participantId).sort());
    // Every order the auction filled is one of those bids, priced within the home's own tariff (its mandate).
    const clearing = await api('community', operatorKey(), 'GET', `/markets/${c}/intervals/${start}/clearing`);
    for (const f of clearing.body.fills as { participantId: string; side: string; energyWh: number }[]) {
      const bid = bids.find((b) => b.participantId === f.participantId && b.intervalStart === start)!;
      expect([f.participantId, bid?.side, bid?.energyWh]).toEqual([f.participantId, f.side, f.energyWh]);
      const t = tariffOf.get(f.participantId)!;
      if (f.side === 'sell') expect(bid.priceMicrosPerKwh).toBeGreaterThanOrEqual(t.feedInMicrosPerKwh);
      else expect(bid.priceMicrosPerKwh).toBeLessThanOrEqual(Math.max(t.retailMicrosPerKwh, t.peak?.retailMicrosPerKwh ?? 0));
      fills++;
    }
  }
  expect(fills).toBeGreaterThan(0);
  const count = (event: string) => events.filter((e) => e.event === event).length;
  process.stdout.write(
    `agents: ${count('offered')} offers, ${count('trade')} bilateral trades, ${count('bid')} bids, ${fills} auction fills, ` +
      `${count('error')} errors\n`,
  );
  const again = await recompute(agentRun.report, profile().orgs.regulator.gateway.url, credentials().apiKeys.regulator.regulator);
  expect(differences({ kpis: agentRun.report.kpis, intervals: agentRun.report.intervals, homes: agentRun.report.homes }, again)).toEqual(
    [],
  );
});
