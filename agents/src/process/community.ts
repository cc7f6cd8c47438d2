/**
 * The community's agent process (docs/agents.md, "The agent process"): one per community, hosting
 * every home's agent, each with its own DHT node and its own agent key. It schedules the cycles:
 * for interval I, at I − lead every agent reads its planned position (from its home's plans over
 * MQTT, or a positions file) and mandate and announces its balance; the sellers then price and
 * offer; at I − lead + buyerDelay the buyers search and request; `bidMargin` seconds before the
 * gate every agent bids what is left into the auction.
 */
import { readFile } from 'node:fs/promises';
import { formatInstant } from '@gridledger/core';
import { DhtMetrics, startCommunityNode, type CommunityNode, type Discovery } from '../dht/index.js';
import type { ProcessConfig } from './config.js';
import { Gateway } from './gateway.js';
import { HomeAgent, type Emit, type MarketParams, type SharedDiscovery } from './home-agent.js';
import { agentKeyOf } from './keys.js';
import { PlanFeed } from './plan-feed.js';
import { positionIn, type PlannedPosition } from './positions.js';

const sleepUntil = async (epochSeconds: number, stopped: () => boolean) => {
  while (!stopped() && Date.now() < epochSeconds * 1000)
    await new Promise((r) => setTimeout(r, Math.min(500, epochSeconds * 1000 - Date.now())));
};

/** Agents asking for the same records within this long share one discovery. */
const SHARE_MS = 10_000;

/** The first interval (a multiple of the interval length) whose cycle starts at `now` or later. */
export function nextCycleInterval(nowSeconds: number, intervalSeconds: number, leadSeconds: number): number {
  return Math.ceil((nowSeconds + leadSeconds) / intervalSeconds) * intervalSeconds;
}

export class CommunityAgents {
  readonly agents: HomeAgent[] = [];
  /** Each home's plans from the broker, by participant; none when the plans come from a positions file. */
  private readonly feeds = new Map<string, PlanFeed>();
  readonly metrics = new DhtMetrics();
  private stopped = false;
  /** Discoveries in flight or just done, by interval and balance (SharedDiscovery). */
  private readonly discoveries = new Map<string, { at: number; found: Promise<Discovery> }>();
  private loop?: Promise<void>;

  private constructor(
    private readonly config: ProcessConfig,
    private readonly emit: Emit,
  ) {}

  /** Starts every home's DHT node (the first one, or the configured bootstrap nodes, as the others' entry) and reads their meters. */
  static async start(config: ProcessConfig, emit: Emit): Promise<CommunityAgents> {
    const process = new CommunityAgents(config, emit);
    const keys = await Promise.all(config.homes.map((h) => agentKeyOf(h.agentKeyPem)));
    const nodeOf = (k: number, bootstrap: string[]): Promise<CommunityNode> =>
      startCommunityNode({
        communityId: config.communityId,
        privateKey: keys[k],
        host: config.dhtHost,
        port: config.homes[k].dhtPort,
        bootstrap,
        metrics: process.metrics,
      });
    // Each node joins through the first one (or the configured nodes) and two more started before it, as the DHT bench does.
    const nodes = [await nodeOf(0, config.bootstrap)];
    const address = (n: CommunityNode) => n.addresses()[0].toString();
    for (let k = 1; k < config.homes.length; k++) {
      const others = [nodes[k - 1], nodes[Math.floor(k / 2)]].filter((n) => n !== nodes[0]).map(address);
      nodes.push(await nodeOf(k, [...config.bootstrap, address(nodes[0]), ...new Set(others)]));
    }
    for (const [k, node] of nodes.entries()) process.agents.push(new HomeAgent(config.homes[k], config, node, emit, process.shared));
    await Promise.all(process.agents.map((a) => a.prepare()));
    if (config.positionsFile === undefined)
      for (const h of config.homes) process.feeds.set(h.participantId, await PlanFeed.start(h, config, emit));
    emit('ready', {
      communityId: config.communityId,
      homes: process.agents.map((a) => ({ participantId: a.participantId, agentId: a.agentId, addresses: a.node.addresses().map(String) })),
    });
    return process;
  }

  /**
   * One discovery for the agents that ask within SHARE_MS of each other (the sellers pricing at the
   * cycle's start, the buyers at theirs): the records are the community's, the same for all, and
   * twenty agents querying the DHT at once from one process is twenty times the work.
   */
  private readonly shared: SharedDiscovery = (intervalStart, balance, run) => {
    const key = `${intervalStart}/${balance}`;
    const known = this.discoveries.get(key);
    if (known !== undefined && Date.now() - known.at < SHARE_MS) return known.found;
    const found = run();
    this.discoveries.set(key, { at: Date.now(), found });
    return found;
  };

