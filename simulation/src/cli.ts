#!/usr/bin/env node
/**
 * npm run simulate -- <scenario> [--state DIR] [--offset N] [--out DIR] [--intervals N] [--ledger-interval S] [--step S]
 *
 * Runs a scenario (a name from simulation/scenarios, or a path to a scenario file) on the platform
 * in the state directory, starting it first when it is not up, and writes the report into `--out`
 * (default <state>/simulations/<community>). One line per interval published and settled, then
 * the figures and where the report is.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProfile, PROCESS_VARIABLES, profilePath, readConfig } from '@gridledger/network';
import { loadCredentials, upPlatform } from '@gridledger/network/dist/platform';
import { kpiLines } from './report-files';
import { runScenario } from './run';
import { loadScenario, withTimeScale } from './scenario';

const SCENARIOS = join(__dirname, '..', 'scenarios');
const USAGE = `usage: npm run simulate -- <scenario> [--state DIR] [--offset N] [--out DIR] [--intervals N] [--ledger-interval S] [--step S]
  scenario       a name in simulation/scenarios (june-sunny, november-cloudy, evening-ev-peak, short-default) or a file
  --state DIR    the platform's state directory (default .gridledger): a running platform is used, else one is started
  --out DIR      where the report goes (default <state>/simulations/<community of the run>)
  --intervals N  only the first N intervals of the scenario
  --ledger-interval S  the ledger's interval in seconds (default the scenario's, 60; down to 20: a day of hours in 8 minutes
                 of intervals; it sets the whole channel's metering interval, so not beside npm start's demo)
  --step S       simulated seconds per ledger interval (default the scenario's, 900; 3600 for hours)`;

async function main(argv: string[]): Promise<void> {
  const config = readConfig(PROCESS_VARIABLES.network);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      state: { type: 'string' },
      offset: { type: 'string' },
      out: { type: 'string' },
      intervals: { type: 'string' },
      'ledger-interval': { type: 'string' },
      step: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const name = positionals[0];
  const asNumber = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const scenario = withTimeScale(loadScenario(name.endsWith('.json') ? resolve(name) : join(SCENARIOS, `${name}.json`)), {
    ledgerIntervalSeconds: asNumber(values['ledger-interval']),
    simulatedSecondsPerInterval: asNumber(values.step),
  });
  const stateDir = resolve(values.state ?? config.GRIDLEDGER_STATE ?? '.gridledger');
  if (!existsSync(profilePath(stateDir))) {
    const offset = values.offset === undefined ? config.GRIDLEDGER_PORT_OFFSET : Number(values.offset);
    await upPlatform({ stateDir, offset, consensus: 'raft', homes: 5 });
  }
  const profile = loadProfile(stateDir);
  const communityId = `sim-${scenario.name}-${Math.floor(Date.now() / 1000).toString(36)}`;
  const outDir = resolve(values.out ?? join(stateDir, 'simulations', communityId));
  const intervals = values.intervals === undefined ? undefined : Number(values.intervals);
  const result = await runScenario({ scenario, profile, credentials: loadCredentials(stateDir), outDir, communityId, intervals });
  process.stdout.write(
    `\n${kpiLines(result.report)
      .map(([label, value]) => `  ${label}: ${value}`)
      .join('\n')}\n`,
  );
  process.stdout.write(`\nreport: ${join(outDir, 'index.html')}\naudit:  npm run audit -- simulation ${outDir} --state ${stateDir}\n`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`simulate: ${e.message}\n`);
    process.exit(1);
  },
);
