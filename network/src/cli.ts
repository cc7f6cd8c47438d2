#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROCESS_VARIABLES, readConfig } from './config';
import { formatInstant } from '@gridledger/core';
import { DemoMarket, demoShiftSeconds, setUpDemoMarket, simulatorModel } from './demo';
import { DEMO_METERING_PARAMS, worthSaying } from './demo-plan';
import { summary, upPlatform } from './platform';
import { runningPid, serviceEnv, startProcess } from './proc';
import { COMMUNITY_ID, down, REPO_ROOT, upNetwork } from './up';
import { START_SCENARIO, startSimulation } from './start-simulation';

const USAGE = `usage: node network/dist/cli.js <command> [options]
  start [--verbose]  up, the demo market and the meter simulator; a line per interval (--verbose: every log); Ctrl-C stops all
  up                 the whole platform, detached: network, broker, gateways, demo community, bridge
  up --network-only  the Fabric network alone (CAs, orderers, peers, channel, chaincode)
  down [--purge]     stop exactly what up started; --purge also deletes the ledger and all state
options: --state DIR (default .gridledger; GRIDLEDGER_STATE)  --offset N (ports + N; GRIDLEDGER_PORT_OFFSET)
         --bft (4 SmartBFT orderers instead of 3 Raft)  --homes N (demo homes, default 5)  --speed N (simulator)
         --netns links|direct (each organization's nodes in a network namespace of its own, as root; GRIDLEDGER_NETNS;
           links: through Toxiproxy, docs/consortium.md)`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // Every GRIDLEDGER_* variable reaches the processes up starts: a wrong one stops here, named.
  const config = readConfig(PROCESS_VARIABLES.network);
  // strict: an unknown option, or an option whose value is missing (`--state --purge`), is refused.
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      state: { type: 'string' },
      offset: { type: 'string' },
      bft: { type: 'boolean' },
      'network-only': { type: 'boolean' },
      purge: { type: 'boolean' },
      homes: { type: 'string' },
      speed: { type: 'string' },
      verbose: { type: 'boolean' },
      netns: { type: 'string' },
    },
  });
  const integer = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    if (!/^\d{1,5}$/.test(text)) throw new Error(`--${name} must be a whole number, not ${JSON.stringify(text)}`);
    return Number(text);
  };
  const stateDir = resolve(values.state ?? config.GRIDLEDGER_STATE ?? join(REPO_ROOT, '.gridledger'));
  const offset = values.offset === undefined ? config.GRIDLEDGER_PORT_OFFSET : integer('offset', values.offset, 0);
  const options = {
    stateDir,
    offset,
    consensus: values.bft ? ('bft' as const) : ('raft' as const),
    homes: integer('homes', values.homes, 5),
    ...netnsOption(values.netns ?? config.GRIDLEDGER_NETNS),
  };
  switch (command) {
    case 'up':
      if (values['network-only']) await upNetwork(options);
      else process.stdout.write(`${summary(await upPlatform(options))}\n`);
      return;
    case 'down':
      await down(stateDir, { purge: values.purge === true });
      return;
    case 'start':
      return start(options, String(integer('speed', values.speed, 60)), values.verbose === true);
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exit(command === 'help' || command === '--help' ? 0 : 2);
  }
}

function netnsOption(value: string | undefined): { netns?: 'links' | 'direct' } {
  if (value === undefined) return {};
  if (value !== 'links' && value !== 'direct') throw new Error(`--netns must be links or direct, not ${JSON.stringify(value)}`);
  return { netns: value };
}

/**
 * `npm start`: everything up, the demo market set up (parameters, credits), the simulator
 * publishing and the demo homes trading; one line per interval cleared and settled (every
 * process's own log stays in <state>/logs; --verbose follows them). Ctrl-C stops it all.
 */
type StartOptions = Parameters<typeof upPlatform>[0];

async function start(options: StartOptions, speed: string, verbose: boolean): Promise<void> {
  const logs = join(options.stateDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const startLog = join(logs, 'start.log');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const record = (line: string) => appendFileSync(startLog, `${new Date().toISOString()} ${line}\n`);
  const log = (line: string) => {
    record(line);
    if (verbose || worthSaying(line)) say(line);
  };
  say(`Starting GridLedger in ${options.stateDir} (the first run builds Fabric: minutes; progress in ${startLog})`);
  const platform = await upPlatform({ ...options, log });
  const { profile, credentials, homes } = platform;
  say(summary(platform, DEMO_METERING_PARAMS.intervalSeconds));
  say('\ndemo market');
  const nowSeconds = Math.floor(Date.now() / 1000);
  const model = simulatorModel().simulatedHomes(homes.length);
  const shiftSeconds = demoShiftSeconds(nowSeconds, model);
  const demoHomes = model.map((m) => ({ participantId: m.homeId, model: m }));
  const demo = { profile, credentials, communityId: COMMUNITY_ID, homes: demoHomes, shiftSeconds, say };
  await setUpDemoMarket(demo);
  const ahead = (shiftSeconds / 3600).toFixed(2);
  if (shiftSeconds > 0) say(`  the homes' clock runs ${ahead} h ahead, so that some have a surplus and others a deficit now`);
  await startSimulator(options, speed, shiftSeconds, nowSeconds);
  const market = new DemoMarket(demo);
  market.start();
  say(`  each minute: the homes order for the coming intervals; the scheduler closes, clears and settles them`);
  say(`  beside it, the community simulation's ${START_SCENARIO} scenario (npm run simulate -- <scenario> runs others)`);
  void startSimulation(profile, credentials, say);
  say(verbose ? '\nFollowing the logs (Ctrl-C stops everything):' : '\nIntervals (Ctrl-C stops everything; --verbose follows every log):');
  const files = readdirSync(logs)
    .filter((f) => /^(gateway|bridge|simulator|broker)/.test(f))
    .map((f) => join(logs, f));
  const tail = verbose ? spawn('tail', ['-n', '5', '-F', ...files], { stdio: ['ignore', 'inherit', 'inherit'] }) : undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    tail?.kill();
    say('\nstopping…');
    await market.stop();
    const stopped = await down(options.stateDir, { log: record });
    say(`stopped ${stopped.length} processes; the ledger and the keys stay in ${options.stateDir} (npm run down -- --purge deletes them)`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** The meter simulator, publishing readings of the demo's metering interval from now (a fresh state) with the homes' clock shifted. */
async function startSimulator(options: StartOptions, speed: string, shiftSeconds: number, nowSeconds: number): Promise<void> {
  const name = 'simulator';
  const pidFile = join(options.stateDir, 'pids', `${name}.pid`);
  const simulator = join(REPO_ROOT, 'device-bridge', 'dist', 'simulator.js');
  if (runningPid(pidFile) !== undefined || !existsSync(simulator)) return;
  const args = [simulator, '--state', options.stateDir, '--homes', String(options.homes), '--speed', speed];
  const from = formatInstant(nowSeconds - (nowSeconds % DEMO_METERING_PARAMS.intervalSeconds));
  args.push('--interval', String(DEMO_METERING_PARAMS.intervalSeconds), '--shift', String(shiftSeconds), '--from', from);
  // The homes' batteries obey, lag, fail or refuse the setpoints of the utility (docs/dispatch.md).
  args.push('--devices');
  const logFile = join(options.stateDir, 'logs', `${name}.log`);
  await startProcess({ name, command: process.execPath, args, env: serviceEnv(), pidFile, logFile });
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