  /** The market's parameters of the community, read with the first running agent's key. */
  private async params(): Promise<MarketParams> {
    const agent = this.agents.find((a) => !a.stopped) ?? this.agents[0];
    const answer = await new Gateway(this.config.gatewayUrl, agent.home.apiKey).ok('GET', `/markets/${this.config.communityId}/params`);
    const p = answer.params as Record<string, unknown>;
    return {
      intervalSeconds: Number(p.intervalSeconds),
      gateClosureSeconds: Number(p.gateClosureSeconds),
      feedInMicrosPerKwh: Number(p.feedInMicrosPerKwh),
      retailMicrosPerKwh: Number(p.retailMicrosPerKwh),
      gridFeeMicrosPerKwh: Number(p.gridFeeMicrosPerKwh),
    };
  }

  private async step(name: string, run: (a: HomeAgent) => Promise<unknown>): Promise<void> {
    await Promise.all(
      this.agents.map(async (a) => {
        try {
          await run(a);
        } catch (e) {
          this.emit('error', { participantId: a.participantId, step: name, message: e instanceof Error ? e.message : String(e) });
        }
      }),
    );
  }

  /** The homes' planned positions for an interval: from the positions file when there is one, else from their plans over MQTT. */
  private async positions(intervalStart: string): Promise<(participantId: string) => PlannedPosition | undefined> {
    const file = this.config.positionsFile;
    if (file === undefined) return (participantId) => this.feeds.get(participantId)?.position(intervalStart);
    const plan = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return (participantId) => positionIn(plan, participantId, intervalStart);
  }

  /** One interval's cycle, from the announcements to the bids. */
  async cycle(start: number, params: MarketParams): Promise<void> {
    const iso = formatInstant(start);
    this.emit('cycle', { intervalStart: iso });
    const positionOf = await this.positions(iso);
    await this.step('announce', (a) => a.announce(start, positionOf(a.participantId), params));
    await this.step('sell', (a) => a.sell(start, params));
    this.emit('offers-out', { intervalStart: iso });
    await sleepUntil(start - this.config.leadSeconds + this.config.buyerDelaySeconds, () => this.stopped);
    const bidAt = start - params.gateClosureSeconds - this.config.bidMarginSeconds;
    await this.step('buy', (a) => a.buy(start, params, bidAt));
    await sleepUntil(bidAt, () => this.stopped);
    await this.step('bid', (a) => a.bid(start, params));
    for (const a of this.agents) a.forget(start);
    for (const balance of ['surplus', 'deficit']) this.discoveries.delete(`${start}/${balance}`);
    this.emit('cycle-done', { intervalStart: iso, dht: this.metrics.snapshot() });
  }

  /** Runs a cycle for every interval from the next one on, until stopped. */
  run(): void {
    this.loop = (async () => {
      const cycles: Promise<void>[] = [];
      while (!this.stopped) {
        let params: MarketParams;
        try {
          params = await this.params();
        } catch (e) {
          this.emit('error', { step: 'params', message: e instanceof Error ? e.message : String(e) });
          await sleepUntil(Date.now() / 1000 + 5, () => this.stopped);
          continue;
        }
        const start = nextCycleInterval(Math.floor(Date.now() / 1000), params.intervalSeconds, this.config.leadSeconds);
        await sleepUntil(start - this.config.leadSeconds, () => this.stopped);
        if (this.stopped) break;
        cycles.push(this.cycle(start, params).catch((e) => this.emit('error', { step: 'cycle', message: String(e) })));
        await sleepUntil(start - this.config.leadSeconds + 1, () => this.stopped);
      }
      await Promise.all(cycles);
    })();
  }

  /** Stops one home's agent and its DHT node (the others go on). */
  async stopHome(participantId: string): Promise<boolean> {
    const agent = this.agents.find((a) => a.participantId === participantId && !a.stopped);
    if (agent === undefined) return false;
    await agent.stop();
    await this.feeds.get(participantId)?.stop();
    this.emit('stopped', { participantId });
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.agents.filter((a) => !a.stopped).map((a) => a.stop()));
    await Promise.all([...this.feeds.values()].map((f) => f.stop()));
  }
}
