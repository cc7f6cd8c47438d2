/**
 * The market on the real network: credits, orders with escrow and every refusal code, close,
 * clear and settle of one interval against the energy positions of its closed metering window
 * (signed meter readings), with hand-computed figures and energy tokens moved to the buyers;
 * access checked by the gateway and by the chaincode with the caller's own identity.
 *
 * The market here runs 60-second intervals (its own community), so the metering interval is set
 * to 60 s for the duration of this file and restored afterwards. The race of orders against the
 * close runs in a second community of the file's own, with traders of its own, in the interval
 * after the settled one: it takes place while the settlement test waits for its interval to end.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { clearAuction, formatInstant, Order, SignedReading } from '@gridledger/core';
import { ledgerClient, OrgName } from '@gridledger/network';
import { marketParams, trader, Trader, useMeteringInterval, utilityGainIn } from './market-support';
import { type JsonAnswer, api, chaincodeCodeOf, credentials, enrolledUser, operatorKey, profile, signReading, sleep, uid } from './support';

const utilityKey = () => credentials().apiKeys.utility.utility;
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
const C = uid('mkt');
const LEN = 60;
const params = marketParams(LEN);

/** The code a chaincode call fails with when made with this identity straight at the peer, past the gateway. */
async function chaincodeCode(org: OrgName, participantId: string, fn: string, ...args: string[]): Promise<string | undefined> {
  const client = ledgerClient(profile(), org, enrolledUser(org, participantId));
  try {
    const error = await client.submit(fn, ...args).then(
      () => undefined,
      (e: Error) => e,
    );
    if (error === undefined) return undefined;
    return chaincodeCodeOf(error);
  } finally {
    client.close();
  }
}

const waitUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
};
const account = async (t: Trader) => (await api('community', t.apiKey, 'GET', `/credits/${t.participantId}`)).body;
const tokens = async (t: Trader) =>
  (await api('community', t.apiKey, 'GET', `/participants/${t.participantId}/tokens`)).body.balanceWh as number;

let s1: Trader, s2: Trader, s3: Trader, b1: Trader, b2: Trader, b3: Trader, b4: Trader;
let I1: number;
let IS: string;
let startBlock: number;
const DEPOSIT = 1_000_000;
const deposits: Record<string, number> = {};
/** The race of orders against the close (its own community and buyers), started once the traded interval is known. */
const R = uid('mkt-race');
let race: Promise<Race>;

useMeteringInterval(LEN);

beforeAll(async () => {
  startBlock = Number((await api('community', undefined, 'GET', '/health')).body.blockHeight);
  for (const community of [C, R]) {
    const set = await api('community', operatorKey(), 'PATCH', `/markets/${community}/params`, params);
    expect(set.status).toBe(200);
    expect(set.body.effectiveFrom).toBe('1970-01-01T00:00:00Z');
  }
  const names = ['s1', 's2', 's3', 'b1', 'b2', 'b3', 'b4'];
  const all = await Promise.all([...names.map((name) => trader(name, C)), ...['r1', 'r2', 'r3'].map((name) => trader(name, R))]);
  [s1, s2, s3, b1, b2, b3, b4] = all;
  const racers = all.slice(names.length);
  for (const [t, amount] of [
    [b1, DEPOSIT],
    [b2, DEPOSIT],
    [b3, DEPOSIT],
    [b4, 100_000],
    ...racers.map((r) => [r, DEPOSIT] as const),
  ] as const) {
    const res = await api('utility', utilityKey(), 'POST', '/credits/deposits', {
      participantId: t.participantId,
      amountMicros: amount,
      reference: `dep-${t.participantId}`,
    });
    expect(res.status).toBe(201);
    // The racers' credits stay in the race's community: the conservation check counts the traded community's.
    if (!racers.includes(t)) deposits[t.participantId] = amount;
  }
  // The interval traded: the first minute that starts at least 45 s from now.
  I1 = Math.ceil((Date.now() / 1000 + 45) / LEN) * LEN;
  IS = formatInstant(I1);
  // The race closes the next interval, its gate 10 s before the traded one ends; its test checks the outcome.
  race = raceTheClose(racers, I1 + LEN);
  race.catch(() => undefined);
});

