import { clearAuction, CLEARING_PAGE_ITEMS, ErrorCodes, formatInstant, orderIdOf, settleInterval } from '@gridledger/core';
import { EnergyContract } from '../src/energy';
import { CreditsContract } from '../src/market/credits';
import { MarketContract } from '../src/market/market';
import { marketLimits } from '../src/market/clearing';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { FakeFabric, identity, meterKeys, readingsOf, SEED, signReading, submitVia, withTransient } from './fake-fabric';
import { codeOf, expectOk, operator, params, regulator, setupMarket, T, TS, utility } from './market-support';

const registry = new RegistryContract();
const metering = new MeteringContract();
const credits = new CreditsContract();
const market = new MarketContract();
const energy = new EnergyContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const who = {
  s1: identity('CommunityMSP', 'prosumer', 's1'),
  s2: identity('CommunityMSP', 'prosumer', 's2'),
  b1: identity('CommunityMSP', 'consumer', 'b1'),
  b2: identity('CommunityMSP', 'consumer', 'b2'),
};
type Who = keyof typeof who;
const keys = { s1: meterKeys(), s2: meterKeys(), b1: meterKeys(), b2: meterKeys() };

const setup = () => setupMarket(keys);

const order = (
  clientOrderId: string,
  side: 'buy' | 'sell',
  energyWh: number,
  priceMicrosPerKwh: number,
  extra: Record<string, unknown> = {},
) => JSON.stringify({ clientOrderId, communityId: 'c1', intervalStart: TS, side, energyWh, priceMicrosPerKwh, ...extra });
const place = (fabric: FakeFabric, id: Who, body: string) => fabric.run(who[id], (ctx) => market.placeOrder(ctx, body));
const account = async (fabric: FakeFabric, id: string) => expectOk(await fabric.evaluate(utility, (ctx) => credits.getAccount(ctx, id)));

/** The book of the hand-computed example: bids 200,000 and 120,000, asks 100,000 and 150,000, 1 kWh each. */
async function book(fabric: FakeFabric): Promise<void> {
  expectOk(await place(fabric, 's1', order('a', 'sell', 1000, 100_000)));
  expectOk(await place(fabric, 's2', order('a', 'sell', 1000, 150_000)));
  expectOk(await place(fabric, 'b1', order('a', 'buy', 1000, 200_000)));
  expectOk(await place(fabric, 'b2', order('a', 'buy', 1000, 120_000)));
}

async function submitReading(fabric: FakeFabric, id: Who, importWh: number, exportWh: number): Promise<void> {
  const [reading] = readingsOf(`${id}.m`, T, [{ importWh, exportWh }]);
  const out = expectOk(
    await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([signReading(reading, keys[id].privateKey)]))),
  );
  expect(out.results[0].status).toBe('accepted');
}

