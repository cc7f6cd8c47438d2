/**
 * Orders from the trading agents (a scenario's `orders: "agents"`, docs/simulation.md): each home's
 * owner names an agent key in its mandate, with limits from its own tariff (it sells at no less
 * than its feed-in and buys at no more than its dearest import price), and asks for its agent's
 * API key; the community's agent process (agents/src/process, its CLI as a child process, as an
 * operator runs it) hosts every home's agent with its own DHT node and acts on the positions file
 * the simulation writes from the homes' forecasts. The offers, requests and auction bids are the
 * agents'; the simulation places no order itself.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatInstant, type Mandate } from '@gridledger/core';
import { inParallel, type CountingClient } from './client';
import type { HomeTariff } from './tariff';

const CLI = join(__dirname, '..', '..', 'agents', 'dist', 'process', 'cli.js');

/**
 * The process's cycle for a 60 s interval I: positions announced and surpluses offered from
 * I − 58 s, buyers look from I − 36 s, bids at I − 20 s (the gate is at I − 10 s).
 */
/** The agents' cycle (AGENT_TIMING) fits a ledger interval of a minute or more, not the shorter ones of an accelerated day. */
export const AGENTS_MIN_INTERVAL_SECONDS = 60;

export const AGENT_TIMING = {
  leadSeconds: 58,
  buyerDelaySeconds: 22,
  bidMarginSeconds: 10,
  answerTimeoutSeconds: 8,
  dhtTimeoutSeconds: 12,
  pollMs: 1000,
};

/** The owner's mandate for its agent: within its own tariff, automation on, the agent's key named. */
export function mandateOf(tariff: HomeTariff, agentId: string): Mandate {
  return {
    minSellPriceMicrosPerKwh: tariff.feedInMicrosPerKwh,
    maxBuyPriceMicrosPerKwh: Math.max(tariff.retailMicrosPerKwh, tariff.peak?.retailMicrosPerKwh ?? 0),
    maxEnergyWhPerInterval: null,
    batteryReserveWh: 0,
    preferredSources: [],
    locality: 'community',
    automation: true,
    agentId,
  };
}

export interface AgentHome {
  participantId: string;
  meterId: string;
  /** The owner's API key. */
  apiKey: string;
  tariff: HomeTariff;
}

export interface AgentEvent {
  event: string;
  [field: string]: unknown;
}

/** A home's expected net (export > 0) for each of the run's intervals. */
export interface Plan {
  participantId: string;
  netWh: readonly number[];
}

/** The positions file's content (agents/src/process/positions.ts): interval `starts[k]` (epoch s) has `netWh[k]`. */
export function positionsOf(plans: readonly Plan[], starts: readonly number[]): Record<string, Record<string, { netWh: number }>> {
  return Object.fromEntries(
    plans.map((p) => [p.participantId, Object.fromEntries(starts.map((t, k) => [formatInstant(t), { netWh: p.netWh[k] }]))]),
  );
}

export class AgentProcess {
  readonly events: AgentEvent[] = [];
  private readonly stderr: string[] = [];
  readonly positionsFile: string;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly dir: string,
  ) {
    this.positionsFile = join(dir, 'positions.json');
    child.stderr.on('data', (d) => this.stderr.push(String(d)));
    createInterface({ input: child.stdout }).on('line', (line) => this.events.push(JSON.parse(line) as AgentEvent));
  }

  /**
   * Gives every home an agent (its key, its owner's mandate, its API key) and starts the community's
   * agent process on them; resolves once every home's DHT node is up.
   */
  static async start(client: CountingClient, gatewayUrl: string, communityId: string, homes: readonly AgentHome[], dir: string) {
    mkdirSync(dir, { recursive: true });
    const keygen = spawnSync(process.execPath, [CLI, 'keygen', '--count', String(homes.length)], { encoding: 'utf8' });
    if (keygen.status !== 0) throw new Error(`agent keygen: ${keygen.stderr}`);
    const keys = keygen.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { agentKeyPem: string; agentId: string });
    const agentHomes = await inParallel([...homes.entries()], 16, async ([k, h]) => {
      await client.ok(h.apiKey, 'PUT', `/p2p/mandates/${h.participantId}`, mandateOf(h.tariff, keys[k].agentId));
      const agentKey = await client.ok(h.apiKey, 'POST', `/participants/${h.participantId}/agent-keys`);
      return { participantId: h.participantId, meterIds: [h.meterId], apiKey: String(agentKey.apiKey), agentKeyPem: keys[k].agentKeyPem };
    });
    const positionsFile = join(dir, 'positions.json');
    writeFileSync(positionsFile, '{}');
    const config = { communityId, gatewayUrl, ...AGENT_TIMING, positionsFile, homes: agentHomes };
    writeFileSync(join(dir, 'agents.json'), JSON.stringify(config));
    const agents = new AgentProcess(spawn(process.execPath, [CLI, '--config', join(dir, 'agents.json')]), dir);
    const deadline = Date.now() + 120_000;
    while (!agents.events.some((e) => e.event === 'ready')) {
      if (Date.now() > deadline || agents.child.exitCode !== null) {
        await agents.stop();
        throw new Error(`the agent process did not start: ${agents.stderr.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return agents;
  }

  /** The homes' planned positions for these intervals: the process reads them at each cycle. */
  plan(plans: readonly Plan[], starts: readonly number[]): void {
    writeFileSync(this.positionsFile, JSON.stringify(positionsOf(plans, starts)));
  }

  /** Stops the process and keeps its events beside the positions (events.jsonl). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    writeFileSync(join(this.dir, 'events.jsonl'), this.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}
