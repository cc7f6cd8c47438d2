import { clearMarket, ErrorCodes, formatInstant } from '@gridledger/core';
import { EnergyContract, AssetsContract } from '../src/energy';
import { CreditsContract } from '../src/market/credits';
import { GridContract } from '../src/grid';
import { MarketContract } from '../src/market/market';
import { marketLimits } from '../src/market/clearing';
import { MeteringContract } from '../src/metering';
import { FakeFabric, identity, meterKeys, readingsOf, SEED, signReading, submitVia, withTransient } from './fake-fabric';
import { codeOf, expectOk, operator, regulator, setupMarket, T, TS, utility } from './market-support';

const grid = new GridContract();
const market = new MarketContract();
const assets = new AssetsContract();
const energy = new EnergyContract();
const metering = new MeteringContract();
const credits = new CreditsContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const who = {
  s1: identity('CommunityMSP', 'prosumer', 's1'),
  s2: identity('CommunityMSP', 'prosumer', 's2'),
  b1: identity('CommunityMSP', 'consumer', 'b1'),
};
type Who = keyof typeof who;
const keys = { s1: meterKeys(), s2: meterKeys(), b1: meterKeys() };

/** The connection point cp and a village v under it whose feeder exports at most 2 kW (500 Wh in 15 minutes). */
const zones = [
  { zoneId: 'cp', parentZoneId: null, exportLimitW: 0, importLimitW: 0, lossPpm: 0 },
  { zoneId: 'v', parentZoneId: 'cp', exportLimitW: 2_000, importLimitW: 4_000, lossPpm: 20_000 },
];
const setModel = (fabric: FakeFabric, caller: ReturnType<typeof identity>, effectiveFrom: string, z: unknown = zones) =>
  fabric.run(caller, (ctx) => grid.setModel(ctx, 'c1', JSON.stringify({ zones: z, effectiveFrom })));

/** Each trader's site in its zone, its meter attached. */
async function sites(fabric: FakeFabric, zoneOf: Record<Who, string>): Promise<void> {
  for (const id of Object.keys(zoneOf) as Who[]) {
    const site = { siteId: `${id}.site`, participantId: id, connectionCapacityW: 20_000, zone: zoneOf[id] };
    expectOk(await fabric.run(operator, (ctx) => assets.registerSite(ctx, JSON.stringify(site))));
    expectOk(await fabric.run(operator, (ctx) => assets.attachMeter(ctx, `${id}.m`, `${id}.site`)));
  }
}

const order = (side: 'buy' | 'sell', energyWh: number, priceMicrosPerKwh: number) =>
  JSON.stringify({ clientOrderId: 'a', communityId: 'c1', intervalStart: TS, side, energyWh, priceMicrosPerKwh });

