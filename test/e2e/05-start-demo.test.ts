/**
 * The demo market of `npm start` (network/src/demo.ts) on the run's shared platform, in a community
 * of this file's own with homes of its own: the start flow's set-up (metering and market
 * parameters, credits through the Utility gateway), the homes' orders from the simulator's model,
 * and the market scheduler (the gateway's own class, run here for this community, as the Community
 * gateway runs it for the platform's) clearing intervals with trades within a few intervals; the
 * first traded interval's readings, from the same model and signed by each meter's key, let it
 * settle, and the console says one line for each.
 *
 * @metering-interval 60
 * @metering-late-window 30
 */
import { formatInstant, parseInstant } from '@gridledger/core';
import { MarketScheduler } from '@gridledger/gateway-api';
import { silentLogger, type LogFields } from '@gridledger/network';
import { initialMeterState, nextReading, simulatedHomes } from '@gridledger/device-bridge/dist/simulator/model';
import { DemoMarket, demoShiftSeconds, setUpDemoMarket } from '@gridledger/network/dist/demo';
import { DEMO_CREDITS, DEMO_MARKET_PARAMS, DEMO_METERING_PARAMS } from '@gridledger/network/dist/demo-plan';
import { operatorLedger, trader, type Trader, useMeteringInterval } from './market-support';
import { api, credentials, eventually, operatorKey, profile, signReading, uid } from './support';

const C = uid('demo');
const HOMES = 4;
useMeteringInterval(DEMO_METERING_PARAMS.intervalSeconds, { lateWindowSeconds: DEMO_METERING_PARAMS.lateWindowSeconds });

it('sets up the market, the homes trade, and intervals clear with trades and settle, one console line each', async () => {
  const model = simulatedHomes(HOMES);
  const traders: Trader[] = await Promise.all(model.map((m) => trader(m.homeId, C)));
  const lines: string[] = [];
  const shiftSeconds = demoShiftSeconds(Math.floor(Date.now() / 1000), model);
  const apiKeys = credentials().apiKeys;
  const demo = {
    profile: profile(),
    credentials: {
      apiKeys: { ...apiKeys, community: { ...apiKeys.community, ...Object.fromEntries(traders.map((t) => [t.participantId, t.apiKey])) } },
    },
    communityId: C,
    homes: traders.map((t, k) => ({ participantId: t.participantId, model: model[k] })),
    shiftSeconds,
    say: (line: string) => {
      lines.push(line);
      process.stdout.write(`${line}\n`);
    },
  };

  await setUpDemoMarket(demo);
  const params = (await api('community', traders[0].apiKey, 'GET', `/markets/${C}/params`)).body.params;
  expect(params).toMatchObject(DEMO_MARKET_PARAMS);
  for (const t of traders)
    expect((await api('community', t.apiKey, 'GET', `/credits/${t.participantId}`)).body.availableMicros).toBe(DEMO_CREDITS.targetMicros);
  expect((await api('community', traders[0].apiKey, 'GET', '/metering/params')).body).toMatchObject(DEMO_METERING_PARAMS);
  // Idempotent: a second set-up (a restart of npm start) deposits and changes nothing.
  const said = lines.length;
  await setUpDemoMarket(demo);
  expect(lines.slice(said)).toEqual([]);

  const { ledger, operator } = operatorLedger();
  const scheduler = new MarketScheduler({
    ledger,
    operator,
    communities: [C],
    log: { ...silentLogger, error: (f: LogFields | string) => demo.say(`scheduler: ${JSON.stringify(f)}`) },
    tickMs: 2000,
    lookbackIntervals: 1,
  });
  const market = new DemoMarket(demo);
  const started = Date.now() / 1000;
  scheduler.start();
  market.start(2000);
  try {
    // Within a few intervals: an interval cleared with trades, from the homes' own orders.
    const traded = await eventually(
      async () => lines.find((l) => / cleared .* [1-9]\d* trades/.test(l)),
      6 * DEMO_MARKET_PARAMS.intervalSeconds * 1000,
      1000,
    );
    const start = parseInstant(/\/intervals\/(\S+)\/clearing$/.exec(traded)![1])!;
    const clearing = (await api('community', operatorKey(), 'GET', `/markets/${C}/intervals/${formatInstant(start)}/clearing`)).body;
    expect(clearing.tradeCount).toBeGreaterThan(0);
    expect(clearing.volumeWh).toBeGreaterThan(0);
    expect(new Set(clearing.trades.map((t: { sellerId: string }) => t.sellerId)).size).toBeGreaterThan(0);
    expect(traded).toContain(`/markets/${C}/intervals/`);
    process.stdout.write(`first interval with trades cleared ${(Date.now() / 1000 - started).toFixed(0)} s after the demo started\n`);

    // Delivery: each home's reading of that minute, as the simulator makes it, signed by its meter.
    const clock = { intervalSeconds: DEMO_METERING_PARAMS.intervalSeconds, shiftSeconds };
    const readings = traders.map((t, k) => {
      const { reading } = nextReading(model[k], initialMeterState(model[k]), start, 1, undefined, clock);
      return signReading({ ...reading, meterId: t.meterId }, t.privateKeyPem);
    });
    await eventually(async () => Date.now() / 1000 > start + DEMO_MARKET_PARAMS.intervalSeconds + 1, 120_000);
    const submitted = await api('community', operatorKey(), 'POST', '/readings', { readings });
    expect(submitted.body.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
    const settled = await eventually(async () => lines.find((l) => l.startsWith(`${traded.slice(0, 5)} settled`)), 240_000, 1000);
    expect(settled).toMatch(/settled +[1-9]\d* Wh P2P, share \d+ %/);
    const interval = (await api('community', operatorKey(), 'GET', `/markets/${C}/intervals/${formatInstant(start)}`)).body;
    expect(interval.status).toBe('settled');
  } finally {
    await market.stop();
    await scheduler.stop();
    ledger.close();
  }
}, 900_000);
