import { costMicros, ErrorCodes, formatInstant, sheddingClearing } from '@gridledger/core';
import { EnergyContract } from '../src/energy';
import { BilateralContract } from '../src/market/bilateral';
import { FiguresContract } from '../src/market/figures';
import { GridContract } from '../src/grid';
import { MarketContract } from '../src/market/market';
import { MeteringContract } from '../src/metering';
import { FakeFabric, identity, meterKeys, readingsOf, SEED, signReading, submitVia, withTransient } from './fake-fabric';
import { codeOf, expectOk, operator, params, regulator, setupMarket, T, TS, utility } from './market-support';

const grid = new GridContract();
const market = new MarketContract();
const energy = new EnergyContract();
const metering = new MeteringContract();
const contracts = new BilateralContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const who = {
  s1: identity('CommunityMSP', 'prosumer', 's1'),
  s2: identity('CommunityMSP', 'prosumer', 's2'),
  b1: identity('CommunityMSP', 'consumer', 'b1'),
  b2: identity('CommunityMSP', 'consumer', 'b2'),
  clinic: identity('CommunityMSP', 'consumer', 'clinic'),
};
type Who = keyof typeof who;
const keys = { s1: meterKeys(), s2: meterKeys(), b1: meterKeys(), b2: meterKeys(), clinic: meterKeys() };
const NEXT = formatInstant(T + 900);

const shed = (f: FakeFabric, caller: ReturnType<typeof identity>, body: Record<string, unknown>) =>
  f.run(caller, (ctx) => grid.orderShedding(ctx, 'c1', JSON.stringify(body)));
const order = (side: 'buy' | 'sell', energyWh: number, priceMicrosPerKwh: number) =>
  JSON.stringify({ clientOrderId: `o-${side}`, communityId: 'c1', intervalStart: TS, side, energyWh, priceMicrosPerKwh });
const place = (f: FakeFabric, id: Who, body: string) => f.run(who[id], (ctx) => market.placeOrder(ctx, body));

/** Meter readings of the interval at T, one per participant: [id, importWh, exportWh]. */
async function deliver(f: FakeFabric, rows: readonly (readonly [Who, number, number])[]): Promise<void> {
  f.now = T + 960;
  for (const [id, importWh, exportWh] of rows) {
    const [reading] = readingsOf(`${id}.m`, T, [{ importWh, exportWh }]);
    expectOk(await f.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([signReading(reading, keys[id].privateKey)]))));
  }
  expectOk(await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', TS)));
}

type P = { postingId: string; reason: string; from: string; to: string; energyWh: number; amountMicros: number };

describe('emergency load shedding', () => {
  it('the utility orders it before the clearing; the clearing sheds critical loads last; the shed household is held harmless', async () => {
    const f = await setupMarket(keys);
    const ok = { from: TS, to: NEXT, shedW: 2000, reason: 'feeder 2 overload', loadPriorities: { clinic: 'critical' } };
    expect(codeOf(await shed(f, operator, ok))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await shed(f, who.b1, ok))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await shed(f, utility, { ...ok, shedW: -5 }))).toBe(ErrorCodes.SHEDDING_INPUT_INVALID);
    // No grid model: a named zone is unknown.
    expect(codeOf(await shed(f, utility, { ...ok, zoneId: 'f2' }))).toBe(ErrorCodes.ZONE_UNKNOWN);
    const ordered = expectOk(await shed(f, utility, ok));
    // 2,000 W over 900 s: 500 Wh an interval.
    expect(ordered).toMatchObject({ sheddingId: 1, zoneId: null, shedWhPerInterval: 500, intervals: [TS], orderedBy: 'utility' });

    expectOk(await place(f, 's1', order('sell', 2000, 100_000)));
    expectOk(await place(f, 'b1', order('buy', 1000, 200_000)));
    expectOk(await place(f, 'clinic', order('buy', 1000, 150_000)));
    f.now = T - params.gateClosureSeconds;
    expectOk(await f.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
    expectOk(await f.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)));
    const recorded = expectOk(await f.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)));
    // The clinic outbid nobody and is critical: b1 takes the whole 500 Wh.
    expect(recorded.shedding).toEqual({
      orders: [{ sheddingId: 1, zoneId: null, shedWh: 500, curtailedWh: 500 }],
      shedWh: 500,
      sheds: [
        { loadId: 'b1', priority: 'standard', demandWh: 1000, shedWh: 500 },
        { loadId: 'clinic', priority: 'critical', demandWh: 1000, shedWh: 0 },
      ],
    });
    // The audit recomputes it from the book the ledger names.
    const input = expectOk(await f.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', TS)));
    expect(sheddingClearing(input.orders, input.shedding)).toEqual(recorded.shedding);
    // A household sees its own shed only.
    const own = expectOk(await f.evaluate(who.clinic, (ctx) => market.getClearing(ctx, 'c1', TS)));
    expect(own.shedding.sheds.map((s: { loadId: string }) => s.loadId)).toEqual(['clinic']);
    // Cleared: no shedding order reaches it any more.
    expect(codeOf(await shed(f, utility, ok))).toBe(ErrorCodes.SHEDDING_INTERVAL_CLEARED);

    // b1 drew 500 Wh of the 1,000 it bought; s1 delivered them all.
    await deliver(f, [
      ['s1', 0, 1500],
      ['b1', 500, 0],
      ['clinic', 1000, 0],
    ]);
    expectOk(await f.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, '')));
    const settlement = expectOk(await f.evaluate(regulator, (ctx) => market.getSettlement(ctx, 'c1', TS)));
    const postings = settlement.postings as P[];
    const price = recorded.priceMicrosPerKwh as number;
    // The 500 Wh shed are taken back at the price b1 paid, not at feed-in; no other deviation of b1.
    const ofB1 = postings.filter((p) => p.to === 'b1' || p.from === 'b1').map((p) => [p.reason, p.energyWh]);
    expect(ofB1.sort()).toEqual([
      ['grid-fee', 1000],
      ['shed-taken', 500],
      ['trade', 1000],
    ]);
    expect(postings.find((p) => p.postingId === 'shed:b1')).toMatchObject({ from: 'utility', amountMicros: costMicros(1000, price) / 2 });

    const list = expectOk(await f.evaluate(regulator, (ctx) => grid.listSheddings(ctx, 'c1')));
    expect(list.sheddings.map((s: { sheddingId: number; reason: string }) => [s.sheddingId, s.reason])).toEqual([[1, 'feeder 2 overload']]);
    expect(codeOf(await f.evaluate(who.b1, (ctx) => grid.listSheddings(ctx, 'c1')))).toBe(ErrorCodes.ACCESS_DENIED);
    const view = expectOk(await f.evaluate(operator, (ctx) => grid.getIntervalZones(ctx, 'c1', TS)));
    expect(view).toMatchObject({ status: 'settled', mode: 'connected', clearingMethod: 'uniform', shedWh: 500, zones: [] });
    expect(codeOf(await f.evaluate(who.b1, (ctx) => grid.getIntervalZones(ctx, 'c1', TS)))).toBe(ErrorCodes.ACCESS_DENIED);
  });
});

