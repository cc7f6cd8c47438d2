#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROCESS_VARIABLES, readConfig } from './config';
import { summary, upPlatform } from './platform';
import { runningPid, serviceEnv, startProcess } from './proc';
import { down, REPO_ROOT, upNetwork } from './up';

const USAGE = `usage: node network/dist/cli.js <command> [options]
  start              up, then the meter simulator, following the logs; Ctrl-C stops everything
  up                 the whole platform, detached: network, broker, gateways, demo community, bridge
  up --network-only  the Fabric network alone (CAs, orderers, peers, channel, chaincode)
  down [--purge]     stop exactly what up started; --purge also deletes the ledger and all state
options: --state DIR (default .gridledger; GRIDLEDGER_STATE)  --offset N (ports + N; GRIDLEDGER_PORT_OFFSET)
         --bft (4 SmartBFT orderers instead of 3 Raft)  --homes N (demo homes, default 5)  --speed N (simulator)`;

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
    },
  });
  const integer = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    if (!/^\d{1,5}$/.test(text)) throw new Error(`--${name} must be a whole number, not ${JSON.stringify(text)}`);
    return Number(text);
  };
  const stateDir = resolve(values.state ?? config.GRIDLEDGER_STATE ?? join(REPO_ROOT, '.gridledger'));
  const offset = values.offset === undefined ? config.GRIDLEDGER_PORT_OFFSET : integer('offset', values.offset, 0);
  const options = { stateDir, offset, consensus: values.bft ? ('bft' as const) : ('raft' as const), homes: integer('homes', values.homes, 5) };
  switch (command) {
    case 'up':
      if (values['network-only']) await upNetwork(options);
      else process.stdout.write(`${summary(await upPlatform(options))}\n`);
      return;
    case 'down':
      await down(stateDir, { purge: values.purge === true });
      return;
    case 'start':
      return start(options, String(integer('speed', values.speed, 60)));
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exit(command === 'help' || command === '--help' ? 0 : 2);
  }
}

/** `npm start`: everything up, the simulator publishing, every log followed; Ctrl-C stops it all. */
async function start(options: Parameters<typeof upPlatform>[0], speed: string): Promise<void> {
  const platform = await upPlatform(options);
  const name = 'simulator';
  const pidFile = join(options.stateDir, 'pids', `${name}.pid`);
  const simulator = join(REPO_ROOT, 'device-bridge', 'dist', 'simulator.js');
  if (runningPid(pidFile) === undefined && existsSync(simulator)) {
    await startProcess({
      name,
      command: process.execPath,
      args: [simulator, '--state', options.stateDir, '--homes', String(options.homes), '--speed', speed],
      env: serviceEnv(),
      pidFile,
      logFile: join(options.stateDir, 'logs', `${name}.log`),
    });
  }
  process.stdout.write(`${summary(platform)}\n\nFollowing the logs (Ctrl-C stops everything):\n`);
  const logs = join(options.stateDir, 'logs');
  const files = readdirSync(logs).filter((f) => /^(gateway|bridge|simulator|broker)/.test(f)).map((f) => join(logs, f));
  const tail = spawn('tail', ['-n', '5', '-F', ...files], { stdio: ['ignore', 'inherit', 'inherit'] });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    tail.kill();
    process.stdout.write('\nstopping…\n');
    await down(options.stateDir);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