const closeWindow = async (fabric: FakeFabric) =>
  expectOk(await fabric.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', TS)));
const tokens = async (fabric: FakeFabric, id: string) =>
  expectOk(await fabric.evaluate(utility, (ctx) => energy.getTokenBalance(ctx, id))).balanceWh;

/** Sum of every account and the utility's entries: must equal deposits − withdrawals. */
async function conservation(fabric: FakeFabric): Promise<{ accounts: number; supply: Record<string, number> }> {
  let accounts = 0;
  for (const [key, value] of Object.entries(fabric.dump((k) => k.startsWith('\u0000account\u0000')))) {
    void key;
    const a = value as { availableMicros: number; escrowMicros: number };
    accounts += a.availableMicros + a.escrowMicros;
  }
  const supply = expectOk(await fabric.evaluate(regulator, (ctx) => credits.getSupply(ctx))) as Record<string, number>;
  expect(accounts + supply.utilityMicros).toBe(supply.supplyMicros);
  return { accounts, supply };
}

describe('market: orders', () => {
  it('escrows a buy at limit price plus grid fee, replays a retried clientOrderId, and refuses each bad order with its code', async () => {
    const fabric = await setup();
    const placed = expectOk(await place(fabric, 'b1', order('o1', 'buy', 1000, 200_000)));
    // 1,000 Wh × (200,000 + 10,000) µ/kWh = 210,000 µ.
    expect(placed.order).toMatchObject({ status: 'open', escrowMicros: 210_000, placedAt: formatInstant(T - 7200) });
    expect(await account(fabric, 'b1')).toEqual({ participantId: 'b1', availableMicros: 790_000, escrowMicros: 210_000 });
    const again = expectOk(await place(fabric, 'b1', order('o1', 'buy', 1000, 200_000)));
    expect(again).toMatchObject({ replayed: true, order: { orderId: placed.order.orderId } });
    expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 790_000 });

    expect(codeOf(await place(fabric, 'b1', order('o1', 'buy', 999, 200_000)))).toBe(ErrorCodes.CLIENT_ID_REUSED);
    expect(codeOf(await place(fabric, 'b1', order('o2', 'buy', 1000, 300_001)))).toBe(ErrorCodes.ORDER_PRICE_OUT_OF_BAND);
    expect(codeOf(await place(fabric, 'b1', order('o2', 'buy', 4000, 200_000)))).toBe(ErrorCodes.INSUFFICIENT_CREDITS);
    expect(codeOf(await place(fabric, 'b1', order('o2', 'sell', 100, 200_000)))).toBe(ErrorCodes.ORDER_SIDE_CONFLICT);
    expect(codeOf(await place(fabric, 's1', order('o2', 'sell', 2501, 100_000)))).toBe(ErrorCodes.SELLER_CAPACITY_EXCEEDED);
    expectOk(await place(fabric, 's1', order('o2', 'sell', 2000, 100_000)));
    expect(codeOf(await place(fabric, 's1', order('o3', 'sell', 501, 100_000)))).toBe(ErrorCodes.SELLER_CAPACITY_EXCEEDED);
    expect(codeOf(await place(fabric, 's1', order('o3', 'sell', 1, 100_000, { intervalStart: formatInstant(T + 600) })))).toBe(
      ErrorCodes.INTERVAL_INVALID,
    );
    expect(codeOf(await place(fabric, 's1', order('o3', 'sell', 1, 100_000, { intervalStart: formatInstant(T + 2 * 86_400) })))).toBe(
      ErrorCodes.INTERVAL_NOT_OPEN,
    );
    expect(codeOf(await place(fabric, 's1', order('o3', 'sell', 1, 100_000, { communityId: 'c9' })))).toBe(ErrorCodes.MARKET_NOT_FOUND);
    expect(codeOf(await place(fabric, 's1', order('o3', 'sell', 0, 100_000)))).toBe(ErrorCodes.ORDER_ENERGY_INVALID);
    expect(codeOf(await fabric.run(operator, (ctx) => market.placeOrder(ctx, order('o3', 'buy', 1, 100_000))))).toBe(
      ErrorCodes.ACCESS_DENIED,
    );
    fabric.now = T - 300;
    expect(codeOf(await place(fabric, 'b2', order('o3', 'buy', 1, 100_000)))).toBe(ErrorCodes.INTERVAL_CLOSED);
  });

  it(
    'places a batch in one transaction, all or nothing, each order ' + 'checked with the batch before it, idempotent per clientOrderId',
    async () => {
      const fabric = await setup();
      const batch = (id: Who, orders: string[]) =>
        fabric.run(who[id], (ctx) => market.placeOrders(ctx, JSON.stringify({ orders: orders.map((o) => JSON.parse(o)) })));
      // 4 × 200 Wh × 210 µ/Wh = 168,000 µ escrowed in one transaction.
      const placed = expectOk(
        await batch(
          'b1',
          ['a', 'b', 'c', 'd'].map((c) => order(c, 'buy', 200, 200_000)),
        ),
      );
      expect(placed.orders.map((o: { replayed: boolean; order: { orderId: string } }) => [o.replayed, o.order.orderId])).toEqual(
        ['a', 'b', 'c', 'd'].map((c) => [false, orderIdOf('b1', c)]),
      );
      expect(await account(fabric, 'b1')).toEqual({ participantId: 'b1', availableMicros: 832_000, escrowMicros: 168_000 });
      // A retried batch: every order replayed, nothing escrowed again; a single placeOrder sees the batch's orders too.
      expect(
        expectOk(
          await batch(
            'b1',
            ['a', 'b', 'c', 'd'].map((c) => order(c, 'buy', 200, 200_000)),
          ),
        ).orders.every((o: { replayed: boolean }) => o.replayed),
      ).toBe(true);
      expect(expectOk(await place(fabric, 'b1', order('c', 'buy', 200, 200_000))).replayed).toBe(true);
      expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 832_000 });
      // The escrow of the earlier orders of the batch counts: 832,000 µ cover three more of 210,000 µ, not four; nothing is written.
      const refused = await batch(
        'b1',
        ['e', 'f', 'g', 'h'].map((c) => order(c, 'buy', 1000, 200_000)),
      );
      expect(codeOf(refused)).toBe(ErrorCodes.INSUFFICIENT_CREDITS);
      expect(refused.error?.details).toMatchObject({ index: 3 });
      // So does their sell capacity: 2,500 Wh in the interval.
      expect(codeOf(await batch('s1', [order('x', 'sell', 2000, 100_000), order('y', 'sell', 501, 100_000)]))).toBe(
        ErrorCodes.SELLER_CAPACITY_EXCEEDED,
      );
      expect(expectOk(await batch('s1', [order('x', 'sell', 2000, 100_000), order('y', 'sell', 500, 100_000)])).orders).toHaveLength(2);
      expect(codeOf(await batch('s2', [order('x', 'sell', 10, 100_000), order('x', 'sell', 10, 100_000)]))).toBe(
        ErrorCodes.REQUEST_INVALID,
      );
      expect(codeOf(await batch('s2', [order('x', 'sell', 10, 100_000), order('y', 'buy', 10, 100_000)]))).toBe(
        ErrorCodes.ORDER_SIDE_CONFLICT,
      );
      expect(codeOf(await batch('s2', []))).toBe(ErrorCodes.REQUEST_INVALID);
      expect(
        codeOf(
          await batch(
            's2',
            Array.from({ length: 101 }, (_, n) => order(`n${n}`, 'sell', 1, 100_000)),
          ),
        ),
      ).toBe(ErrorCodes.REQUEST_INVALID);
      expect(
        codeOf(
          await fabric.run(operator, (ctx) =>
            market.placeOrders(ctx, JSON.stringify({ orders: [JSON.parse(order('z', 'buy', 1, 100_000))] })),
          ),
        ),
      ).toBe(ErrorCodes.ACCESS_DENIED);
      // The batch's orders are in the book: 800 Wh bid at 200,000, 2,500 Wh asked at 100,000.
      const curves = expectOk(await fabric.evaluate(regulator, (ctx) => market.getCurves(ctx, 'c1', TS)));
      expect(JSON.stringify(curves)).toMatch(/800.*2500|2500.*800/);
      await conservation(fabric);
    },
  );

  it("cancels only the owner's order, before the gate, releasing its escrow", async () => {
    const fabric = await setup();
    const { order: placed } = expectOk(await place(fabric, 'b1', order('o1', 'buy', 1000, 200_000)));
    expect(codeOf(await fabric.run(who.b2, (ctx) => market.cancelOrder(ctx, placed.orderId)))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await fabric.run(who.b2, (ctx) => market.cancelOrder(ctx, 'o-nothing')))).toBe(ErrorCodes.ORDER_NOT_FOUND);
    expectOk(await fabric.run(who.b1, (ctx) => market.cancelOrder(ctx, placed.orderId)));
    expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 1_000_000, escrowMicros: 0 });
    // With no open order left the participant may take the other side.
    expectOk(await place(fabric, 'b1', order('o2', 'sell', 100, 100_000)));
    const { order: late } = expectOk(await place(fabric, 'b2', order('o1', 'buy', 100, 100_000)));
    fabric.now = T - 299;
    expect(codeOf(await fabric.run(who.b2, (ctx) => market.cancelOrder(ctx, late.orderId)))).toBe(ErrorCodes.INTERVAL_CLOSED);
  });

  it('publishes only aggregated, anonymous curves', async () => {
    const fabric = await setup();
    await book(fabric);
    const curves = expectOk(await fabric.evaluate(who.s1, (ctx) => market.getCurves(ctx, 'c1', TS)));
    expect(curves).toEqual({
      communityId: 'c1',
      intervalStart: TS,
      bids: [
        { priceMicrosPerKwh: 200_000, energyWh: 1000, cumulativeWh: 1000 },
        { priceMicrosPerKwh: 120_000, energyWh: 1000, cumulativeWh: 2000 },
      ],
      asks: [
        { priceMicrosPerKwh: 100_000, energyWh: 1000, cumulativeWh: 1000 },
        { priceMicrosPerKwh: 150_000, energyWh: 1000, cumulativeWh: 2000 },
      ],
    });
  });

  it("takes a community's market on 20 s intervals (accelerated runs), not shorter", async () => {
    const fabric = await setup();
    const first = (communityId: string, intervalSeconds: number) =>
      fabric.run(operator, (ctx) =>
        market.setParams(ctx, communityId, JSON.stringify({ intervalSeconds, gateClosureSeconds: 10, openingHorizonSeconds: 3600 })),
      );
    expect(codeOf(await first('short-1', 15))).toBe(ErrorCodes.MARKET_PARAMS_INVALID);
    expect(expectOk(await first('short-2', 20))).toMatchObject({
      params: { communityId: 'short-2', intervalSeconds: 20, gateClosureSeconds: 10 },
    });
  });

  it('lets only the operator set parameters, recording every change; later changes wait beyond the horizon', async () => {
    const fabric = await setup();
    expect(codeOf(await fabric.run(who.s1, (ctx) => market.setParams(ctx, 'c1', JSON.stringify({ kPpm: 1 }))))).toBe(
      ErrorCodes.ACCESS_DENIED,
    );
    expect(codeOf(await fabric.run(utility, (ctx) => market.setParams(ctx, 'c1', JSON.stringify({ kPpm: 1 }))))).toBe(
      ErrorCodes.ACCESS_DENIED,
    );
    expect(codeOf(await fabric.run(operator, (ctx) => market.setParams(ctx, 'c1', JSON.stringify({ kPpm: 2_000_000 }))))).toBe(
      ErrorCodes.MARKET_PARAMS_INVALID,
    );
    // This change has the setup's timestamp (the same second) and a lower transaction id: it is still the second.
    const change = expectOk(
      await fabric.run(operator, (ctx) => market.setParams(ctx, 'c1', JSON.stringify({ retailMicrosPerKwh: 310_000 })), true, '0000'),
    );
    // now = T − 7200; a day's horizon; the first 15-minute interval after it.
    expect(change.effectiveFrom).toBe(formatInstant(T - 7200 + 86_400 + 900));
    const now = expectOk(await fabric.evaluate(who.s1, (ctx) => market.getParams(ctx, 'c1', '')));
    expect(now.params.retailMicrosPerKwh).toBe(300_000);
    expect(
      now.changes.map((c: { number: number; txId: string; params: { retailMicrosPerKwh: number } }) => [
        c.number,
        c.txId === '0000',
        c.params.retailMicrosPerKwh,
      ]),
    ).toEqual([
      [1, false, 300_000],
      [2, true, 310_000],
    ]);
    const later = expectOk(await fabric.evaluate(who.s1, (ctx) => market.getParams(ctx, 'c1', change.effectiveFrom)));
    expect(later.params.retailMicrosPerKwh).toBe(310_000);
  });
});

