/**
 * The grid model and zonal clearing on the real network (docs/grid.md, docs/market.md "Zonal
 * clearing"): the utility sets each community's model from a future interval (a past one and a
 * non-utility refused); in one 60-second interval two zonal communities trade the same book, one
 * whose village feeder binds (split prices, no feeder limit exceeded, settled to the micro-unit with
 * the congestion rent to the utility, recomputed by the audit command) and one whose feeder does not
 * (the uniform clearing exactly).
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { clearAuction, formatInstant, Order } from '@gridledger/core';
import { deliverAsCleared, marketParams, trader, Trader, useMeteringInterval, utilityGainIn } from './market-support';
import { type JsonAnswer, api, credentials, operatorKey, sleep, stateDir, uid } from './support';

const utilityKey = () => credentials().apiKeys.utility.utility;
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
const LEN = 60;
const params = { ...marketParams(LEN), clearingMethod: 'zonal' };
/** The connection point cp and a village v under it; v's feeder exports `exportLimitW` (30 kW: 500 Wh in 60 s). */
const zones = (exportLimitW: number) => [
  { zoneId: 'cp', parentZoneId: null, exportLimitW: 0, importLimitW: 0, lossPpm: 0 },
  { zoneId: 'v', parentZoneId: 'cp', exportLimitW, importLimitW: 30_000, lossPpm: 20_000 },
];

interface Community {
  id: string;
  s1: Trader;
  s2: Trader;
  b1: Trader;
}
const CONGESTED = uid('zon');
const FREE = uid('zfree');
let congested: Community;
let free: Community;
let I1: number;
let IS: string;
const DEPOSIT = 1_000_000;

const setGrid = (key: string, org: 'utility' | 'community', communityId: string, effectiveFrom: string, exportLimitW = 30_000) =>
  api(org, key, 'PUT', `/communities/${communityId}/grid`, { zones: zones(exportLimitW), effectiveFrom });
const waitUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
};

