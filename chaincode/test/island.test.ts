import { costMicros, ErrorCodes, formatInstant, islandClearing, parseInstant } from '@gridledger/core';
import { EnergyContract } from '../src/energy';
import { CreditsContract } from '../src/market/credits';
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
const credits = new CreditsContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const who = {
  s1: identity('CommunityMSP', 'prosumer', 's1'),
  b1: identity('CommunityMSP', 'consumer', 'b1'),
  clinic: identity('CommunityMSP', 'consumer', 'clinic'),
};
type Who = keyof typeof who;
const keys = { s1: meterKeys(), b1: meterKeys(), clinic: meterKeys() };
const NEXT = formatInstant(T + 900);

const change = (f: FakeFabric, caller: ReturnType<typeof identity>, body: Record<string, unknown>) =>
  f.run(caller, (ctx) => grid.changeIsland(ctx, 'c1', JSON.stringify(body)));
const order = (intervalStart: string, side: 'buy' | 'sell', energyWh: number, priceMicrosPerKwh: number) =>
  JSON.stringify({ clientOrderId: `o${parseInstant(intervalStart)}`, communityId: 'c1', intervalStart, side, energyWh, priceMicrosPerKwh });
const place = (f: FakeFabric, id: Who, body: string) => f.run(who[id], (ctx) => market.placeOrder(ctx, body));

