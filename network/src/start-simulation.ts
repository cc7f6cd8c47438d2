/**
 * What `npm start` adds to the demo market: the short default scenario of the community simulation
 * (simulation/scenarios/short-default.json, 20 homes for four simulated quarter hours in minutes,
 * a community of its own), run once beside the demo, its lines prefixed `simulation:`, ending with
 * the path of its report. The simulation workspace depends on this one, so it is loaded from its
 * build at run time, not imported.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Credentials } from './platform';
import type { NetworkProfile } from './profile';
import { REPO_ROOT } from './up';

const load = createRequire(__filename);

interface SimulationModules {
  run: {
    runScenario(o: Record<string, unknown>): Promise<{ files: string[]; report: { kpis: { p2pVolumeWh: number } } }>;
  };
  scenario: { loadScenario(path: string): unknown };
}

export const START_SCENARIO = 'short-default';

/** Runs the default scenario; resolves with its report page, or with undefined after saying why it did not run. */
export async function startSimulation(
  profile: NetworkProfile,
  credentials: Credentials,
  say: (line: string) => void,
): Promise<string | undefined> {
  const dist = join(REPO_ROOT, 'simulation', 'dist');
  const modules: SimulationModules = { run: load(join(dist, 'run.js')), scenario: load(join(dist, 'scenario.js')) };
  const scenario = modules.scenario.loadScenario(join(REPO_ROOT, 'simulation', 'scenarios', `${START_SCENARIO}.json`));
  const communityId = `sim-start-${Math.floor(Date.now() / 1000).toString(36)}`;
  const outDir = join(profile.stateDir, 'simulations', communityId);
  try {
    const run = await modules.run.runScenario({
      scenario,
      profile,
      credentials,
      outDir,
      communityId,
      say: (l: string) => say(`simulation:${l}`),
    });
    const page = run.files.find((f) => f.endsWith('index.html'))!;
    say(`simulation: ${run.report.kpis.p2pVolumeWh} Wh traded peer to peer; the report: ${page}`);
    return page;
  } catch (e) {
    say(`simulation: not finished: ${(e as Error).message}`);
    return undefined;
  }
}