describe('grid model', () => {
  it('only the utility changes it, from a future interval; every version is kept; reads answer the one in force', async () => {
    const fabric = await setupMarket(keys);
    // The market's interval is 900 s with the gate 300 s before: T − 7200 is now.
    expect(codeOf(await setModel(fabric, operator, TS))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await setModel(fabric, identity('CommunityMSP', 'utility', 'fake'), TS))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await setModel(fabric, who.s1, TS))).toBe(ErrorCodes.ACCESS_DENIED);
    for (const past of [formatInstant(T - 7200), formatInstant(T - 9000), formatInstant(T + 60)])
      expect(codeOf(await setModel(fabric, utility, past))).toBe(ErrorCodes.GRID_MODEL_INVALID);
    expect(codeOf(await setModel(fabric, utility, TS, [zones[1]]))).toBe(ErrorCodes.GRID_MODEL_INVALID);
    const first = expectOk(await setModel(fabric, utility, TS));
    expect(first).toMatchObject({ communityId: 'c1', effectiveFrom: TS, number: 1, changedBy: 'utility', mspId: 'UtilityMSP' });
    const later = formatInstant(T + 3600);
    const wider = [zones[0], { ...zones[1], exportLimitW: 9_000 }];
    expectOk(await setModel(fabric, utility, later, wider));
    // A change before the latest version is refused: versions follow each other.
    expect(codeOf(await setModel(fabric, utility, formatInstant(T + 900)))).toBe(ErrorCodes.GRID_MODEL_INVALID);

    const at = (caller: ReturnType<typeof identity>, instant: string) =>
      fabric.evaluate(caller, (ctx) => grid.getModel(ctx, 'c1', instant));
    expect(codeOf(await at(regulator, formatInstant(T - 900)))).toBe(ErrorCodes.GRID_MODEL_NOT_FOUND);
    expect(codeOf(await at(regulator, ''))).toBe(ErrorCodes.GRID_MODEL_NOT_FOUND);
    expect(expectOk(await at(who.b1, formatInstant(T + 900))).zones).toEqual(zones);
    expect(expectOk(await at(operator, later)).zones[1].exportLimitW).toBe(9_000);
    const versions = expectOk(await fabric.evaluate(regulator, (ctx) => grid.listVersions(ctx, 'c1'))).versions;
    expect(versions.map((v: { number: number; effectiveFrom: string }) => [v.number, v.effectiveFrom])).toEqual([
      [1, TS],
      [2, later],
    ]);
    expect(codeOf(await fabric.evaluate(who.s1, (ctx) => grid.listVersions(ctx, 'c1')))).toBe(ErrorCodes.ACCESS_DENIED);
  });

  it('sites and assets of a community with a model name one of its zones (ZONE_UNKNOWN); without a model any zone', async () => {
    const fabric = await setupMarket(keys);
    const site = (siteId: string, participantId: string, zone: string) =>
      fabric.run(operator, (ctx) => assets.registerSite(ctx, JSON.stringify({ siteId, participantId, connectionCapacityW: 5000, zone })));
    expectOk(await site('free', 's1', 'anywhere'));
    expectOk(await fabric.run(operator, (ctx) => assets.attachMeter(ctx, 's1.m', 'free')));
    expectOk(await setModel(fabric, utility, TS));
    expectOk(await site('odd', 's2', 'nowhere'));
    expect(codeOf(await fabric.run(operator, (ctx) => assets.attachMeter(ctx, 's2.m', 'odd')))).toBe(ErrorCodes.ZONE_UNKNOWN);
    expectOk(await site('ok', 's2', 'v'));
    expect(expectOk(await fabric.run(operator, (ctx) => assets.attachMeter(ctx, 's2.m', 'ok'))).zone).toBe('v');
    const asset = (zone: string) =>
      fabric.run(operator, (ctx) =>
        assets.registerAsset(
          ctx,
          JSON.stringify({
            assetId: `pv-${zone}`,
            participantId: 's2',
            meterId: 's2.m',
            source: 'solar',
            capacityW: 5000,
            zone,
            feeder: 'f1',
            location: 'roof',
            commissionedOn: '2026-01-01',
            certificationHash: 'a'.repeat(64),
          }),
        ),
      );
    expect(codeOf(await asset('nowhere'))).toBe(ErrorCodes.ZONE_UNKNOWN);
    expectOk(await asset('v'));
  });
});

