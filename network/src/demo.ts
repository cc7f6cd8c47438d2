/**
 * The demo market of `npm start` against the running platform: it sets the parameters and credits
 * demo-plan.ts names, has each demo home place its order for the coming intervals from the
 * simulator's model, and says one line per interval once the market scheduler has cleared it and
 * once it has settled it. Everything goes through the gateways' REST API with each party's own
 * API key, except the ledger's metering parameters, which have no route and are set as the
 * community operator at its peer (the chaincode checks the role as for any client).
 */
import { formatInstant } from '@gridledger/core';
import {
  bothSides,
  clearedLine,
  DEMO_MARKET_PARAMS,
  DEMO_METERING_PARAMS,
  demoOrder,
  intervalsToOrder,
  paramsChange,
  settledLine,
  sideMarginWh,
  topUpMicros,
  tradingShiftSeconds,
  type ClearedInterval,
  type DemoMarketParams,
  type SettledInterval,
} from './demo-plan';
import { deviceBridgeModule } from './device-bridge-build';
import { ledgerClient } from './ledger';
import { api, type Credentials } from './platform';
import type { NetworkProfile } from './profile';

/** The simulator's model of a home (device-bridge/src/simulator/model.ts), as far as the demo reads it. */
export interface ModelHome {
  homeId: string;
  meterId: string;
  pvCapacityW: number;
}

interface Model {
  simulatedHomes(count: number, seed?: number): (ModelHome & { annualKwh: number; pvShading: number })[];
  intervalEnergy(
    home: ModelHome,
    intervalStart: number,
    clock: { intervalSeconds: number; shiftSeconds: number },
    seed?: number,
  ): { loadWh: number; pvWh: number };
}

/** The simulator's model, from the device bridge's build (it depends on this workspace, so it is loaded, not imported). */
export const simulatorModel = (): Model => deviceBridgeModule<Model>('simulator/model.js');

/** The shift of the homes' clock at which they trade now (demo-plan.ts tradingShiftSeconds, by the simulator's model). */
export function demoShiftSeconds(nowSeconds: number, homes: readonly ModelHome[], seed = 1): number {
  const model = simulatorModel();
  const quarterHour = { intervalSeconds: 900, shiftSeconds: 0 };
  const margin = sideMarginWh(DEMO_MARKET_PARAMS.intervalSeconds);
  return tradingShiftSeconds(nowSeconds, (t) =>
    bothSides(
      homes.map((h) => model.intervalEnergy(h, t, quarterHour, seed)),
      margin,
    ),
  );
}

export interface DemoMarketOptions {
  profile: NetworkProfile;
  credentials: Credentials;
  communityId: string;
  /** Each home: its participant id (its API key is credentials.apiKeys.community[participantId]) and its model. */
  homes: { participantId: string; model: ModelHome }[];
  /** The model clock's shift (demoShiftSeconds), the same the simulator runs with. */
  shiftSeconds: number;
  seed?: number;
  /** One line for a person. */
  say: (line: string) => void;
}

/** An interval not settled this many intervals after its start is given up on (with a line): the scheduler's log says why. */
const FORGET_AFTER_INTERVALS = 10;