describe('market: credits', () => {
  it('only the utility issues and redeems; transfers move credits between two accounts; retries are idempotent', async () => {
    const fabric = await setup();
    const deposit = (caller: typeof utility, reference: string, amountMicros = 5) =>
      fabric.run(caller, (ctx) => credits.deposit(ctx, JSON.stringify({ participantId: 's1', amountMicros, reference })));
    expect(codeOf(await deposit(who.s1, 'x'))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await deposit(operator, 'x'))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await deposit(identity('CommunityMSP', 'utility', 'fake'), 'x'))).toBe(ErrorCodes.ACCESS_DENIED);
    expectOk(await deposit(utility, 'r1'));
    expectOk(await deposit(utility, 'r1'));
    expect(codeOf(await deposit(utility, 'r1', 6))).toBe(ErrorCodes.CLIENT_ID_REUSED);
    expect(await account(fabric, 's1')).toMatchObject({ availableMicros: 5 });
    const transfer = (amountMicros: number, reference: string) =>
      fabric.run(who.b1, (ctx) => credits.transfer(ctx, JSON.stringify({ toParticipantId: 's1', amountMicros, reference })));
    expect(codeOf(await transfer(1_000_001, 't1'))).toBe(ErrorCodes.INSUFFICIENT_CREDITS);
    expectOk(await transfer(100, 't1'));
    expect(await account(fabric, 's1')).toMatchObject({ availableMicros: 105 });
    expect(
      codeOf(
        await fabric.run(utility, (ctx) =>
          credits.withdraw(ctx, JSON.stringify({ participantId: 's1', amountMicros: 106, reference: 'w1' })),
        ),
      ),
    ).toBe(ErrorCodes.INSUFFICIENT_CREDITS);
    expectOk(
      await fabric.run(utility, (ctx) =>
        credits.withdraw(ctx, JSON.stringify({ participantId: 's1', amountMicros: 105, reference: 'w1' })),
      ),
    );
    expect(codeOf(await fabric.evaluate(who.s2, (ctx) => credits.getAccount(ctx, 's1')))).toBe(ErrorCodes.ACCESS_DENIED);
    const statement = expectOk(await fabric.evaluate(who.s1, (ctx) => credits.getStatement(ctx, 's1', '2', '')));
    expect(statement.items.map((l: { kind: string }) => l.kind)).toEqual(['deposit', 'transfer-in']);
    const rest = expectOk(await fabric.evaluate(who.s1, (ctx) => credits.getStatement(ctx, 's1', '2', statement.bookmark)));
    expect(rest.items.map((l: { kind: string; availableMicros: number }) => [l.kind, l.availableMicros])).toEqual([['withdrawal', -105]]);
    expect(rest.bookmark).toBe('');
    // A bookmark names a key of the query's own range: s1's bookmark does not open s1's lines to s2.
    expect(codeOf(await fabric.evaluate(who.s2, (ctx) => credits.getStatement(ctx, 's2', '2', statement.bookmark)))).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
    expect(codeOf(await fabric.evaluate(who.s1, (ctx) => credits.getStatement(ctx, 's1', '2', 'not a bookmark')))).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
    const { supply } = await conservation(fabric);
    expect(supply).toMatchObject({ depositsMicros: 2_000_005, withdrawalsMicros: 105, supplyMicros: 1_999_900, utilityMicros: 0 });
  });

  it("keeps a statement in commit order when the submitters' timestamps and transaction ids say otherwise", async () => {
    const fabric = await setup();
    // The deposit commits first with a later timestamp and a higher transaction id than the transfer after it.
    fabric.now += 60;
    expectOk(
      await fabric.run(
        utility,
        (ctx) => credits.deposit(ctx, JSON.stringify({ participantId: 's1', amountMicros: 7, reference: 'late-clock' })),
        true,
        'ffff',
      ),
    );
    fabric.now -= 60;
    expectOk(
      await fabric.run(
        who.b1,
        (ctx) => credits.transfer(ctx, JSON.stringify({ toParticipantId: 's1', amountMicros: 3, reference: 'early-clock' })),
        true,
        '0000',
      ),
    );
    const statement = expectOk(await fabric.evaluate(who.s1, (ctx) => credits.getStatement(ctx, 's1', '10', '')));
    expect(statement.items.map((l: { number: number; kind: string; txId: string }) => [l.number, l.kind, l.txId])).toEqual([
      [1, 'deposit', 'ffff'],
      [2, 'transfer-in', '0000'],
    ]);
    // The line count stays on the ledger record; the account as read shows balances only.
    expect(await account(fabric, 's1')).toEqual({ participantId: 's1', availableMicros: 10, escrowMicros: 0 });
  });
});