/** A zonal community: its parameters, s1 in the village, s2 and the buyer b1 at the connection point (sites with their zone). */
async function community(id: string): Promise<Community> {
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${id}/params`, params)).status).toBe(200);
  const [s1, s2, b1] = await Promise.all(['s1', 's2', 'b1'].map((name) => trader(name, id)));
  for (const [t, zone] of [
    [s1, 'v'],
    [s2, 'cp'],
    [b1, 'cp'],
  ] as const) {
    const siteId = `${t.participantId}.site`;
    const site = await api('community', t.apiKey, 'POST', '/sites', {
      siteId,
      participantId: t.participantId,
      connectionCapacityW: 600_000,
      zone,
    });
    expect(site.status).toBe(201);
    expect((await api('community', t.apiKey, 'PUT', `/meters/${t.meterId}/site`, { siteId })).status).toBe(200);
  }
  const deposit = await api('utility', utilityKey(), 'POST', '/credits/deposits', {
    participantId: b1.participantId,
    amountMicros: DEPOSIT,
    reference: `dep-${b1.participantId}`,
  });
  expect(deposit.status).toBe(201);
  return { id, s1, s2, b1 };
}

const place = (c: Community) =>
  Promise.all(
    (
      [
        [c.s1, 'sell', 100_000],
        [c.s2, 'sell', 150_000],
        [c.b1, 'buy', 200_000],
      ] as const
    ).map(([t, side, priceMicrosPerKwh]) =>
      api('community', t.apiKey, 'POST', '/orders', {
        clientOrderId: 'z1',
        communityId: c.id,
        intervalStart: IS,
        side,
        energyWh: 1000,
        priceMicrosPerKwh,
      }),
    ),
  );
const step = (c: Community, s: string) => api('community', operatorKey(), 'POST', `/markets/${c.id}/intervals/${IS}/${s}`);

useMeteringInterval(LEN);

beforeAll(async () => {
  [congested, free] = await Promise.all([community(CONGESTED), community(FREE)]);
  // The interval traded: the first minute whose gate is at least 20 s away.
  I1 = Math.ceil((Date.now() / 1000 + 30) / LEN) * LEN;
  IS = formatInstant(I1);
});

it('the utility alone sets a model, from a future interval only; anyone reads it, the versions name their author', async () => {
  const past = await setGrid(utilityKey(), 'utility', CONGESTED, formatInstant(I1 - 2 * LEN));
  expect([past.status, past.body.error?.code, past.body.error?.details?.field]).toEqual([400, 'GRID_MODEL_INVALID', 'effectiveFrom']);
  const byOperator = await setGrid(operatorKey(), 'community', CONGESTED, IS);
  expect([byOperator.status, byOperator.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
  const [set, setFree] = await Promise.all([
    setGrid(utilityKey(), 'utility', CONGESTED, IS),
    setGrid(utilityKey(), 'utility', FREE, IS, 1_000_000),
  ]);
  expect([set.status, setFree.status]).toEqual([200, 200]);
  expect(set.body).toMatchObject({ communityId: CONGESTED, effectiveFrom: IS, number: 1, mspId: 'UtilityMSP' });
  const before = await api('community', congested.b1.apiKey, 'GET', `/communities/${CONGESTED}/grid?at=${formatInstant(I1 - LEN)}`);
  expect([before.status, before.body.error?.code]).toEqual([404, 'GRID_MODEL_NOT_FOUND']);
  const inForce = await api('community', congested.b1.apiKey, 'GET', `/communities/${CONGESTED}/grid?at=${IS}`);
  expect(inForce.body.zones).toEqual(zones(30_000));
  const versions = await api('regulator', regulatorKey(), 'GET', `/communities/${CONGESTED}/grid/versions`);
  expect(versions.body.versions).toEqual([expect.objectContaining({ number: 1, effectiveFrom: IS, changedBy: set.body.changedBy })]);
  const household = await api('community', congested.b1.apiKey, 'GET', `/communities/${CONGESTED}/grid/versions`);
  expect(household.status).toBe(403);
  // A site in a community with a model names one of its zones.
  const stray = await api('community', congested.s2.apiKey, 'POST', '/sites', {
    siteId: uid('stray'),
    participantId: congested.s2.participantId,
    connectionCapacityW: 1000,
    zone: 'elsewhere',
  });
  expect(stray.status).toBe(201);
  const attach = await api('community', congested.s2.apiKey, 'PUT', `/meters/${congested.s2.meterId}/site`, { siteId: stray.body.siteId });
  expect([attach.status, attach.body.error?.code]).toEqual([422, 'ZONE_UNKNOWN']);
});

it(
  'a binding feeder splits the prices, no feeder carries more than its limit, the settlement balances to the micro-unit; ' +
    'without congestion the zonal clearing is the uniform one',
  async () => {
    for (const placed of await Promise.all([place(congested), place(free)])) expect(placed.map((r) => r.status)).toEqual([201, 201, 201]);
    await waitUntil(I1 - params.gateClosureSeconds);
    for (const c of [congested, free]) {
      expect((await step(c, 'close')).status).toBe(200);
      expect((await step(c, 'clear')).status).toBe(200);
    }

    // The village's 500 Wh leave at its price; the connection point clears at the dearer seller's.
    const view = await api('community', congested.b1.apiKey, 'GET', `/markets/${CONGESTED}/intervals/${IS}/zones`);
    expect(view.body).toMatchObject({ clearingMethod: 'zonal', congested: true, priceMicrosPerKwh: 150_000 });
    expect(view.body.zones).toEqual([
      { zoneId: 'cp', areaZoneId: 'cp', priceMicrosPerKwh: 150_000 },
      { zoneId: 'v', areaZoneId: 'v', priceMicrosPerKwh: 100_000 },
    ]);
    expect(view.body.feeders).toEqual([
      { zoneId: 'v', parentZoneId: 'cp', flowWh: 500, binding: 'export', lossWh: 10, lossMicros: 1_500, congestionRentMicros: 25_000 },
    ]);
    // No feeder limit exceeded by the cleared trades: what the village's participants sell net of what they buy.
    const recorded = (await api('regulator', regulatorKey(), 'GET', `/markets/${CONGESTED}/intervals/${IS}/clearing`)).body;
    const book = (await api('regulator', regulatorKey(), 'GET', `/markets/${CONGESTED}/intervals/${IS}/orders`)).body;
    const village = recorded.fills
      .filter((f: JsonAnswer) => book.network.zoneOf[f.participantId] === 'v')
      .reduce((s: number, f: JsonAnswer) => s + (f.side === 'sell' ? f.filledWh : -f.filledWh), 0);
    expect(village).toBe(500);
    expect(village).toBeLessThanOrEqual(book.network.network.find((z: JsonAnswer) => z.zoneId === 'v').exportLimitWh);

    // The audit command recomputes the zonal clearing from the orders, the network and the zones the ledger names.
    const audit = spawnSync(
      'node',
      [join(__dirname, '../../gateway-api/dist/audit.js'), '--community', CONGESTED, '--interval', IS, '--state', stateDir()],
      { encoding: 'utf8' },
    );
    expect(audit.status).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({
      matches: true,
      differences: [],
      recomputed: { clearingMethod: 'zonal', congested: true },
    });

    // The uncongested community: exactly the uniform clearing of the same book.
    const freeRecorded = (await api('regulator', regulatorKey(), 'GET', `/markets/${FREE}/intervals/${IS}/clearing`)).body;
    const freeBook = (await api('regulator', regulatorKey(), 'GET', `/markets/${FREE}/intervals/${IS}/orders`)).body;
    expect(freeRecorded).toMatchObject({ clearingMethod: 'zonal', congested: false });
    expect(freeRecorded).toMatchObject(JSON.parse(JSON.stringify(clearAuction(freeBook.orders as Order[], freeBook.params))));

    // Delivery as cleared; the settlement pays v's seller v's price, the rest cp's, the rent to the utility.
    const c = congested;
    await deliverAsCleared(
      [
        { ...c.s1, side: 'sell' },
        { ...c.s2, side: 'sell' },
        { ...c.b1, side: 'buy' },
      ],
      IS,
      recorded.fills,
      I1 + LEN,
      0,
    );
    expect((await api('community', operatorKey(), 'POST', `/communities/${CONGESTED}/windows/${IS}/close`)).status).toBe(200);
    const settled = await step(c, 'settle');
    expect(settled.status).toBe(200);
    const net = Object.fromEntries(settled.body.participants.map((p: JsonAnswer) => [p.participantId, p.netMicros]));
    expect(net).toEqual({ [c.s1.participantId]: 50_000, [c.s2.participantId]: 75_000, [c.b1.participantId]: -160_000 });
    const balances = await Promise.all(
      [c.s1, c.s2, c.b1, free.b1].map(async (t) => (await api('community', t.apiKey, 'GET', `/credits/${t.participantId}`)).body),
    );
    const utilityGain = await utilityGainIn(CONGESTED, [IS]);
    // The congestion rent and the grid fee on the 1,000 Wh the buyer bought.
    expect(utilityGain).toBe(25_000 + 10_000);
    const ours = balances.reduce((s, a) => s + a.availableMicros + a.escrowMicros, 0);
    expect(ours + utilityGain).toBe(2 * DEPOSIT);
    // The figures value the spot energy at what the buyers paid in their areas: b1 at the connection point's price.
    const figures = await api('community', c.b1.apiKey, 'GET', `/markets/${CONGESTED}/intervals/${IS}/figures`);
    expect(figures.body).toMatchObject({ spotVolumeWh: 1000, clearingPrice: { energyWh: 1000, microsPerKwh: 150_000 } });
  },
);
