/**
 * Runs the Caliper rounds of benchmarks/noop.yaml against a running platform and returns Caliper's
 * own summary per round. Plain Node (no Caliper import), used by test/bench/ledger.js:
 *  - installs this folder's pinned dependencies (`npm ci --prefix test/bench/caliper`) when
 *    node_modules is missing;
 *  - writes the network configuration from the platform's profile (network-config.js);
 *  - runs `npx caliper launch manager` here and reads its "All test results" table from the output.
 * The peer-gateway binding (fabric:fabric-gateway) is the two packages `caliper bind` would install,
 * pinned in package.json, so no bind step runs at launch time.
 */
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { writeCaliperNetwork } = require('./network-config');

const here = __dirname;

function run(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => resolve({ code: -1, output: `${output}${e.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const lastLines = (text, n) => text.trim().split('\n').slice(-n).join('\n');

/** Installs the pinned Caliper packages unless present; throws with npm's last lines on failure. */
async function ensureInstalled(log = (m) => process.stdout.write(`${m}\n`)) {
  if (existsSync(join(here, 'node_modules', '@hyperledger', 'caliper-cli'))) return;
  log(`Caliper is not installed: npm ci --prefix ${here} (one time, about two minutes)`);
  const { code, output } = await run('npm', ['ci', '--prefix', here, '--no-audit', '--no-fund'], { cwd: here });
  if (code !== 0) {
    const errors = output.split('\n').filter((l) => /^npm error \S/.test(l) && !/^npm error\s+at /.test(l));
    throw new Error(
      `npm ci --prefix ${here} failed (exit ${code}): ${errors.length ? errors.slice(0, 4).join('\n') : lastLines(output, 5)}`,
    );
  }
}

/** The rows of Caliper's last result table ("All test results"), by round name. */
function parseSummary(output) {
  // eslint-disable-next-line no-control-regex
  const text = output.replace(/\u001b\[[0-9;]*m/g, '');
  const at = text.lastIndexOf('### All test results ###');
  if (at < 0) throw new Error(`Caliper printed no result table: ${lastLines(text, 5)}`);
  const lines = text
    .slice(at)
    .split('\n')
    .filter((l) => l.startsWith('|'));
  const cells = (l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines[0]);
  const column = (name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`Caliper's table has no column "${name}": ${header.join(', ')}`);
    return i;
  };
  const cols = {
    succ: column('Succ'),
    fail: column('Fail'),
    sendTps: column('Send Rate (TPS)'),
    maxLatencyS: column('Max Latency (s)'),
    minLatencyS: column('Min Latency (s)'),
    avgLatencyS: column('Avg Latency (s)'),
    throughputTps: column('Throughput (TPS)'),
  };
  const rounds = {};
  for (const line of lines.slice(1)) {
    const row = cells(line);
    if (row[0].startsWith('-')) continue; // separator
    rounds[row[0]] = Object.fromEntries(Object.entries(cols).map(([k, i]) => [k, Number(row[i])]));
  }
  return rounds;
}

/**
 * Runs the rounds against the platform; workDir receives the generated network configuration,
 * resultsDir Caliper's full output (caliper.log) and its HTML report.
 */
async function runCaliper(profile, workDir, resultsDir, log = (m) => process.stdout.write(`${m}\n`)) {
  await ensureInstalled(log);
  const { networkConfigPath } = writeCaliperNetwork(profile, workDir);
  mkdirSync(resultsDir, { recursive: true });
  const args = [
    '--no',
    'caliper',
    'launch',
    'manager',
    '--caliper-workspace',
    here,
    '--caliper-networkconfig',
    networkConfigPath,
    '--caliper-benchconfig',
    join(here, 'benchmarks', 'noop.yaml'),
    '--caliper-flow-only-test',
    '--caliper-report-path',
    join(resultsDir, 'caliper-report.html'),
  ];
  log(`Caliper: npx ${args.join(' ')}`);
  const { code, output } = await run('npx', args, { cwd: here, env: { ...process.env, FORCE_COLOR: '0' } });
  writeFileSync(join(resultsDir, 'caliper.log'), output);
  if (code !== 0) throw new Error(`caliper launch manager exited with ${code}: ${lastLines(output, 5)}`);
  return parseSummary(output);
}

module.exports = { ensureInstalled, runCaliper, parseSummary };
