import fc from 'fast-check';
import {
  clearAuction,
  clearMarket,
  FeederZone,
  netBalances,
  Order,
  participantZones,
  settleInterval,
  settlementPage,
  settlementPlan,
  UTILITY_ACCOUNT,
} from '../../src';

const params = { feedInMicrosPerKwh: 10_000, retailMicrosPerKwh: 100_000, gridFeeMicrosPerKwh: 4_000, kPpm: 500_000 };
const settleParams = { ...params, utilityId: UTILITY_ACCOUNT };
const T0 = '2026-11-21T09:00:00Z';
const order = (orderId: string, side: 'buy' | 'sell', energyWh: number, price: number, participantId = `p-${orderId}`): Order => ({
  orderId,
  participantId,
  side,
  energyWh,
  priceMicrosPerKwh: price,
  placedAt: T0,
});
const zone = (zoneId: string, parentZoneId: string | null, exportLimitWh: number, importLimitWh: number): FeederZone => ({
  zoneId,
  parentZoneId,
  exportLimitWh,
  importLimitWh,
  lossPpm: 10_000,
});

// A village v under the connection point r: cheap solar in v, demand and a dearer seller at r.
const book = [order('a-v', 'sell', 100, 20_000), order('b-r', 'buy', 100, 80_000), order('a-r', 'sell', 100, 60_000)];
const zoneOf = { 'p-a-v': 'v', 'p-b-r': 'r', 'p-a-r': 'r' };