describe('zonal clearing on the ledger', () => {
  async function zonalMarket(limits = zones): Promise<FakeFabric> {
    // The community's first parameters apply at once: zonal from the start.
    const fabric = await setupMarket(keys, { clearingMethod: 'zonal' });
    expectOk(await setModel(fabric, utility, TS, limits));
    await sites(fabric, { s1: 'v', s2: 'cp', b1: 'cp' });
    return fabric;
  }

  /** Cheap solar in v, a dearer seller and a buyer at the connection point; the interval closed at its gate. */
  async function bookClosed(f: FakeFabric): Promise<void> {
    const place = (id: Who, body: string) => f.run(who[id], (ctx) => market.placeOrder(ctx, body));
    expectOk(await place('s1', order('sell', 1000, 100_000)));
    expectOk(await place('s2', order('sell', 1000, 150_000)));
    expectOk(await place('b1', order('buy', 1000, 200_000)));
    f.now = T - 300;
    expectOk(await f.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
  }

  it('splits the prices at the bound feeder, settles the rent to the utility and conserves credits to the micro-unit', async () => {
    const f = await zonalMarket();
    await bookClosed(f);
    const interval = expectOk(await f.evaluate(operator, (ctx) => market.getInterval(ctx, 'c1', TS)));
    expect(interval.params.clearingMethod).toBe('zonal');
    const cleared = expectOk(await f.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)));
    expect(cleared).toMatchObject({ status: 'cleared', volumeWh: 1000, priceMicrosPerKwh: 150_000 });
    const view = expectOk(await f.evaluate(who.b1, (ctx) => market.getClearingZones(ctx, 'c1', TS)));
    expect(view).toMatchObject({ clearingMethod: 'zonal', congested: true, priceMicrosPerKwh: 150_000 });
    expect(view.zones).toEqual([
      { zoneId: 'cp', areaZoneId: 'cp', priceMicrosPerKwh: 150_000 },
      { zoneId: 'v', areaZoneId: 'v', priceMicrosPerKwh: 100_000 },
    ]);
    // 2 kW over 900 s: 500 Wh leave v, 2 % of them lost; the feeder keeps 500 Wh × 50,000 µ/kWh.
    expect(view.feeders).toEqual([
      { zoneId: 'v', parentZoneId: 'cp', flowWh: 500, binding: 'export', lossWh: 10, lossMicros: 1_500, congestionRentMicros: 25_000 },
    ]);
    // The audit's input: the orders with the network and zones recompute the recorded clearing.
    const input = expectOk(await f.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', TS)));
    expect(input.network.zoneOf).toEqual({ b1: 'cp', s1: 'v', s2: 'cp' });
    const recomputed = clearMarket(input.orders, input.params, input.network);
    const recorded = expectOk(await f.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)));
    for (const field of ['inputDigest', 'networkDigest', 'priceMicrosPerKwh', 'zones', 'feeders', 'fills', 'trades'] as const)
      expect(recorded[field]).toEqual(recomputed[field]);

    f.now = T + 960;
    for (const [id, importWh, exportWh] of [
      ['s1', 0, 500],
      ['s2', 0, 500],
      ['b1', 1000, 0],
    ] as const) {
      const [reading] = readingsOf(`${id}.m`, T, [{ importWh, exportWh }]);
      expectOk(await f.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([signReading(reading, keys[id].privateKey)]))));
    }
    expectOk(await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', TS)));
    const settled = expectOk(await f.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, '')));
    const net = Object.fromEntries(
      settled.participants.map((p: { participantId: string; netMicros: number }) => [p.participantId, p.netMicros]),
    );
    // s1 is paid v's price, s2 and b1 trade at cp's; b1 pays the grid fee on all it bought.
    expect(net).toEqual({ s1: 50_000, s2: 75_000, b1: -160_000 });
    const supply = expectOk(await f.evaluate(regulator, (ctx) => credits.getSupply(ctx)));
    let accounts = 0;
    for (const value of Object.values(f.dump((k) => k.startsWith('\u0000account\u0000')))) {
      const a = value as { availableMicros: number; escrowMicros: number };
      accounts += a.availableMicros + a.escrowMicros;
    }
    expect(accounts + supply.utilityMicros).toBe(supply.supplyMicros);
    expect(supply.utilityMicros).toBe(25_000 + 10_000);
    // Tokens cross no feeder: s2's move to b1, s1 keeps its own.
    expect(settled.tokenTransfers).toEqual([expect.objectContaining({ sellerId: 's2', buyerId: 'b1', movedWh: 500 })]);
  });

  it('without a binding limit clears exactly as the uniform auction', async () => {
    const f = await zonalMarket([zones[0], { ...zones[1], exportLimitW: 100_000 }]);
    await bookClosed(f);
    expectOk(await f.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)));
    const recorded = expectOk(await f.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)));
    const input = expectOk(await f.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', TS)));
    const uniform = clearMarket(input.orders, { ...input.params, clearingMethod: 'uniform' }, null);
    expect(recorded).toMatchObject({ clearingMethod: 'zonal', congested: false, volumeWh: 1000 });
    for (const field of ['inputDigest', 'priceMicrosPerKwh', 'lowerMicrosPerKwh', 'upperMicrosPerKwh', 'fills', 'trades'] as const)
      expect(recorded[field]).toEqual(uniform[field]);
  });

  it('clears a congested interval in pages, each recomputed from the same book and network', async () => {
    const f = await zonalMarket();
    await bookClosed(f);
    const before = marketLimits.clearingPageItems;
    marketLimits.clearingPageItems = 1;
    try {
      const pages = [];
      for (let page = 0; page < 3; page++) pages.push(expectOk(await f.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS, ''))));
      expect(pages.map((p) => [p.page, p.pageCount, p.status])).toEqual([
        [0, 3, 'clearing'],
        [1, 3, 'clearing'],
        [2, 3, 'cleared'],
      ]);
    } finally {
      marketLimits.clearingPageItems = before;
    }
    const recorded = expectOk(await f.evaluate(regulator, (ctx) => market.getClearing(ctx, 'c1', TS)));
    const input = expectOk(await f.evaluate(regulator, (ctx) => market.getClearingOrders(ctx, 'c1', TS)));
    const recomputed = clearMarket(input.orders, input.params, input.network);
    expect(recorded).toMatchObject({ congested: true, fillPages: 3, tradePages: 3 });
    expect([recorded.fills, recorded.trades]).toEqual([recomputed.fills, recomputed.trades]);
  });
});