describe('island mode on the ledger', () => {
  it('only the utility changes it (an opening from the interval in delivery), only to the other mode; every change is kept', async () => {
    const f = await setupMarket(keys);
    const islanding = { mode: 'islanded', since: TS, reason: 'storm: line 4 down', loadPriorities: { clinic: 'critical' } };
    expect(codeOf(await change(f, operator, islanding))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await change(f, who.s1, islanding))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await change(f, utility, { ...islanding, mode: 'floating' }))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
    expect(codeOf(await change(f, utility, { ...islanding, since: formatInstant(T + 60) }))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
    expect(codeOf(await change(f, utility, { ...islanding, loadPriorities: { clinic: 'vip' } }))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
    expect(codeOf(await change(f, utility, { ...islanding, alertId: 'al-none' }))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
    expect(codeOf(await change(f, utility, { ...islanding, mode: 'connected' }))).toBe(ErrorCodes.ISLAND_MODE_UNCHANGED);
    // Now is T − 2 h: an opening reaches back to the interval in delivery at the earliest, not to one delivered.
    expect(codeOf(await change(f, utility, { ...islanding, since: formatInstant(T - 8100) }))).toBe(ErrorCodes.ISLAND_CHANGE_NOT_FUTURE);
    f.now = T + 900;
    expect(codeOf(await change(f, utility, islanding))).toBe(ErrorCodes.ISLAND_CHANGE_NOT_FUTURE);
    f.now = T - 301;
    const first = expectOk(await change(f, utility, islanding));
    expect(first).toMatchObject({ mode: 'islanded', since: TS, cause: 'utility', number: 1, changedBy: 'utility', previousSince: null });
    expect(codeOf(await change(f, utility, { ...islanding, since: NEXT }))).toBe(ErrorCodes.ISLAND_MODE_UNCHANGED);
    // A reconnection needs its interval's gate open (300 s before NEXT).
    f.now = T + 600;
    const late = await change(f, utility, { mode: 'connected', since: NEXT, reason: 'too late' });
    expect(codeOf(late)).toBe(ErrorCodes.ISLAND_CHANGE_NOT_FUTURE);
    f.now = T - 301;
    const back = expectOk(await change(f, utility, { mode: 'connected', since: NEXT, reason: 'line 4 repaired' }));
    expect(back).toMatchObject({ mode: 'connected', since: NEXT, number: 2, previousSince: TS, loadPriorities: { clinic: 'critical' } });

    const at = (caller: ReturnType<typeof identity>, instant: string) => f.evaluate(caller, (ctx) => grid.getIsland(ctx, 'c1', instant));
    expect(expectOk(await at(regulator, formatInstant(T - 900)))).toMatchObject({ mode: 'connected', since: null, cause: 'initial' });
    expect(expectOk(await at(operator, TS))).toMatchObject({ mode: 'islanded', since: TS, cause: 'utility' });
    const later = expectOk(await at(utility, formatInstant(T + 1800)));
    expect(later).toMatchObject({ mode: 'connected', since: NEXT });
    expect(later.changes.map((c: { number: number; reason: string }) => [c.number, c.reason])).toEqual([
      [1, 'storm: line 4 down'],
      [2, 'line 4 repaired'],
    ]);
    expect(codeOf(await at(who.b1, ''))).toBe(ErrorCodes.ACCESS_DENIED);
  });

  it('an islanded interval curtails in priority order and settles deviations among the participants, to the micro-unit', async () => {
    const f = await setupMarket(keys);
    expectOk(await change(f, utility, { mode: 'islanded', since: TS, reason: 'storm', loadPriorities: { clinic: 'critical' } }));
    expectOk(await change(f, utility, { mode: 'connected', since: NEXT, reason: 'repaired' }));
    // 1,000 Wh of local supply for 2,000 Wh of demand; b1 outbids the clinic, but the clinic is critical.
    expectOk(await place(f, 's1', order(TS, 'sell', 1000, 100_000)));
    expectOk(await place(f, 'b1', order(TS, 'buy', 1000, 200_000)));
    expectOk(await place(f, 'clinic', order(TS, 'buy', 1000, 150_000)));
    // The next interval, connected again.
    expectOk(await place(f, 's1', order(NEXT, 'sell', 100, 100_000)));
    expectOk(await place(f, 'b1', order(NEXT, 'buy', 100, 200_000)));
    f.now = T - params.gateClosureSeconds;
    expectOk(await f.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
    const cleared = expectOk(await f.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)));
    expect(cleared).toMatchObject({ volumeWh: 1000, island: { mode: 'islanded', curtailedWh: 1000 } });
    const recorded = expectOk(await f.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)));
    expect(recorded.island).toMatchObject({ since: TS, cause: 'utility', demandWh: 2000, supplyWh: 1000, curtailedWh: 1000 });
    expect(recorded.island.curtailments).toEqual([
      { loadId: 'b1', priority: 'standard', demandWh: 1000, servedWh: 0, curtailedWh: 1000 },
      { loadId: 'clinic', priority: 'critical', demandWh: 1000, servedWh: 1000, curtailedWh: 0 },
    ]);
    // The audit's input names the island record in force: the curtailment recomputes from the book.
    const input = expectOk(await f.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', TS)));
    expect(input.island).toEqual({ since: TS, cause: 'utility', loadPriorities: { clinic: 'critical' } });
    expect(islandClearing(input.orders, input.island)).toEqual(recorded.island);
    // A household sees its own curtailment only.
    const own = expectOk(await f.evaluate(who.clinic, (ctx) => market.getClearing(ctx, 'c1', TS)));
    expect(own.island.curtailments.map((c: { loadId: string }) => c.loadId)).toEqual(['clinic']);
    const P = recorded.priceMicrosPerKwh as number;

    // Delivery as curtailed: b1 drew nothing, the clinic the 1,000 Wh s1 exported.
    f.now = T + 960;
    for (const [id, importWh, exportWh] of [
      ['s1', 0, 1000],
      ['b1', 0, 0],
      ['clinic', 1000, 0],
    ] as const) {
      const [reading] = readingsOf(`${id}.m`, T, [{ importWh, exportWh }]);
      expectOk(await f.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([signReading(reading, keys[id].privateKey)]))));
    }
    expectOk(await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', TS)));
    const supplyBefore = expectOk(await f.evaluate(regulator, (ctx) => credits.getSupply(ctx)));
    const settled = expectOk(await f.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, '')));
    const settlement = expectOk(await f.evaluate(regulator, (ctx) => market.getSettlement(ctx, 'c1', TS)));
    const reasons = [...new Set(settlement.postings.map((p: { reason: string }) => p.reason))].sort();
    expect(reasons).toEqual(['grid-fee', 'island-imbalance', 'trade']);
    // The clinic pays b1 for the energy b1 bought and did not draw, at the island (clearing) price.
    expect(settlement.postings.filter((p: { reason: string }) => p.reason === 'island-imbalance')).toEqual([
      {
        postingId: 'island:clinic:b1',
        from: 'clinic',
        to: 'b1',
        amountMicros: costMicros(1000, P),
        energyWh: 1000,
        reason: 'island-imbalance',
        orderIds: [],
      },
    ]);
    const net = Object.fromEntries(
      settled.participants.map((p: { participantId: string; netMicros: number }) => [p.participantId, p.netMicros]),
    );
    expect(net).toEqual({ s1: costMicros(1000, P), b1: -costMicros(1000, params.gridFeeMicrosPerKwh), clinic: -costMicros(1000, P) });
    // The utility got the grid fee only: no energy bought or sold; credits are conserved.
    const supply = expectOk(await f.evaluate(regulator, (ctx) => credits.getSupply(ctx)));
    expect(supply.utilityMicros - supplyBefore.utilityMicros).toBe(costMicros(1000, params.gridFeeMicrosPerKwh));
    let accounts = 0;
    for (const value of Object.values(f.dump((k) => k.startsWith('\u0000account\u0000')))) {
      const a = value as { availableMicros: number; escrowMicros: number };
      accounts += a.availableMicros + a.escrowMicros;
    }
    expect(accounts + supply.utilityMicros).toBe(supply.supplyMicros);
    // The figures count no energy supplied or taken by the utility.
    const figures = expectOk(await f.evaluate(regulator, (ctx) => new FiguresContract().getIntervalFigures(ctx, 'c1', TS)));
    expect([figures.deviationSuppliedWh, figures.deviationTakenWh, figures.spotVolumeWh]).toEqual([0, 0, 1000]);

    // Reconnected: the next interval clears without an island and its curtailment.
    f.now = T + 900 - params.gateClosureSeconds + 60;
    expectOk(await f.run(operator, (ctx) => market.closeInterval(ctx, 'c1', NEXT)));
    const normal = expectOk(await f.run(operator, (ctx) => market.clearInterval(ctx, 'c1', NEXT)));
    expect(normal.volumeWh).toBe(100);
    expect(normal.island).toBeUndefined();
    expect(expectOk(await f.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', NEXT))).island).toBeUndefined();
  });
});