describe('clearMarket', () => {
  it('runs the uniform clearing unless the market selects zonal and a network is in force', () => {
    const network = [zone('r', null, 0, 0), zone('v', 'r', 50, 50)];
    expect(clearMarket(book, params, { network, zoneOf })).toEqual({ ...clearAuction(book, params), clearingMethod: 'uniform' });
    expect(clearMarket(book, { ...params, clearingMethod: 'zonal' }, null)).toEqual({
      ...clearAuction(book, params),
      clearingMethod: 'uniform',
    });
  });

  it('equals the uniform clearing, with the zonal figures, when no limit binds', () => {
    const network = [zone('r', null, 0, 0), zone('v', 'r', 1000, 1000)];
    const zonal = clearMarket(book, { ...params, clearingMethod: 'zonal' }, { network, zoneOf });
    const { clearingMethod, networkDigest, congested, zones, feeders, ...rest } = zonal;
    expect(rest).toEqual(clearAuction(book, params));
    expect({ clearingMethod, congested }).toEqual({ clearingMethod: 'zonal', congested: false });
    expect(networkDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(zones!.map((z) => z.priceMicrosPerKwh)).toEqual([rest.priceMicrosPerKwh, rest.priceMicrosPerKwh]);
    expect(feeders![0]).toMatchObject({ zoneId: 'v', flowWh: 100, binding: null });
  });

  it('splits the prices at a binding feeder: the record names the connection point price and no uniform bounds', () => {
    const network = [zone('r', null, 0, 0), zone('v', 'r', 50, 50)];
    const zonal = clearMarket(book, { ...params, clearingMethod: 'zonal' }, { network, zoneOf });
    expect(zonal).toMatchObject({ clearingMethod: 'zonal', congested: true, priceMicrosPerKwh: 60_000, lowerMicrosPerKwh: null });
    expect(zonal.feeders![0]).toMatchObject({ flowWh: 50, binding: 'export', congestionRentMicros: 50 * 40 });
  });

  it('puts a participant without a zone of the network at the connection point', () => {
    const recorded = new Map<string, string | undefined>([
      ['p1', 'v'],
      ['p2', undefined],
      ['p3', 'gone'],
    ]);
    expect(participantZones(recorded, [zone('r', null, 0, 0), zone('v', 'r', 1, 1)])).toEqual({ p1: 'v', p2: 'r', p3: 'r' });
  });
});

describe('settlement of a zonal clearing', () => {
  it('pays feeder legs to and from the utility: it keeps exactly the congestion rent and the grid fees', () => {
    const network = [zone('r', null, 0, 0), zone('v', 'r', 50, 50)];
    const clearing = clearMarket(book, { ...params, clearingMethod: 'zonal' }, { network, zoneOf });
    const metered = [
      { participantId: 'p-a-v', netWh: 50 },
      { participantId: 'p-a-r', netWh: 50 },
      { participantId: 'p-b-r', netWh: -100 },
    ];
    const r = settleInterval(clearing, settleParams, metered);
    const balance = netBalances(r.postings);
    expect([...balance.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
    // The seller in v gets v's price, the one at r and the buyer r's, the utility the rent and the fee on 100 Wh.
    expect(balance.get('p-a-v')).toBe(50n * 20n);
    expect(balance.get('p-a-r')).toBe(50n * 60n);
    expect(balance.get('p-b-r')).toBe(-100n * 60n - 100n * 4n);
    expect(balance.get(UTILITY_ACCOUNT)).toBe(50n * 40n + 100n * 4n);
    // Tokens move between participants only: the one at r delivers to the buyer, nothing crosses the feeder.
    expect(r.tokenTransfers).toEqual([expect.objectContaining({ sellerId: 'p-a-r', buyerId: 'p-b-r', energyWh: 50 })]);
  });

  it('on random books and networks: conserved to the micro-unit, the utility gets the rents and fees, pages add up', () => {
    const zoneIds = ['r', 'z1', 'z2', 'z3'];
    const arb = fc.record({
      parents: fc.tuple(fc.constant('r'), fc.constantFrom('r', 'z1'), fc.constantFrom('r', 'z1', 'z2')),
      limits: fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 6, maxLength: 6 }),
      orders: fc.array(
        fc.record({
          side: fc.constantFrom('buy' as const, 'sell' as const),
          energyWh: fc.integer({ min: 1, max: 80 }),
          step: fc.integer({ min: 2, max: 9 }),
          zone: fc.integer({ min: 0, max: 3 }),
        }),
        { minLength: 1, maxLength: 14 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ parents, limits, orders }) => {
        const network = [zone('r', null, 0, 0), ...parents.map((p, k) => zone(zoneIds[k + 1], p, limits[2 * k], limits[2 * k + 1]))];
        const book = orders.map((o, k) => order(`o${k}`, o.side, o.energyWh, o.step * 10_000));
        const zones = Object.fromEntries(orders.map((o, k) => [`p-o${k}`, zoneIds[o.zone]]));
        const clearing = clearMarket(book, { ...params, clearingMethod: 'zonal' }, { network, zoneOf: zones });
        const metered = book.map((o, k) => ({ participantId: o.participantId, netWh: (o.side === 'sell' ? 1 : -1) * ((k * 7) % 90) }));
        const r = settleInterval(clearing, settleParams, metered);
        const balance = netBalances(r.postings);
        expect([...balance.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
        const tradeIncome = r.postings
          .filter((p) => p.reason === 'trade')
          .reduce(
            (s, p) =>
              s + (p.to === UTILITY_ACCOUNT ? BigInt(p.amountMicros) : 0n) - (p.from === UTILITY_ACCOUNT ? BigInt(p.amountMicros) : 0n),
            0n,
          );
        expect(tradeIncome).toBe(clearing.feeders!.reduce((s, f) => s + BigInt(f.congestionRentMicros), 0n));
        const fees = r.postings.filter((p) => p.reason === 'grid-fee').reduce((s, p) => s + p.amountMicros, 0);
        expect(fees).toBe(
          clearing.trades
            .filter((t) => !('buyerFeederZoneId' in t) || t.buyerFeederZoneId === null)
            .reduce((s, t) => s + t.gridFeeMicros, 0),
        );
        for (const t of r.tokenTransfers) expect(t.buyerId.startsWith('p-') && t.sellerId.startsWith('p-')).toBe(true);
        // Pages of one trade each: the same postings as the whole settlement.
        const sizes = { trades: 1, participants: 2 };
        const plan = settlementPlan(r, clearing.trades, sizes);
        const paged = Array.from({ length: plan.pageCount }, (_, k) => settlementPage(r, clearing, plan, k, settleParams, sizes));
        expect(paged.flatMap((p) => p.postings).sort((a, b) => (a.postingId < b.postingId ? -1 : 1))).toEqual(
          [...r.postings].sort((a, b) => (a.postingId < b.postingId ? -1 : 1)),
        );
      }),
      { numRuns: 300 },
    );
  });
});