type Answer = Awaited<ReturnType<typeof api>>;
const check = (what: string, res: Answer, ok: number[] = [200, 201]): Answer => {
  if (!ok.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.json)}`);
  return res;
};

/** The ledger's metering parameters as the demo (or a simulation run) needs them; only what differs is changed. */
export async function setMeteringParams(
  o: Pick<DemoMarketOptions, 'profile' | 'credentials' | 'say'>,
  wanted: { intervalSeconds: number; lateWindowSeconds: number } = DEMO_METERING_PARAMS,
): Promise<void> {
  const community = o.profile.orgs.community;
  const current = check(
    'metering parameters',
    await api(community.gateway.url, o.credentials.apiKeys.community['community-operator'], 'GET', '/metering/params'),
  ).json;
  const change = paramsChange(current, wanted);
  if (Object.keys(change).length === 0) return;
  const client = ledgerClient(o.profile, 'community', community.users['community-operator']);
  try {
    await client.submit('metering:setParams', JSON.stringify(change));
  } finally {
    client.close();
  }
  const { intervalSeconds, lateWindowSeconds } = wanted;
  o.say(`  metering: ${intervalSeconds} s intervals, late window ${lateWindowSeconds} s (whole channel)`);
}

/** The community's market parameters as the demo needs them (a later change applies beyond the opening horizon). */
async function setMarketParams(o: DemoMarketOptions): Promise<void> {
  const url = o.profile.orgs.community.gateway.url;
  const key = o.credentials.apiKeys.community['community-operator'];
  const current = await api(url, key, 'GET', `/markets/${o.communityId}/params`);
  const inForce = current.status === 200 ? (current.json.params as Record<string, unknown>) : undefined;
  if (current.status !== 200 && current.status !== 404) check('market parameters', current);
  const change = paramsChange(inForce, DEMO_MARKET_PARAMS);
  if (Object.keys(change).length === 0) return;
  check('setting the market parameters', await api(url, key, 'PATCH', `/markets/${o.communityId}/params`, change));
  o.say(
    `  market ${o.communityId}: ${DEMO_MARKET_PARAMS.intervalSeconds} s intervals, gate ${DEMO_MARKET_PARAMS.gateClosureSeconds} s before`,
  );
}

/** The utility deposits credits for each home whose available credits ran low. */
async function topUpCredits(o: DemoMarketOptions): Promise<void> {
  const utilityKey = o.credentials.apiKeys.utility.utility;
  for (const home of o.homes) {
    const key = o.credentials.apiKeys.community[home.participantId];
    const account = check(
      `credits of ${home.participantId}`,
      await api(o.profile.orgs.community.gateway.url, key, 'GET', `/credits/${home.participantId}`),
    ).json;
    const amountMicros = topUpMicros(Number(account.availableMicros ?? 0));
    if (amountMicros === 0) continue;
    const reference = `demo-${home.participantId}-${Date.now()}`;
    check(
      `deposit for ${home.participantId}`,
      await api(o.profile.orgs.utility.gateway.url, utilityKey, 'POST', '/credits/deposits', {
        participantId: home.participantId,
        amountMicros,
        reference,
      }),
    );
    o.say(`  ${home.participantId}: ${(amountMicros / 1e6).toFixed(2)} credits deposited by the utility`);
  }
}

/** Parameters and credits, idempotent: what is in place already is left as it is. */
export async function setUpDemoMarket(o: DemoMarketOptions): Promise<void> {
  await setMeteringParams(o);
  await setMarketParams(o);
  await topUpCredits(o);
}

/** The homes' orders and the per-interval lines, one pass every few seconds. */
export class DemoMarket {
  private readonly ordered = new Set<number>();
  private readonly cleared = new Set<number>();
  private readonly model = simulatorModel();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastError?: string;

  constructor(private readonly o: DemoMarketOptions) {}

  start(everyMs = 5_000): void {
    const tick = () => {
      this.running ??= this.tick()
        .catch((e: Error) => this.sayOnce(`demo market: ${e.message}`))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, everyMs);
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Places the coming intervals' orders, then reports the intervals cleared or settled since the last pass. */
  async tick(nowSeconds = Math.floor(Date.now() / 1000)): Promise<void> {
    for (const start of intervalsToOrder(nowSeconds, DEMO_MARKET_PARAMS)) {
      if (this.ordered.has(start)) continue;
      await this.placeOrders(start);
      this.ordered.add(start);
    }
    for (const start of [...this.ordered].sort((a, b) => a - b)) {
      if (start > nowSeconds) break;
      if (start < nowSeconds - FORGET_AFTER_INTERVALS * DEMO_MARKET_PARAMS.intervalSeconds) {
        this.o.say(
          `${formatInstant(start).slice(11, 16)} not settled after ${FORGET_AFTER_INTERVALS} intervals: see the Community gateway's log`,
        );
        this.forget(start);
      } else {
        await this.report(start);
      }
    }
  }

  private sayOnce(line: string): void {
    if (line !== this.lastError) this.o.say(line);
    this.lastError = line;
  }

  private async placeOrders(start: number): Promise<void> {
    const { intervalSeconds } = DEMO_MARKET_PARAMS;
    const clock = { intervalSeconds, shiftSeconds: this.o.shiftSeconds };
    for (const [index, home] of this.o.homes.entries()) {
      const { loadWh, pvWh } = this.model.intervalEnergy(home.model, start, clock, this.o.seed ?? 1);
      const forecast = {
        participantId: home.participantId,
        index,
        capacityWh: Math.floor((home.model.pvCapacityW * intervalSeconds) / 3600),
        importWh: Math.max(0, loadWh - pvWh),
        exportWh: Math.max(0, pvWh - loadWh),
      };
      const order = demoOrder(forecast, this.o.communityId, start, DEMO_MARKET_PARAMS as DemoMarketParams);
      if (order === undefined) continue;
      const res = await api(
        this.o.profile.orgs.community.gateway.url,
        this.o.credentials.apiKeys.community[home.participantId],
        'POST',
        '/orders',
        order,
      );
      if (res.status === 422 && (res.json.error as { code?: string } | undefined)?.code === 'INSUFFICIENT_CREDITS')
        await topUpCredits(this.o);
      else if (res.status !== 200 && res.status !== 201)
        this.sayOnce(
          `  ${home.participantId}: order for ${formatInstant(start)} refused: ${res.status} ${JSON.stringify(res.json.error ?? res.json)}`,
        );
    }
  }

  private forget(start: number): void {
    this.ordered.delete(start);
    this.cleared.delete(start);
  }

  private url(start: number, what: string): string {
    return `${this.o.profile.orgs.community.gateway.url}/api/v1/markets/${this.o.communityId}/intervals/${formatInstant(start)}/${what}`;
  }

  /** One line when the interval is cleared, one when it is settled; then it is forgotten. */
  private async report(start: number): Promise<void> {
    const key = this.o.credentials.apiKeys.community['community-operator'];
    const base = this.o.profile.orgs.community.gateway.url;
    const path = `/markets/${this.o.communityId}/intervals/${formatInstant(start)}`;
    const interval = await api(base, key, 'GET', path);
    const status = String(interval.json.status);
    if (!this.cleared.has(start) && ['cleared', 'settling', 'settled'].includes(status)) {
      const clearing = check('clearing', await api(base, key, 'GET', `${path}/clearing`)).json as unknown as ClearedInterval;
      this.o.say(clearedLine({ ...clearing, intervalStart: formatInstant(start) }, this.url(start, 'clearing')));
      this.cleared.add(start);
    }
    if (status === 'settled') {
      const figures = check('figures', await api(base, key, 'GET', `${path}/figures`), [200, 404]);
      // The figures wait for the interval's contracts and metering windows as well (INTERVAL_NOT_FOUND until then).
      if (figures.status === 404) return;
      this.o.say(
        settledLine({ ...(figures.json as unknown as SettledInterval), intervalStart: formatInstant(start) }, this.url(start, 'figures')),
      );
      this.forget(start);
    }
  }
}