describe('an opening recorded after the clearing', () => {
  it('reaches back to the interval in delivery, which settles islanded: spot and contract deviations shared, no utility leg', async () => {
    const f = await setupMarket(keys);
    // A contract s1 → b1 of 1,000 Wh an interval, and spot s2 → b2 of 500 Wh.
    const terms = {
      clientContractId: 'k',
      communityId: 'c1',
      sellerId: 's1',
      buyerId: 'b1',
      energyWhPerInterval: 1000,
      priceMicrosPerKwh: 120_000,
      firstDay: '2026-11-23',
      lastDay: '2026-11-23',
      dailyFrom: '10:00',
      dailyTo: '10:30',
    };
    const { contract } = expectOk(await f.run(who.s1, (ctx) => contracts.proposeContract(ctx, JSON.stringify(terms))));
    expectOk(await f.run(who.b1, (ctx) => contracts.acceptContract(ctx, contract.contractId)));
    expectOk(await place(f, 's2', order('sell', 500, 100_000)));
    expectOk(await place(f, 'b2', order('buy', 500, 200_000)));
    f.now = T - params.gateClosureSeconds;
    expectOk(await f.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
    const cleared = expectOk(await f.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)));
    expect(cleared.island).toBeUndefined();

    // The connection opens during delivery: the utility records it from the interval in delivery.
    const opening = { mode: 'islanded', since: TS, reason: 'line 4 tripped at 10:01' };
    f.now = T + 60;
    expect(
      codeOf(await f.run(utility, (ctx) => grid.changeIsland(ctx, 'c1', JSON.stringify({ ...opening, since: formatInstant(T - 900) })))),
    ).toBe(ErrorCodes.ISLAND_CHANGE_NOT_FUTURE);
    expect(expectOk(await f.run(utility, (ctx) => grid.changeIsland(ctx, 'c1', JSON.stringify(opening))))).toMatchObject({
      mode: 'islanded',
      since: TS,
    });
    // A reconnection still needs an interval whose gate is open: the next one's is.
    const back = { mode: 'connected', since: NEXT, reason: 'repaired' };
    expect(expectOk(await f.run(utility, (ctx) => grid.changeIsland(ctx, 'c1', JSON.stringify(back))))).toMatchObject({ number: 2 });
    // The clearing stands as recorded, and the audit's input says so (no island block).
    expect(expectOk(await f.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', TS))).island).toBeUndefined();

    // s1 exported 300 Wh beyond its contract and b1 drew 300 beyond it; s2 delivered 100 short, b2 drew 100 less.
    await deliver(f, [
      ['s1', 0, 1300],
      ['b1', 1300, 0],
      ['s2', 0, 400],
      ['b2', 400, 0],
    ]);
    const settledContracts = expectOk(await f.run(operator, (ctx) => contracts.settleContracts(ctx, 'c1', TS)));
    expect(settledContracts.islanded).toBe(true);
    const island = (ps: P[]) => ps.filter((p) => p.reason !== 'trade' && p.reason !== 'grid-fee').map((p) => [p.postingId, p.energyWh]);
    // The island price: the clearing's.
    const price = cleared.priceMicrosPerKwh as number;
    expect(island(settledContracts.postings)).toEqual([['contract-island:b1:s1', 300]]);
    expect((settledContracts.postings as P[]).find((p) => p.reason === 'island-imbalance')?.amountMicros).toBe(costMicros(300, price));
    const spot = expectOk(await f.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, '')));
    expect(spot.status).toBe('settled');
    const settlement = expectOk(await f.evaluate(regulator, (ctx) => market.getSettlement(ctx, 'c1', TS)));
    // The interval's postings hold the contracts' too: each pool shared inside, none with the utility.
    expect(island(settlement.postings)).toEqual([
      ['contract-island:b1:s1', 300],
      ['island:s2:b2', 100],
    ]);
    // No energy supplied or taken by the utility in the figures; the view says islanded.
    const figures = expectOk(await f.evaluate(regulator, (ctx) => new FiguresContract().getIntervalFigures(ctx, 'c1', TS)));
    expect([figures.deviationSuppliedWh, figures.deviationTakenWh]).toEqual([0, 0]);
    expect(expectOk(await f.evaluate(utility, (ctx) => grid.getIntervalZones(ctx, 'c1', TS))).mode).toBe('islanded');
  });
});