const order = (
  t: Trader,
  clientOrderId: string,
  side: 'buy' | 'sell',
  energyWh: number,
  priceMicrosPerKwh: number,
  extra: Record<string, unknown> = {},
) =>
  api('community', t.apiKey, 'POST', '/orders', {
    clientOrderId,
    communityId: C,
    intervalStart: IS,
    side,
    energyWh,
    priceMicrosPerKwh,
    ...extra,
  });

it('places orders with escrow, replays a retried clientOrderId, and refuses each bad order with its code', async () => {
  const placed = await Promise.all([
    order(s1, 'o1', 'sell', 1000, 100_000),
    order(s2, 'o1', 'sell', 1000, 100_000),
    order(s3, 'o1', 'sell', 1000, 100_000),
    order(b1, 'o1', 'buy', 1000, 200_000),
    order(b2, 'o1', 'buy', 1000, 200_000),
    order(b3, 'o1', 'buy', 1000, 200_000),
  ]);
  expect(placed.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
  // 1,000 Wh × (200,000 + 10,000) µ/kWh = 210,000 µ held.
  expect(placed[3].body.order).toMatchObject({ status: 'open', escrowMicros: 210_000, side: 'buy' });
  expect(await account(b1)).toEqual({ participantId: b1.participantId, availableMicros: 790_000, escrowMicros: 210_000 });
  const again = await order(b1, 'o1', 'buy', 1000, 200_000);
  expect(again.status).toBe(200);
  expect(again.body.order.orderId).toBe(placed[3].body.order.orderId);
  expect(await account(b1)).toMatchObject({ availableMicros: 790_000 });

  const refusals: [Promise<{ status: number; body: JsonAnswer }>, number, string][] = [
    [order(b1, 'o1', 'buy', 999, 200_000), 409, 'CLIENT_ID_REUSED'],
    [order(b4, 'o2', 'buy', 1000, 300_001), 422, 'ORDER_PRICE_OUT_OF_BAND'],
    [order(b4, 'o3', 'buy', 1000, 200_000), 422, 'INSUFFICIENT_CREDITS'],
    [order(s1, 'o4', 'sell', 9001, 100_000), 422, 'SELLER_CAPACITY_EXCEEDED'],
    [order(b1, 'o5', 'sell', 10, 100_000), 409, 'ORDER_SIDE_CONFLICT'],
    [order(b4, 'o6', 'buy', 10, 100_000, { intervalStart: formatInstant(I1 + 7200) }), 422, 'INTERVAL_NOT_OPEN'],
    [order(b4, 'o7', 'buy', 10, 100_000, { intervalStart: formatInstant(I1 + 30) }), 400, 'INTERVAL_INVALID'],
    [order(b4, 'o8', 'buy', 10, 100_000, { communityId: uid('none') }), 404, 'MARKET_NOT_FOUND'],
    [order(b4, 'o9', 'buy', 0, 100_000), 400, 'ORDER_ENERGY_INVALID'],
  ];
  for (const [res, status, code] of refusals) {
    const r = await res;
    expect([r.status, r.body.error?.code]).toEqual([status, code]);
  }
  // b4 places and cancels: the escrow comes back whole.
  const small = await order(b4, 'c1', 'buy', 100, 100_000);
  expect(small.status).toBe(201);
  expect(await account(b4)).toEqual({ participantId: b4.participantId, availableMicros: 89_000, escrowMicros: 11_000 });
  // The public curves show the book aggregated, without who placed what.
  const curves = await api('community', s1.apiKey, 'GET', `/markets/${C}/intervals/${IS}/curves`);
  expect(curves.body.bids).toEqual([
    { priceMicrosPerKwh: 200_000, energyWh: 3000, cumulativeWh: 3000 },
    { priceMicrosPerKwh: 100_000, energyWh: 100, cumulativeWh: 3100 },
  ]);
  expect(JSON.stringify(curves.body)).not.toContain(b1.participantId);
  const cancelled = await api('community', b4.apiKey, 'DELETE', `/orders/${small.body.order.orderId}`);
  expect(cancelled.status).toBe(200);
  expect(await account(b4)).toEqual({ participantId: b4.participantId, availableMicros: 100_000, escrowMicros: 0 });
  const own = await api('community', b1.apiKey, 'GET', `/participants/${b1.participantId}/orders?pageSize=10`);
  expect(own.body.items.map((o: { clientOrderId: string }) => o.clientOrderId)).toEqual(['o1']);
});

it(
  "a prosumer cannot cancel another's order, change market parameters or mint credits: 403 at the gateway, ACCESS_DENIED from the " +
    'chaincode with its identity',
  async () => {
    const { body } = await api('community', b1.apiKey, 'GET', `/participants/${b1.participantId}/orders`);
    const orderId = body.items[0].orderId;
    const cancel = await api('community', b2.apiKey, 'DELETE', `/orders/${orderId}`);
    expect([cancel.status, cancel.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
    expect(await chaincodeCode('community', b2.participantId, 'market:cancelOrder', orderId)).toBe('ACCESS_DENIED');

    const change = await api('community', b2.apiKey, 'PATCH', `/markets/${C}/params`, { gridFeeMicrosPerKwh: 0 });
    expect([change.status, change.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
    expect(await chaincodeCode('community', b2.participantId, 'market:setParams', C, JSON.stringify({ gridFeeMicrosPerKwh: 0 }))).toBe(
      'ACCESS_DENIED',
    );

    const mint = { participantId: b2.participantId, amountMicros: 1_000_000_000, reference: uid('mint') };
    const minted = await api('community', b2.apiKey, 'POST', '/credits/deposits', mint);
    expect([minted.status, minted.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
    expect(await chaincodeCode('community', b2.participantId, 'credits:deposit', JSON.stringify(mint))).toBe('ACCESS_DENIED');
    // Nor can the community operator: only the utility (settlement bank) issues credits.
    expect(await chaincodeCode('community', 'community-operator', 'credits:deposit', JSON.stringify(mint))).toBe('ACCESS_DENIED');
    // Nor close an interval.
    const close = await api('community', b2.apiKey, 'POST', `/markets/${C}/intervals/${IS}/close`);
    expect(close.status).toBe(403);
    expect(await account(b2)).toMatchObject({ availableMicros: 790_000, escrowMicros: 210_000 });
    expect(await account(b1)).toMatchObject({ escrowMicros: 210_000 });
  },
);

it(
  "closes, clears and settles the interval against the closed metering window's positions: exact delivery, seller shortfall, seller " +
    'excess, buyer under-consumption, to the micro-unit, tokens moved to the buyers',
  async () => {
    const step = (s: string) => api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${IS}/${s}`);
    const early = await step('close');
    expect([early.status, early.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);
    await waitUntil(I1 - params.gateClosureSeconds);
    const late = await order(b4, 'late', 'buy', 10, 100_000);
    expect([late.status, late.body.error.code]).toEqual([409, 'INTERVAL_CLOSED']);
    expect((await step('close')).status).toBe(200);
    const cleared = await step('clear');
    expect(cleared.status).toBe(200);
    // All 3,000 Wh cross; no order is left unfilled, so the interval is [100,000, 200,000] and k = 0.5 gives 150,000.
    expect(cleared.body).toMatchObject({
      volumeWh: 3000,
      lowerMicrosPerKwh: 100_000,
      upperMicrosPerKwh: 200_000,
      priceMicrosPerKwh: 150_000,
      tradeCount: 3,
      orderCount: 6,
    });
    const again = await step('clear');
    expect([again.status, again.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);
    // Each buyer keeps 150,000 + 10,000 of its 210,000 in escrow; 50,000 come back.
    expect(await account(b1)).toEqual({ participantId: b1.participantId, availableMicros: 840_000, escrowMicros: 160_000 });

    // Anyone with read access recomputes the clearing from the orders on the ledger with the pure module.
    const book = await api('regulator', regulatorKey(), 'GET', `/markets/${C}/intervals/${IS}/orders`);
    const recorded = await api('regulator', regulatorKey(), 'GET', `/markets/${C}/intervals/${IS}/clearing`);
    const recomputed = clearAuction(book.body.orders as Order[], book.body.params);
    expect(recorded.body).toMatchObject(JSON.parse(JSON.stringify(recomputed)));

    const early2 = await step('settle');
    expect([early2.status, early2.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);
    await waitUntil(I1 + LEN + 1);
    const missing = await step('settle');
    expect([missing.status, missing.body.error.code]).toEqual([409, 'SETTLEMENT_METERING_INCOMPLETE']);

    const reading = (t: Trader, importWh: number, exportWh: number): SignedReading =>
      signReading(
        {
          meterId: t.meterId,
          intervalStart: IS,
          seq: 1,
          importWh,
          exportWh,
          importRegisterWh: 1_000_000 + importWh,
          exportRegisterWh: 500_000 + exportWh,
        },
        t.privateKeyPem,
      );
    const readings = [
      reading(s1, 0, 1000), // exact delivery
      reading(s2, 0, 600), // shortfall of 400 Wh: bought from the utility at retail, 120,000 µ
      reading(s3, 0, 1300), // excess of 300 Wh: taken by the utility at feed-in, 15,000 µ
      reading(b1, 1000, 0), // exact consumption
      reading(b2, 700, 0), // 300 Wh bought but not used: sold back at feed-in, 15,000 µ
      reading(b3, 1000, 0),
    ];
    const submitted = await api('community', operatorKey(), 'POST', '/readings', { readings });
    expect(submitted.body.results.map((r: { status: string }) => r.status)).toEqual(Array(6).fill('accepted'));
    // Settlement reads the energy positions: it waits until the metering window is closed (a ledger state).
    const waiting = await step('settle');
    expect([waiting.status, waiting.body.error.code]).toEqual([409, 'SETTLEMENT_METERING_INCOMPLETE']);
    const closedWindow = await api('community', operatorKey(), 'POST', `/communities/${C}/windows/${IS}/close`);
    expect(closedWindow.status).toBe(200);
    // The window is the market community's: its seven meters, none of the other test files' meters on the channel.
    expect(closedWindow.body.window).toMatchObject({ communityId: C, intervalStart: IS, meters: 7, participants: 7 });
    // Window close minted each seller's verified surplus.
    expect(await Promise.all([s1, s2, s3].map(tokens))).toEqual([1000, 600, 1300]);

    const settled = await step('settle');
    expect(settled.status).toBe(200);
    const net = Object.fromEntries(
      settled.body.participants.map((p: { participantId: string; netMicros: number }) => [p.participantId, p.netMicros]),
    );
    expect(net).toEqual({
      [s1.participantId]: 150_000,
      [s2.participantId]: 30_000, // 150,000 − 120,000
      [s3.participantId]: 165_000, // 150,000 + 15,000
      [b1.participantId]: -160_000, // 150,000 + 10,000 grid fee
      [b2.participantId]: -145_000, // −160,000 + 15,000
      [b3.participantId]: -160_000,
    });
    expect(settled.body.estimatedParticipantIds).toEqual([]);
    // Tokens move for delivered energy, min(delivered, sold): s1 1,000, s2 its 600, s3 1,000 of its 1,300.
    const transfers = settled.body.tokenTransfers as {
      sellerId: string;
      buyerId: string;
      energyWh: number;
      movedWh: number;
      undeliveredWh: number;
    }[];
    const movedBy = (id: string, field: 'sellerId' | 'buyerId') =>
      transfers.filter((t) => t[field] === id).reduce((s, t) => s + t.movedWh, 0);
    expect([s1, s2, s3].map((t) => movedBy(t.participantId, 'sellerId'))).toEqual([1000, 600, 1000]);
    expect(transfers.every((t) => t.undeliveredWh === 0 && t.movedWh === t.energyWh)).toBe(true);
    expect(await Promise.all([s1, s2, s3].map(tokens))).toEqual([0, 0, 300]);
    // Each buyer holds exactly what it was moved, 2,600 Wh in all.
    const held = await Promise.all([b1, b2, b3].map(tokens));
    expect(held).toEqual([b1, b2, b3].map((t) => movedBy(t.participantId, 'buyerId')));
    expect(held.reduce((s, h) => s + h, 0)).toBe(2600);
    // s3's token history, in commit order: the mint at window close, then what settlement moved to the buyers.
    const history = await api('community', s3.apiKey, 'GET', `/participants/${s3.participantId}/tokens/moves?pageSize=100`);
    const moves = (
      history.body.items as { number: number; intervalStart: string; kind: string; amountWh: number; reason: string }[]
    ).filter((m) => m.intervalStart === IS);
    expect(moves.map((m) => m.number)).toEqual(moves.map((_, i) => i + 1));
    expect(moves[0]).toMatchObject({ kind: 'mint', amountWh: 1300, reason: 'window-close' });
    expect(moves.slice(1).map((m) => m.kind)).toEqual(Array(moves.length - 1).fill('transfer-out'));
    expect(moves.slice(1).reduce((s, m) => s + m.amountWh, 0)).toBe(1000);
    const again2 = await step('settle');
    expect([again2.status, again2.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);

    const balances = await Promise.all([s1, s2, s3, b1, b2, b3, b4].map(account));
    expect(balances.map((a) => [a.availableMicros, a.escrowMicros])).toEqual([
      [150_000, 0],
      [30_000, 0],
      [165_000, 0],
      [840_000, 0],
      [855_000, 0],
      [840_000, 0],
      [100_000, 0],
    ]);
    // Credits conserved to the micro-unit: our accounts plus what the utility gained equal our deposits.
    const utilityGain = await utilityGainIn(C, [IS]);
    expect(utilityGain).toBe(120_000); // 3 × 10,000 fees + 120,000 − 15,000 − 15,000
    const ours = balances.reduce((s, a) => s + a.availableMicros + a.escrowMicros, 0);
    expect(ours + utilityGain).toBe(Object.values(deposits).reduce((s, d) => s + d, 0));

    const results = await api('community', s1.apiKey, 'GET', `/markets/${C}/results?pageSize=1`);
    expect(results.body.items).toEqual([expect.objectContaining({ intervalStart: IS, priceMicrosPerKwh: 150_000, volumeWh: 3000 })]);
    const statement = await api('community', b2.apiKey, 'GET', `/credits/${b2.participantId}/statement?pageSize=100`);
    // In commit order, whatever the submitters' clocks and transaction ids: the deposit and the escrow may share a second.
    expect(statement.body.items.map((l: { number: number; kind: string }) => [l.number, l.kind])).toEqual(
      ['deposit', 'escrow', 'escrow-refund', 'trade', 'grid-fee', 'deviation-taken'].map((kind, i) => [i + 1, kind]),
    );
  },
);

it('announces order accepted, interval closed, cleared and settled on the event stream', async () => {
  const res = await fetch(`${profile().orgs.community.gateway.url}/api/v1/events?fromBlock=${startBlock}`, {
    headers: { authorization: `Bearer ${operatorKey()}` },
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const wanted = new Set(['OrderAccepted', 'IntervalClosed', 'IntervalCleared', 'IntervalSettled']);
  let text = '';
  const deadline = Date.now() + 30_000;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
      const seen = [...text.matchAll(/^data: (.*)$/gm)]
        .map((m) => JSON.parse(m[1]))
        .filter((e) => e.payload?.communityId === C)
        .map((e) => e.name);
      if ([...wanted].every((n) => seen.includes(n))) break;
    }
  } finally {
    await reader.cancel();
  }
  const seen = new Set(
    [...text.matchAll(/^data: (.*)$/gm)]
      .map((m) => JSON.parse(m[1]))
      .filter((e) => e.payload?.communityId === C)
      .map((e) => e.name),
  );
  for (const name of wanted) expect(seen.has(name)).toBe(true);
});

interface Race {
  I2S: string;
  racers: Trader[];
  before: JsonAnswer[];
  outcomes: { t: Trader; orderId?: string; status: number; code?: string; escrow?: number }[];
}

/** From 3 s before the gate of `I2` in the race's community: the buyers place orders until refused while the operator closes it. */
async function raceTheClose(racers: Trader[], I2: number): Promise<Race> {
  const I2S = formatInstant(I2);
  const gate = I2 - params.gateClosureSeconds;
  await waitUntil(gate - 3);
  const before = await Promise.all(racers.map(account));
  const outcomes: Race['outcomes'] = [];
  let closed = false;
  const closer = (async () => {
    while (!closed) {
      const res = await api('community', operatorKey(), 'POST', `/markets/${R}/intervals/${I2S}/close`);
      if (res.status === 200) closed = true;
      else await sleep(100);
    }
  })();
  await Promise.all(
    racers.map(async (t) => {
      // Until refused: orders before the gate are accepted, those after it (or after the close) refused.
      for (let n = 0; n < 60; n++) {
        const res = await api('community', t.apiKey, 'POST', '/orders', {
          clientOrderId: `race-${n}`,
          communityId: R,
          intervalStart: I2S,
          side: 'buy',
          energyWh: 10,
          priceMicrosPerKwh: 100_000,
        });
        outcomes.push({
          t,
          orderId: res.body.order?.orderId,
          status: res.status,
          code: res.body.error?.code,
          escrow: res.body.order?.escrowMicros,
        });
        if (res.status !== 201) break;
      }
    }),
  );
  await closer;
  return { I2S, racers, before, outcomes };
}

it('orders racing the close are either fully in the book or cleanly refused with INTERVAL_CLOSED', async () => {
  const { I2S, racers, before, outcomes } = await race;
  expect(
    outcomes.filter((o) => !(o.status === 201 || (o.status === 409 && o.code === 'INTERVAL_CLOSED'))).map((o) => [o.status, o.code]),
  ).toEqual([]);
  expect(outcomes.filter((o) => o.status === 409)).toHaveLength(racers.length);
  const accepted = outcomes.filter((o) => o.status === 201);
  const book = await api('regulator', regulatorKey(), 'GET', `/markets/${R}/intervals/${I2S}/orders`);
  expect(new Set(book.body.orders.map((o: { orderId: string }) => o.orderId))).toEqual(new Set(accepted.map((o) => o.orderId)));
  // Escrow held is exactly that of the accepted orders: a refused one held nothing.
  const after = await Promise.all(racers.map(account));
  racers.forEach((t, k) => {
    const held = accepted.filter((o) => o.t === t).reduce((s, o) => s + o.escrow!, 0);
    expect(after[k].escrowMicros - before[k].escrowMicros).toBe(held);
    expect(after[k].availableMicros + after[k].escrowMicros).toBe(before[k].availableMicros + before[k].escrowMicros);
  });
  // Nothing to sell against: clearing hands every escrow back.
  expect((await api('community', operatorKey(), 'POST', `/markets/${R}/intervals/${I2S}/clear`)).body).toMatchObject({
    volumeWh: 0,
    orderCount: accepted.length,
  });
  const refunded = await Promise.all(racers.map(account));
  refunded.forEach((a, k) => expect(a).toMatchObject({ escrowMicros: before[k].escrowMicros, availableMicros: before[k].availableMicros }));
});
