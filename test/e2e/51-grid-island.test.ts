/**
 * Islanding on the real network (docs/islanding.md): the utility islands a community from one
 * 60-second interval and reconnects it from the next (an operator, a past interval and an unchanged
 * mode refused with their codes); the islanded interval has no utility trade, curtails the demand
 * local supply cannot serve in priority order (the critical clinic last, whatever the bids),
 * settles to the micro-unit with the deviations shared among the participants, and the audit
 * command recomputes it; the next interval clears connected again. Telemetry's CONNECTION_OPEN
 * alert is confirmed by the utility (cause telemetry).
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { alertIdOf, costMicros, formatInstant } from '@gridledger/core';
import { deliverAsCleared, marketParams, operatorClient, trader, Trader, useMeteringInterval, utilityGainIn } from './market-support';
import { type JsonAnswer, api, credentials, operatorKey, readOnceCommitted, sleep, stateDir, uid } from './support';

const utilityKey = () => credentials().apiKeys.utility.utility;
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
const LEN = 60;
const GRID_FEE = 10_000;
const params = { ...marketParams(LEN), gridFeeMicrosPerKwh: GRID_FEE };
const DEPOSIT = 1_000_000;
const C = uid('isl');
let s1: Trader;
let b1: Trader;
let clinic: Trader;
let I1: number;
let IS: string;
let NS: string;

const islandChange = (key: string, org: 'utility' | 'community', body: Record<string, unknown>) =>
  api(org, key, 'POST', `/communities/${C}/island-changes`, body);
const step = (intervalStart: string, s: string) => api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${intervalStart}/${s}`);
const order = (t: Trader, intervalStart: string, side: 'buy' | 'sell', energyWh: number, priceMicrosPerKwh: number) =>
  api('community', t.apiKey, 'POST', '/orders', {
    clientOrderId: `o${Date.parse(intervalStart) / 1000}`,
    communityId: C,
    intervalStart,
    side,
    energyWh,
    priceMicrosPerKwh,
  });
const waitUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
};

useMeteringInterval(LEN);

beforeAll(async () => {
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
  [s1, b1, clinic] = await Promise.all(['s1', 'b1', 'clinic'].map((name) => trader(name, C)));
  for (const t of [b1, clinic]) {
    const deposit = await api('utility', utilityKey(), 'POST', '/credits/deposits', {
      participantId: t.participantId,
      amountMicros: DEPOSIT,
      reference: `dep-${t.participantId}`,
    });
    expect(deposit.status).toBe(201);
  }
  // The islanded interval: the first minute whose gate is at least 12 s away; the next one connected again.
  I1 = Math.ceil((Date.now() / 1000 + 22) / LEN) * LEN;
  IS = formatInstant(I1);
  NS = formatInstant(I1 + LEN);
});

it('the utility alone islands and reconnects, from an interval whose gate is open, to the other mode; every change is kept', async () => {
  const islanding = {
    mode: 'islanded',
    since: IS,
    reason: 'storm: feeder 4 tripped',
    loadPriorities: { [clinic.participantId]: 'critical' },
  };
  const byOperator = await islandChange(operatorKey(), 'community', islanding);
  expect([byOperator.status, byOperator.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
  const unchanged = await islandChange(utilityKey(), 'utility', { ...islanding, mode: 'connected' });
  expect([unchanged.status, unchanged.body.error?.code]).toEqual([409, 'ISLAND_MODE_UNCHANGED']);
  // An opening reaches back to the interval in delivery at the earliest: I1 − 3 × LEN was delivered.
  const past = await islandChange(utilityKey(), 'utility', { ...islanding, since: formatInstant(I1 - 3 * LEN) });
  expect([past.status, past.body.error?.code]).toEqual([422, 'ISLAND_CHANGE_NOT_FUTURE']);
  const bad = await islandChange(utilityKey(), 'utility', { ...islanding, loadPriorities: { [clinic.participantId]: 'vip' } });
  expect(bad.status).toBe(400);

  const opened = await islandChange(utilityKey(), 'utility', islanding);
  expect(opened.status).toBe(201);
  expect(opened.body).toMatchObject({ mode: 'islanded', since: IS, cause: 'utility', number: 1, mspId: 'UtilityMSP' });
  const closed = await islandChange(utilityKey(), 'utility', { mode: 'connected', since: NS, reason: 'feeder 4 back' });
  expect(closed.body).toMatchObject({ mode: 'connected', since: NS, number: 2, previousSince: IS });

  const at = (instant: string) => api('regulator', regulatorKey(), 'GET', `/communities/${C}/island?at=${instant}`);
  const after = await readOnceCommitted('regulator', regulatorKey(), `/communities/${C}/island?at=${NS}`, (b) => b.changes?.length === 2);
  expect((await at(IS)).body).toMatchObject({ mode: 'islanded', since: IS, cause: 'utility' });
  expect(after).toMatchObject({ mode: 'connected', since: NS });
  expect(after.changes.map((c: JsonAnswer) => [c.number, c.mode, c.reason, c.changedBy])).toEqual([
    [1, 'islanded', 'storm: feeder 4 tripped', opened.body.changedBy],
    [2, 'connected', 'feeder 4 back', closed.body.changedBy],
  ]);
  // Telemetry's CONNECTION_OPEN alert (raised here as the telemetry service would), confirmed by the utility: cause telemetry.
  const raisedAt = formatInstant(Math.floor(Date.now() / 1000));
  const alert = { communityId: C, kind: 'CONNECTION_OPEN', subject: 'cp-1', zone: C, value: 0, raisedAt };
  const client = operatorClient();
  try {
    await client.submit('telemetry:raiseAlert', JSON.stringify({ ...alert, alertId: alertIdOf(C, 'CONNECTION_OPEN', 'cp-1', raisedAt) }));
  } finally {
    client.close();
  }
  const later = formatInstant(I1 + 3 * LEN);
  const confirm = {
    mode: 'islanded',
    since: later,
    reason: 'telemetry: connection open',
    alertId: alertIdOf(C, 'CONNECTION_OPEN', 'cp-1', raisedAt),
  };
  const unknownAlert = await islandChange(utilityKey(), 'utility', { ...confirm, alertId: 'al-none' });
  expect([unknownAlert.status, unknownAlert.body.error?.code, unknownAlert.body.error?.details?.field]).toEqual([
    400,
    'ISLAND_INPUT_INVALID',
    'alertId',
  ]);
  const confirmed = await islandChange(utilityKey(), 'utility', confirm);
  expect(confirmed.body).toMatchObject({ mode: 'islanded', since: later, cause: 'telemetry', alertId: confirm.alertId, number: 3 });
  const operatorView = await api('community', operatorKey(), 'GET', `/communities/${C}/island`);
  expect(operatorView.status).toBe(200);
  expect((await api('community', b1.apiKey, 'GET', `/communities/${C}/island`)).status).toBe(403);
  // The utility holds no orders: its role cannot place one, islanded or not.
  const utilityOrder = await api('utility', utilityKey(), 'POST', '/orders', {
    clientOrderId: 'u1',
    communityId: C,
    intervalStart: IS,
    side: 'sell',
    energyWh: 1000,
    priceMicrosPerKwh: 1,
  });
  expect([utilityOrder.status, utilityOrder.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
});

it('islanded: no utility trade, the clinic curtailed last, the settlement balances to the micro-unit; connected again next', async () => {
  // 1,000 Wh of local supply for 2,000 Wh of demand; b1 outbids the clinic.
  const placed = await Promise.all([
    order(s1, IS, 'sell', 1000, 100_000),
    order(b1, IS, 'buy', 1000, 200_000),
    order(clinic, IS, 'buy', 1000, 150_000),
    order(s1, NS, 'sell', 100, 100_000),
    order(b1, NS, 'buy', 100, 200_000),
  ]);
  expect(placed.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
  await waitUntil(I1 - params.gateClosureSeconds);
  expect((await step(IS, 'close')).status).toBe(200);
  const cleared = await step(IS, 'clear');
  expect(cleared.body).toMatchObject({ volumeWh: 1000, island: { mode: 'islanded', curtailedWh: 1000 } });
  const recorded = (await api('regulator', regulatorKey(), 'GET', `/markets/${C}/intervals/${IS}/clearing`)).body;
  expect(recorded.island).toMatchObject({ since: IS, cause: 'utility', demandWh: 2000, supplyWh: 1000, curtailedWh: 1000 });
  expect(Object.fromEntries(recorded.island.curtailments.map((c: JsonAnswer) => [c.loadId, [c.priority, c.curtailedWh]]))).toEqual({
    [b1.participantId]: ['standard', 1000],
    [clinic.participantId]: ['critical', 0],
  });
  // The audit command recomputes the clearing and its curtailment from the book and the island record.
  const audit = spawnSync(
    'node',
    [join(__dirname, '../../gateway-api/dist/audit.js'), '--community', C, '--interval', IS, '--state', stateDir()],
    { encoding: 'utf8' },
  );
  expect(audit.status).toBe(0);
  expect(JSON.parse(audit.stdout)).toMatchObject({ matches: true, differences: [], recomputed: { island: { curtailedWh: 1000 } } });

  // Reconnected: the next interval closes and clears without an island.
  await waitUntil(I1 + LEN - params.gateClosureSeconds);
  expect((await step(NS, 'close')).status).toBe(200);
  const normal = await step(NS, 'clear');
  expect(normal.body.volumeWh).toBe(100);
  expect(normal.body.island).toBeUndefined();

  // Delivery as curtailed: s1 exported its 1,000 Wh, the clinic drew them, b1 nothing.
  await deliverAsCleared(
    [
      { ...s1, side: 'sell' },
      { ...clinic, side: 'buy' },
      { ...b1, side: 'buy' },
    ],
    IS,
    [
      { participantId: s1.participantId, filledWh: 1000 },
      { participantId: clinic.participantId, filledWh: 1000 },
    ],
    I1 + LEN,
    0,
  );
  expect((await api('community', operatorKey(), 'POST', `/communities/${C}/windows/${IS}/close`)).status).toBe(200);
  const settled = await step(IS, 'settle');
  expect(settled.status).toBe(200);
  const P = recorded.priceMicrosPerKwh as number;
  const net = Object.fromEntries(settled.body.participants.map((p: JsonAnswer) => [p.participantId, p.netMicros]));
  expect(net).toEqual({
    [s1.participantId]: costMicros(1000, P),
    [b1.participantId]: -costMicros(1000, GRID_FEE),
    [clinic.participantId]: -costMicros(1000, P),
  });
  const settlement = (await api('regulator', regulatorKey(), 'GET', `/markets/${C}/intervals/${IS}/settlement`)).body;
  expect(settlement.postings.filter((p: JsonAnswer) => p.from === 'utility' || p.reason.startsWith('deviation'))).toEqual([]);
  expect(settlement.postings.filter((p: JsonAnswer) => p.reason === 'island-imbalance')).toEqual([
    expect.objectContaining({ from: clinic.participantId, to: b1.participantId, amountMicros: costMicros(1000, P), energyWh: 1000 }),
  ]);
  // Credits are conserved: what the three hold and the utility's grid fee are the deposits, to the micro-unit.
  const balances = await Promise.all(
    [s1, b1, clinic].map(async (t) => (await api('community', t.apiKey, 'GET', `/credits/${t.participantId}`)).body),
  );
  const utilityGain = await utilityGainIn(C, [IS]);
  expect(utilityGain).toBe(costMicros(1000, GRID_FEE));
  // The next interval's buy escrow (100 Wh) is still held: available plus escrow counts it.
  expect(balances.reduce((s, a) => s + a.availableMicros + a.escrowMicros, 0) + utilityGain).toBe(2 * DEPOSIT);
});
