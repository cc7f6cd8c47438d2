/**
 * The rest of islanding and emergencies on the real network (docs/islanding.md, docs/grid.md), two
 * communities in the same 60-second interval. In C the utility orders a load shedding (bad input
 * refused with its codes); the clearing sheds the standard load and not the critical clinic, the
 * audit command recomputes it, and the shed household gets its unused bought energy back at the
 * price it paid. In D the interval clears connected, then the connection opens during its delivery
 * and the utility records it from that interval: it settles islanded, the spot and the bilateral
 * contract's deviations shared among the participants, the utility receiving grid fees only. The
 * operator's view of an interval answers every zone's price, feeder and measured balance at once.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { costMicros, formatInstant } from '@gridledger/core';
import { operatorClient, trader, Trader, useMeteringInterval, utilityGainIn } from './market-support';
import { type JsonAnswer, api, credentials, operatorKey, readOnceCommitted, signReading, sleep, stateDir, uid } from './support';

const utilityKey = () => credentials().apiKeys.utility.utility;
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
const LEN = 60;
const GRID_FEE = 10_000;
const params = {
  intervalSeconds: LEN,
  gateClosureSeconds: 10,
  openingHorizonSeconds: 3600,
  feedInMicrosPerKwh: 50_000,
  retailMicrosPerKwh: 300_000,
  gridFeeMicrosPerKwh: GRID_FEE,
  kPpm: 500_000,
};
const DEPOSIT = 1_000_000;
/** C: the shed community; D: the one islanded during delivery. */
const C = uid('shd');
const D = uid('isd');
let s1: Trader;
let b1: Trader;
let clinic: Trader;
let s2: Trader;
let b2: Trader;
let s3: Trader;
let b3: Trader;
let I1: number;
let I1S: string;
let shedOrder: Record<string, unknown>;

const step = (community: string, s: string) => api('community', operatorKey(), 'POST', `/markets/${community}/intervals/${I1S}/${s}`);
const order = (t: Trader, community: string, side: 'buy' | 'sell', energyWh: number, priceMicrosPerKwh: number) =>
  api('community', t.apiKey, 'POST', '/orders', {
    clientOrderId: `o${I1}`,
    communityId: community,
    intervalStart: I1S,
    side,
    energyWh,
    priceMicrosPerKwh,
  });
const shed = (key: string, org: 'utility' | 'community', body: Record<string, unknown>) =>
  api(org, key, 'POST', `/communities/${C}/load-sheddings`, body);
const waitUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
};
/** One reading per trader of the interval (as metered, not as cleared), once it has ended; then the community's window closed. */
async function deliver(community: string, rows: [Trader, number, number][]): Promise<void> {
  await waitUntil(I1 + LEN + 1);
  const readings = rows.map(([t, importWh, exportWh]) =>
    signReading(
      { meterId: t.meterId, intervalStart: I1S, seq: 1, importWh, exportWh, importRegisterWh: importWh, exportRegisterWh: exportWh },
      t.privateKeyPem,
    ),
  );
  const submitted = await api('community', operatorKey(), 'POST', '/readings', { readings });
  expect(submitted.body.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
  expect((await api('community', operatorKey(), 'POST', `/communities/${community}/windows/${I1S}/close`)).status).toBe(200);
}
const regulatorGet = async (path: string): Promise<JsonAnswer> => (await api('regulator', regulatorKey(), 'GET', path)).body;

useMeteringInterval(LEN);

beforeAll(async () => {
  for (const community of [C, D])
    expect((await api('community', operatorKey(), 'PATCH', `/markets/${community}/params`, params)).status).toBe(200);
  [s1, b1, clinic, s2, b2, s3, b3] = await Promise.all(
    [
      ['s1', C],
      ['b1', C],
      ['clinic', C],
      ['s2', D],
      ['b2', D],
      ['s3', D],
      ['b3', D],
    ].map(([name, community]) => trader(name, community)),
  );
  for (const t of [b1, clinic, b2, b3]) {
    const deposit = await api('utility', utilityKey(), 'POST', '/credits/deposits', {
      participantId: t.participantId,
      amountMicros: DEPOSIT,
      reference: `dep-${t.participantId}`,
    });
    expect(deposit.status).toBe(201);
  }
  // The first minute whose gate is at least 25 s away: room for the model, the shedding, the orders and the contract.
  I1 = Math.ceil((Date.now() / 1000 + 35) / LEN) * LEN;
  I1S = formatInstant(I1);
  const model = {
    effectiveFrom: I1S,
    zones: [
      { zoneId: 'cp', parentZoneId: null, exportLimitW: 0, importLimitW: 0, lossPpm: 0 },
      { zoneId: 'f1', parentZoneId: 'cp', exportLimitW: 90_000, importLimitW: 60_000, lossPpm: 10_000 },
    ],
  };
  expect((await api('utility', utilityKey(), 'PUT', `/communities/${C}/grid`, model)).status).toBe(200);
  // 30 kW over 60 s: 500 Wh.
  const next = formatInstant(I1 + LEN);
  shedOrder = { from: I1S, to: next, shedW: 30_000, reason: 'feeder f1 overload', loadPriorities: { [clinic.participantId]: 'critical' } };
});

it('a load shedding is ordered by the utility only, for intervals not cleared, and recorded with its author', async () => {
  const byOperator = await shed(operatorKey(), 'community', shedOrder);
  expect([byOperator.status, byOperator.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
  const bad = await shed(utilityKey(), 'utility', { ...shedOrder, shedW: 0 });
  expect([bad.status, bad.body.error?.code]).toEqual([400, expect.stringMatching(/^(SHEDDING_INPUT_INVALID|REQUEST_INVALID)$/)]);
  const badWindow = await shed(utilityKey(), 'utility', { ...shedOrder, to: I1S });
  expect([badWindow.status, badWindow.body.error?.code, badWindow.body.error?.details?.field]).toEqual([
    400,
    'SHEDDING_INPUT_INVALID',
    'to',
  ]);
  const unknown = await shed(utilityKey(), 'utility', { ...shedOrder, zoneId: 'f9' });
  expect([unknown.status, unknown.body.error?.code]).toEqual([422, 'ZONE_UNKNOWN']);
  const ordered = await shed(utilityKey(), 'utility', shedOrder);
  expect(ordered.status).toBe(201);
  expect(ordered.body).toMatchObject({ sheddingId: 1, zoneId: null, shedWhPerInterval: 500, intervals: [I1S], mspId: 'UtilityMSP' });
  const list = await readOnceCommitted('regulator', regulatorKey(), `/communities/${C}/load-sheddings`, (b) => b.sheddings.length > 0);
  expect(list.sheddings.map((s: JsonAnswer) => [s.sheddingId, s.reason, s.orderedBy])).toEqual([
    [1, 'feeder f1 overload', ordered.body.orderedBy],
  ]);
  expect((await api('community', b1.apiKey, 'GET', `/communities/${C}/load-sheddings`)).status).toBe(403);
});

it('the clearing sheds the standard load before the critical one and the audit recomputes it; D clears connected', async () => {
  const placed = await Promise.all([
    order(s1, C, 'sell', 2000, 100_000),
    order(b1, C, 'buy', 1000, 200_000),
    order(clinic, C, 'buy', 1000, 150_000),
    order(s3, D, 'sell', 500, 100_000),
    order(b3, D, 'buy', 500, 200_000),
  ]);
  expect(placed.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
  // In D a contract s2 → b2 of 1,000 Wh in the interval, proposed and accepted before its gate.
  const at = new Date(I1 * 1000).toISOString();
  const end = new Date((I1 + LEN) * 1000).toISOString();
  const proposed = await api('community', s2.apiKey, 'POST', '/contracts', {
    clientContractId: 'k1',
    communityId: D,
    sellerId: s2.participantId,
    buyerId: b2.participantId,
    energyWhPerInterval: 1000,
    priceMicrosPerKwh: 120_000,
    firstDay: at.slice(0, 10),
    lastDay: at.slice(0, 10),
    dailyFrom: at.slice(11, 16),
    dailyTo: end.slice(11, 16),
  });
  expect(proposed.status).toBe(201);
  expect((await api('community', b2.apiKey, 'POST', `/contracts/${proposed.body.contract.contractId}/acceptance`)).status).toBe(200);

  await waitUntil(I1 - params.gateClosureSeconds);
  for (const community of [C, D]) {
    expect((await step(community, 'close')).status).toBe(200);
    expect((await step(community, 'clear')).status).toBe(200);
  }
  const recorded = await regulatorGet(`/markets/${C}/intervals/${I1S}/clearing`);
  expect(recorded.shedding).toEqual({
    orders: [{ sheddingId: 1, zoneId: null, shedWh: 500, curtailedWh: 500 }],
    shedWh: 500,
    sheds: [
      { loadId: b1.participantId, priority: 'standard', demandWh: 1000, shedWh: 500 },
      { loadId: clinic.participantId, priority: 'critical', demandWh: 1000, shedWh: 0 },
    ].sort((x, y) => (x.loadId < y.loadId ? -1 : 1)),
  });
  const audit = spawnSync(
    'node',
    [join(__dirname, '../../gateway-api/dist/audit.js'), '--community', C, '--interval', I1S, '--state', stateDir()],
    { encoding: 'utf8' },
  );
  expect(audit.status).toBe(0);
  expect(JSON.parse(audit.stdout)).toMatchObject({ matches: true, differences: [], recomputed: { shedding: { shedWh: 500 } } });
  const late = await shed(utilityKey(), 'utility', shedOrder);
  expect([late.status, late.body.error?.code, late.body.error?.details?.intervalStart]).toEqual([409, 'SHEDDING_INTERVAL_CLEARED', I1S]);
  expect((await regulatorGet(`/markets/${D}/intervals/${I1S}/clearing`)).island).toBeUndefined();
});

it('the connection of D opens during delivery: the utility records it from the interval in delivery', async () => {
  await waitUntil(I1 + 1);
  const change = (since: string) =>
    api('utility', utilityKey(), 'POST', `/communities/${D}/island-changes`, { mode: 'islanded', since, reason: 'feeder tripped' });
  const delivered = await change(formatInstant(I1 - LEN));
  expect([delivered.status, delivered.body.error?.code]).toEqual([422, 'ISLAND_CHANGE_NOT_FUTURE']);
  const opened = await change(I1S);
  expect([opened.status, opened.body.mode, opened.body.since, opened.body.cause]).toEqual([201, 'islanded', I1S, 'utility']);
});

it('C settles with the shed household held harmless: its unused bought energy back at the price it paid', async () => {
  // b1 drew 500 of its 1,000 Wh; s1 exported the 2,000 it sold; the clinic drew its 1,000.
  await deliver(C, [
    [s1, 0, 2000],
    [b1, 500, 0],
    [clinic, 1000, 0],
  ]);
  expect((await step(C, 'settle')).status).toBe(200);
  const P = (await regulatorGet(`/markets/${C}/intervals/${I1S}/clearing`)).priceMicrosPerKwh as number;
  const postings = (await regulatorGet(`/markets/${C}/intervals/${I1S}/settlement`)).postings as JsonAnswer[];
  const ofB1 = postings.filter((p) => p.from === b1.participantId || p.to === b1.participantId);
  expect(ofB1.map((p) => p.reason).sort()).toEqual(['grid-fee', 'shed-taken', 'trade']);
  expect(ofB1.find((p) => p.reason === 'shed-taken')).toMatchObject({
    from: 'utility',
    energyWh: 500,
    amountMicros: Math.floor(costMicros(1000, P) / 2),
  });
});

it('D settles islanded: the spot and the contract deviations shared among the participants, grid fees only to the utility', async () => {
  // s3 delivered 100 Wh short of its 500, b3 drew 100 less; s2 exported 300 beyond its contract, b2 drew 300 beyond it.
  await deliver(D, [
    [s3, 0, 400],
    [b3, 400, 0],
    [s2, 0, 1300],
    [b2, 1300, 0],
  ]);
  const contracts = await api('community', operatorKey(), 'POST', `/markets/${D}/intervals/${I1S}/contract-settlement`);
  expect([contracts.status, contracts.body.islanded]).toEqual([200, true]);
  expect((await step(D, 'settle')).status).toBe(200);
  const price = (await regulatorGet(`/markets/${D}/intervals/${I1S}/clearing`)).priceMicrosPerKwh as number;
  const postings = (await regulatorGet(`/markets/${D}/intervals/${I1S}/settlement`)).postings as JsonAnswer[];
  expect(postings.filter((p) => p.from === 'utility' || p.reason.startsWith('deviation'))).toEqual([]);
  const shared = postings.filter((p) => p.reason === 'island-imbalance').map((p) => [p.from, p.to, p.energyWh, p.amountMicros]);
  expect(shared.sort()).toEqual(
    [
      [b2.participantId, s2.participantId, 300, costMicros(300, price)],
      [s3.participantId, b3.participantId, 100, costMicros(100, price)],
    ].sort(),
  );
  // The utility received the grid fees of the trade (500 Wh) and of the contract (1,000 Wh): nothing else.
  expect(await utilityGainIn(D, [I1S])).toBe(costMicros(500, GRID_FEE) + costMicros(1000, GRID_FEE));
});

it("the operator's view of one interval: every zone's price, feeder and measured balance in one answer", async () => {
  // The telemetry service's aggregate of zone f1 (recorded here as it would).
  const client = operatorClient();
  const aggregate = {
    zone: 'f1',
    intervalStart: I1S,
    intervalSeconds: LEN,
    ticks: 12,
    meanSupplyW: 120_000,
    meanDemandW: 90_000,
    meanFeederFlowW: 30_000,
    peakLoadingPpm: 400_000,
    minFrequencyMHz: 49_980,
    maxFrequencyMHz: 50_020,
    minVoltageMv: 228_000,
    maxVoltageMv: 232_000,
  };
  try {
    await client.submit('telemetry:recordZoneIntervals', C, I1S, JSON.stringify([aggregate]));
  } finally {
    client.close();
  }
  const view = await api('community', operatorKey(), 'GET', `/communities/${C}/intervals/${I1S}/zones`);
  expect(view.status).toBe(200);
  const price = (await regulatorGet(`/markets/${C}/intervals/${I1S}/clearing`)).priceMicrosPerKwh;
  expect(view.body).toMatchObject({ intervalStart: I1S, status: 'settled', mode: 'connected', clearingMethod: 'uniform', shedWh: 500 });
  const zones = view.body.zones.map((z: JsonAnswer) => [
    z.zoneId,
    z.priceMicrosPerKwh,
    z.importLimitW,
    z.measured?.meanFeederFlowW ?? null,
  ]);
  expect(zones).toEqual([
    ['cp', price, 0, null],
    ['f1', price, 60_000, 30_000],
  ]);
  const islanded = await api('utility', utilityKey(), 'GET', `/communities/${D}/intervals/${I1S}/zones`);
  expect([islanded.status, islanded.body.mode, islanded.body.zones]).toEqual([200, 'islanded', []]);
  expect((await api('community', b1.apiKey, 'GET', `/communities/${C}/intervals/${I1S}/zones`)).status).toBe(403);
});