describe('market: close, clear, settle', () => {
  it('clears at 135,000 inside [120,000, 150,000], refunds escrow, and settles the hand-computed figures once', async () => {
    const fabric = await setup();
    await book(fabric);
    const close = () => fabric.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS));
    const clear = () => fabric.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS));
    const settle = (page = '') => fabric.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, page));
    expect(codeOf(await close())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    expect(codeOf(await clear())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    fabric.now = T - 300;
    expect(codeOf(await fabric.run(who.s1, (ctx) => market.closeInterval(ctx, 'c1', TS)))).toBe(ErrorCodes.ACCESS_DENIED);
    expectOk(await close());
    expect(codeOf(await close())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    expect(codeOf(await fabric.run(operator, (ctx) => market.listDue(ctx, 'c1', 'open')))).toBe(ErrorCodes.REQUEST_INVALID);
    expect(expectOk(await fabric.evaluate(operator, (ctx) => market.listDue(ctx, 'c1', 'closed')))).toEqual([TS]);
    const cleared = expectOk(await clear());
    expect(cleared).toMatchObject({
      volumeWh: 1000,
      lowerMicrosPerKwh: 120_000,
      upperMicrosPerKwh: 150_000,
      priceMicrosPerKwh: 135_000,
      tradeCount: 1,
      orderCount: 4,
    });
    // The regulator reads every fill and trade; a household its own only (the others' are their orders).
    const full = expectOk(await fabric.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)));
    expect(full.fills.map((f: { participantId: string }) => f.participantId).sort()).toEqual(['b1', 'b2', 's1', 's2']);
    for (const id of ['b1', 'b2', 's1', 's2'] as const) {
      const seen = expectOk(await fabric.evaluate(who[id], (ctx) => market.getClearing(ctx, 'c1', TS)));
      expect(seen).toMatchObject({ priceMicrosPerKwh: 135_000, volumeWh: 1000, tradeCount: 1 });
      expect(seen.fills.map((f: { participantId: string }) => f.participantId)).toEqual([id]);
      expect(seen.trades).toEqual(full.trades.filter((t: { buyerId: string; sellerId: string }) => t.buyerId === id || t.sellerId === id));
    }
    expect(codeOf(await clear())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    // b1 escrowed 210,000 and keeps 135,000 + 10,000; b2 traded nothing and gets all 130,000 back.
    expect(await account(fabric, 'b1')).toEqual({ participantId: 'b1', availableMicros: 855_000, escrowMicros: 145_000 });
    expect(await account(fabric, 'b2')).toEqual({ participantId: 'b2', availableMicros: 1_000_000, escrowMicros: 0 });
    await conservation(fabric);

    expect(codeOf(await settle())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    fabric.now = T + 960;
    expect(codeOf(await settle())).toBe(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
    await submitReading(fabric, 's1', 0, 1000); // exact delivery
    await submitReading(fabric, 's2', 0, 800); // unsold supply: 800 Wh at feed-in = 40,000 µ
    await submitReading(fabric, 'b1', 1000, 0); // exact consumption
    await submitReading(fabric, 'b2', 500, 0); // demand that did not clear: 500 Wh at retail = 150,000 µ
    // Every reading is in, but settlement waits for the metering window (a ledger state, not the clock).
    expect(codeOf(await settle())).toBe(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
    await closeWindow(fabric);
    expect([await tokens(fabric, 's1'), await tokens(fabric, 's2')]).toEqual([1000, 800]);
    // Settlement goes page by page: a page out of turn is refused.
    expect(codeOf(await settle('1'))).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    const settled = expectOk(await settle('0'));
    expect(settled).toMatchObject({ status: 'settled', page: 0, pageCount: 1 });
    expect(expectOk(await fabric.evaluate(regulator, (ctx) => market.getInterval(ctx, 'c1', TS)))).toMatchObject({
      status: 'settled',
      settlement: { pageCount: 1, pagesDone: 1 },
    });
    const net = Object.fromEntries(
      settled.participants.map((p: { participantId: string; netMicros: number }) => [p.participantId, p.netMicros]),
    );
    expect(net).toEqual({ s1: 135_000, s2: 40_000, b1: -145_000, b2: -150_000 });
    expect(await account(fabric, 's1')).toEqual({ participantId: 's1', availableMicros: 135_000, escrowMicros: 0 });
    expect(await account(fabric, 'b1')).toEqual({ participantId: 'b1', availableMicros: 855_000, escrowMicros: 0 });
    expect(await account(fabric, 'b2')).toEqual({ participantId: 'b2', availableMicros: 850_000, escrowMicros: 0 });
    const { supply } = await conservation(fabric);
    // Utility: grid fee 10,000 + retail 150,000 − feed-in 40,000.
    expect(supply.utilityMicros).toBe(120_000);
    expect(codeOf(await settle())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    expect(codeOf(await settle('0'))).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    const view = expectOk(await fabric.evaluate(regulator, (ctx) => market.getSettlement(ctx, 'c1', TS)));
    const pair = `${orderIdOf('b1', 'a')}:${orderIdOf('s1', 'a')}`;
    expect(view.postings.map((p: { postingId: string }) => p.postingId).sort()).toEqual([
      'deviation:b2',
      'deviation:s2',
      `grid-fee:${pair}`,
      `trade:${pair}`,
    ]);
    expect(view.tokenTransfers).toEqual([
      expect.objectContaining({ sellerId: 's1', buyerId: 'b1', energyWh: 1000, movedWh: 1000, undeliveredWh: 0 }),
    ]);
    // s1's 1,000 Wh of tokens went to b1; s2's unsold 800 Wh stay with it.
    expect([await tokens(fabric, 's1'), await tokens(fabric, 'b1'), await tokens(fabric, 's2')]).toEqual([0, 1000, 800]);
  });

  it(
    'stores a large clearing in pages and settles it page by page, ' + 'each page once, to the same figures as one pure settlement',
    async () => {
      const fabric = await setup();
      // 1,200 one-Wh orders on each side: 2,400 fills (3 pages), 1,200 trades (2 pages), 3 trade pages and 1 participant page of
      // settlement.
      for (let n = 0; n < 1200; n++) {
        expectOk(await place(fabric, 's1', order(`s${n}`, 'sell', 1, 100_000)));
        expectOk(await place(fabric, 'b1', order(`b${n}`, 'buy', 1, 200_000)));
      }
      fabric.now = T - 300;
      expectOk(await fabric.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
      // Pages of 1,000 fills and trades: three clearing transactions, each once and in turn.
      marketLimits.clearingPageItems = 1000;
      const clear = (page: string) => fabric.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS, page));
      try {
        expect(codeOf(await clear('1'))).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
        expect(expectOk(await clear('0'))).toMatchObject({
          orderCount: 2400,
          tradeCount: 1200,
          volumeWh: 1200,
          status: 'clearing',
          page: 0,
          pageCount: 3,
        });
        expect(codeOf(await clear('0'))).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
        // Half written: not readable as a clearing, not settleable.
        expect(codeOf(await fabric.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)))).toBe(
          ErrorCodes.INTERVAL_STATE_CONFLICT,
        );
        expect(expectOk(await clear('1'))).toMatchObject({ status: 'clearing', page: 1 });
        expect(expectOk(await clear(''))).toMatchObject({ status: 'cleared', page: 2, pageCount: 3 });
        expect(codeOf(await clear(''))).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
      } finally {
        marketLimits.clearingPageItems = CLEARING_PAGE_ITEMS;
      }
      expect(expectOk(await fabric.evaluate(regulator, (ctx) => market.getInterval(ctx, 'c1', TS)))).toMatchObject({
        status: 'cleared',
        clearing: { pageCount: 3, pagesDone: 3 },
      });
      const clearing = expectOk(await fabric.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)));
      expect(clearing).toMatchObject({ fillCount: 2400, fillPages: 3, tradeCount: 1200, tradePages: 2, pageItems: 1000 });
      const { fills, trades } = clearAuction(
        expectOk(await fabric.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', TS))).orders,
        params,
      );
      expect([clearing.fills, clearing.trades]).toEqual([fills, trades]);
      expect(clearing.fills).toHaveLength(2400);
      expect(clearing.trades).toHaveLength(1200);
      expect(clearing.fills.map((f: { orderId: string }) => f.orderId)).toEqual(
        [...clearing.fills.map((f: { orderId: string }) => f.orderId)].sort(),
      );
      const lines: { kind: string }[] = [];
      let bookmark = '';
      do {
        const page = expectOk(await fabric.evaluate(utility, (ctx) => credits.getStatement(ctx, 'b1', '1000', bookmark)));
        lines.push(...page.items);
        bookmark = page.bookmark;
      } while (bookmark !== '');
      // One refund line for the participant per clearing page it has fills on, not one per order: each
      // order escrowed 1 Wh × (200 + 10) µ and its trade cost 1 Wh × (150 + 10) µ, so 1,200 × 50 µ back in all.
      const refunds = lines.filter((l) => l.kind === 'escrow-refund') as unknown as { availableMicros: number }[];
      expect(refunds.length).toBeLessThanOrEqual(3);
      expect(refunds.reduce((sum, l) => sum + l.availableMicros, 0)).toBe(1200 * 50);

      fabric.now = T + 960;
      await submitReading(fabric, 's1', 0, 1200);
      await submitReading(fabric, 'b1', 1100, 0);
      await closeWindow(fabric);
      const settle = (page = '') => fabric.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, page));
      const pages = [];
      // Three trade pages of 500 trades (the later two read only their trades and the plan), then one participant page.
      for (const page of ['0', '1', '2', '3']) {
        expect(codeOf(await settle(String(Number(page) + 1)))).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
        pages.push(expectOk(await settle(page)));
        if (page !== '3') expect(codeOf(await settle(page))).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
      }
      expect(pages.map((p) => [p.page, p.pageCount, p.status, p.participants.length, p.tokenTransfers.length])).toEqual([
        [0, 4, 'settling', 0, 500],
        [1, 4, 'settling', 0, 500],
        [2, 4, 'settling', 0, 200],
        [3, 4, 'settled', 2, 0],
      ]);
      expect(codeOf(await settle())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
      const view = expectOk(await fabric.evaluate(regulator, (ctx) => market.getSettlement(ctx, 'c1', TS)));
      const whole = settleInterval(clearing as never, { ...params, utilityId: 'utility' }, [
        { participantId: 'b1', netWh: -1100 },
        { participantId: 's1', netWh: 1200 },
      ]);
      expect(view.postings).toHaveLength(whole.postings.length);
      expect(new Set(view.postings.map((p: { postingId: string }) => p.postingId))).toEqual(
        new Set(whole.postings.map((p) => p.postingId)),
      );
      expect(view.participants).toEqual(whole.participants.map((p) => ({ ...p, communityId: 'c1', intervalStart: TS })));
      // s1 held the 1,200 Wh of tokens its verified surplus minted: every trade's share moved.
      expect(view.tokenTransfers).toEqual(whole.tokenTransfers.map((t) => ({ ...t, movedWh: t.energyWh, undeliveredWh: 0 })));
      // b1 paid 1,200 × (150 + 10) µ and sold the 100 Wh it did not use back at feed-in (50 µ/Wh); s1 got 1,200 × 150 µ.
      expect(await account(fabric, 'b1')).toEqual({ participantId: 'b1', availableMicros: 1_000_000 - 192_000 + 5_000, escrowMicros: 0 });
      expect(await account(fabric, 's1')).toEqual({ participantId: 's1', availableMicros: 180_000, escrowMicros: 0 });
      await conservation(fabric);
    },
  );

  it("settles a missing reading on the window's flagged estimate, then corrects it once with the verified reading", async () => {
    const fabric = await setup();
    await book(fabric);
    fabric.now = T - 300;
    expectOk(await fabric.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
    expectOk(await fabric.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)));
    fabric.now = T + 960;
    await submitReading(fabric, 's2', 0, 0);
    await submitReading(fabric, 'b1', 1000, 0);
    await submitReading(fabric, 'b2', 0, 0);
    // s1's reading is missing when the window closes: metering estimates it (export zero).
    await closeWindow(fabric);
    const settled = expectOk(await fabric.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, '')));
    expect(settled.estimatedParticipantIds).toEqual(['s1']);
    // Estimated: s1 delivered nothing, so it pays retail for the 1,000 Wh it sold: 135,000 − 300,000.
    expect(settled.participants.find((p: { participantId: string }) => p.participantId === 's1')).toMatchObject({
      estimated: true,
      netWh: 0,
      netMicros: -165_000,
    });
    expect(settled.tokenTransfers).toEqual([]);
    const correct = () => fabric.run(operator, (ctx) => market.correctSettlement(ctx, 'c1', TS, 's1'));
    expect(codeOf(await correct())).toBe(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
    // The verified reading arrives later: metering takes it as a correction of the estimate.
    fabric.now = T + 900 + 3600;
    await submitReading(fabric, 's1', 0, 1000);
    const corrected = expectOk(await correct());
    expect(corrected.posting).toMatchObject({ postingId: 'correction:s1', from: 'utility', to: 's1', amountMicros: 300_000 });
    // Metering minted s1's verified 1,000 Wh with the correction; the correction moves them to b1, its buyer.
    expect(corrected.tokenTransfers).toEqual([expect.objectContaining({ buyerId: 'b1', energyWh: 1000, movedWh: 1000, undeliveredWh: 0 })]);
    expect([await tokens(fabric, 's1'), await tokens(fabric, 'b1')]).toEqual([0, 1000]);
    expect(await account(fabric, 's1')).toMatchObject({ availableMicros: 135_000 });
    expect(codeOf(await correct())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
    await conservation(fabric);
  });

  it("moves one seller's tokens to two buyers in one settlement; an estimated position holds none, recorded as undelivered", async () => {
    for (const estimated of [false, true]) {
      const fabric = await setup();
      // s1 has a second meter whose reading never comes in the estimated case.
      const keys2 = meterKeys();
      const meter2 = {
        meterId: 's1.m2',
        participantId: 's1',
        kind: 'bidirectional',
        publicKeyPem: keys2.publicKeyPem,
        exportCapacityW: 10_000,
        communityId: 'c1',
      };
      if (estimated) expectOk(await fabric.run(operator, (ctx) => registry.registerMeter(ctx, JSON.stringify(meter2))));
      expectOk(await place(fabric, 's1', order('a', 'sell', 2000, 100_000)));
      expectOk(await place(fabric, 'b1', order('a', 'buy', 1000, 200_000)));
      expectOk(await place(fabric, 'b2', order('a', 'buy', 1000, 200_000)));
      fabric.now = T - 300;
      expectOk(await fabric.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
      expect(expectOk(await fabric.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)))).toMatchObject({
        priceMicrosPerKwh: 150_000,
        tradeCount: 2,
      });
      fabric.now = T + 960;
      await submitReading(fabric, 's1', 0, 1500);
      await submitReading(fabric, 'b1', 1000, 0);
      await submitReading(fabric, 'b2', 1000, 0);
      await closeWindow(fabric);
      const settled = expectOk(await fabric.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, '')));
      // 2 × 150,000 for the trades, 500 Wh short at retail: −150,000.
      expect(settled.participants.find((p: { participantId: string }) => p.participantId === 's1')).toMatchObject({
        netWh: 1500,
        estimated,
        netMicros: 150_000,
      });
      // The delivered 1,500 Wh are shared over the two 1,000 Wh trades: 750 each.
      const moved = estimated ? 0 : 750;
      expect(
        settled.tokenTransfers.map((t: Record<string, unknown>) => [t.buyerId, t.energyWh, t.movedWh, t.undeliveredWh]).sort(),
      ).toEqual([
        ['b1', 750, moved, 750 - moved],
        ['b2', 750, moved, 750 - moved],
      ]);
      expect([await tokens(fabric, 's1'), await tokens(fabric, 'b1'), await tokens(fabric, 'b2')]).toEqual(
        estimated ? [0, 0, 0] : [0, 750, 750],
      );
      await conservation(fabric);
    }
  });
});
