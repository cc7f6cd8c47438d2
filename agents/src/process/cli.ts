#!/usr/bin/env node
/**
 * The community's agent process (docs/agents.md, "The agent process"):
 *
 *   node agents/dist/process/cli.js --config agents.json   runs the homes' agents of one community
 *   node agents/dist/process/cli.js keygen [--count N]     prints new agent keys with their agent ids
 *
 * Events go to standard output as JSON lines (`{"event":"trade",...}`); standard input takes
 * `stop <participantId>` (that home's agent leaves) and `quit`. SIGINT and SIGTERM stop it too.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CommunityAgents } from './community.js';
import { parseConfig } from './config.js';
import { newAgentKey } from './keys.js';

const emit = (event: string, fields: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ event, at: new Date().toISOString(), ...fields })}\n`);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { config: { type: 'string' }, count: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals[0] === 'keygen') {
    const count = Number(values.count ?? 1);
    for (let k = 0; k < count; k++) process.stdout.write(`${JSON.stringify(await newAgentKey())}\n`);
    return;
  }
  if (values.config === undefined) throw new Error('usage: cli.js --config <file> | keygen [--count N]');
  const config = parseConfig(JSON.parse(readFileSync(values.config, 'utf8')));
  const agents = await CommunityAgents.start(config, emit);
  agents.run();
  let stopping: Promise<void> | undefined;
  const quit = () => {
    stopping ??= agents.stop().then(() => {
      emit('exit', {});
      process.exit(0);
    });
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, arg] = line.trim().split(/\s+/);
    if (command === 'stop' && arg !== undefined) void agents.stopHome(arg);
    else if (command === 'quit') quit();
  });
}

main().catch((e) => {
  process.stderr.write(`agent process: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
