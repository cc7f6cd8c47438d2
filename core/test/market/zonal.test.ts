import fc from 'fast-check';
import highsLoader from 'highs';
import { ErrorCodes } from '../../src/core';
import { clearAuction, clearZonal, FeederZone, feederLimitWh, Order, PriceParams, ZonalClearingResult } from '../../src/market';

const params: PriceParams = { feedInMicrosPerKwh: 10_000, retailMicrosPerKwh: 100_000, gridFeeMicrosPerKwh: 4_000, kPpm: 500_000 };
const T0 = '2026-11-21T09:00:00Z';

function order(orderId: string, side: 'buy' | 'sell', energyWh: number, price: number, participantId = `p-${orderId}`): Order {
  return { orderId, participantId, side, energyWh, priceMicrosPerKwh: price, placedAt: T0 };
}

const zone = (zoneId: string, parentZoneId: string | null, exportLimitWh: number, importLimitWh: number, lossPpm = 0): FeederZone => ({
  zoneId,
  parentZoneId,
  exportLimitWh,
  importLimitWh,
  lossPpm,
});

const filledOf = (r: ZonalClearingResult) => Object.fromEntries(r.fills.map((f) => [f.orderId, f.filledWh]));
const priceOf = (r: ZonalClearingResult, zoneId: string) => r.zones.find((z) => z.zoneId === zoneId)!.priceMicrosPerKwh;
const feederOf = (r: ZonalClearingResult, zoneId: string) => r.feeders.find((f) => f.zoneId === zoneId)!;

describe('clearZonal, worked examples', () => {
  // A village zone v under the connection point r: cheap solar in v, demand and a dearer seller at r.
  const orders = [order('a-v', 'sell', 100, 20_000), order('b-r', 'buy', 100, 80_000), order('a-r', 'sell', 100, 60_000)];
  const zoneOf = { 'p-a-v': 'v', 'p-b-r': 'r', 'p-a-r': 'r' };

  it('equals the uniform clearing when no feeder limit binds', () => {
    const network = [zone('r', null, 0, 0), zone('v', 'r', 1000, 1000, 20_000)];
    const zonal = clearZonal(orders, zoneOf, network, params);
    const uniform = clearAuction(orders, params);
    expect(zonal.uniform).toBe(true);
    expect(zonal.fills).toEqual(uniform.fills);
    expect(zonal.trades.map(({ areaZoneId: _a, buyerFeederZoneId: _b, sellerFeederZoneId: _s, ...t }) => t)).toEqual(uniform.trades);
    expect(zonal.zones.map((z) => z.priceMicrosPerKwh)).toEqual([uniform.priceMicrosPerKwh, uniform.priceMicrosPerKwh]);
    // 100 Wh leave v; 2 % of them are lost, charged at the price where they arrive.
    expect(feederOf(zonal, 'v')).toMatchObject({ flowWh: 100, binding: null, lossWh: 2, congestionRentMicros: 0 });
    expect(feederOf(zonal, 'v').lossMicros).toBe(Math.round((2 * uniform.priceMicrosPerKwh!) / 1000));
  });

  it('splits the prices when the feeder binds: 50 Wh leave v at its price, r pays its own, the feeder keeps the difference', () => {
    const network = [zone('r', null, 0, 0), zone('v', 'r', 50, 1000)];
    const zonal = clearZonal(orders, zoneOf, network, params);
    expect(zonal.uniform).toBe(false);
    expect(filledOf(zonal)).toEqual({ 'a-r': 50, 'a-v': 50, 'b-r': 100 });
    // v: the solar seller's unfilled rest prices v at 20,000; r: the dear seller is marginal and rationed, 60,000.
    expect(priceOf(zonal, 'v')).toBe(20_000);
    expect(priceOf(zonal, 'r')).toBe(60_000);
    expect(feederOf(zonal, 'v')).toMatchObject({ flowWh: 50, binding: 'export', congestionRentMicros: 50 * 40 });
    expect(zonal.volumeWh).toBe(100);
    // The buyer pays r's price for all 100 Wh, half of it bought from the feeder, with the grid fee on each.
    const paid = zonal.trades.filter((t) => t.buyerId === 'p-b-r');
    expect(paid.reduce((s, t) => s + t.amountMicros, 0)).toBe(100 * 60);
    expect(paid.every((t) => t.gridFeeMicros === (t.energyWh * params.gridFeeMicrosPerKwh) / 1000)).toBe(true);
    // The seller in v is paid v's price by the feeder, without a grid fee (the buyer across pays it).
    const sold = zonal.trades.filter((t) => t.sellerId === 'p-a-v');
    expect(sold).toEqual([expect.objectContaining({ energyWh: 50, amountMicros: 50 * 20, gridFeeMicros: 0, buyerFeederZoneId: 'v' })]);
  });

  it('binds an import limit: the zone buys at most its limit from outside and prices higher', () => {
    const network = [zone('r', null, 0, 0), zone('v', 'r', 1000, 30)];
    const book = [order('b-v', 'buy', 100, 90_000), order('a-r', 'sell', 100, 20_000), order('a-v', 'sell', 100, 70_000)];
    const zonal = clearZonal(book, { 'p-b-v': 'v', 'p-a-r': 'r', 'p-a-v': 'v' }, network, params);
    expect(filledOf(zonal)).toEqual({ 'a-r': 30, 'a-v': 70, 'b-v': 100 });
    expect(feederOf(zonal, 'v')).toMatchObject({ flowWh: -30, binding: 'import' });
    expect(priceOf(zonal, 'v')).toBeGreaterThan(priceOf(zonal, 'r')!);
  });

  it('prices an area energy only passes through, so each feeder leg is paid and the rents are not negative', () => {
    // r sells 8 Wh at 20k; z1 (import 7) hangs below r, z2 (import 7) below z1; z2 bids for 8 at 40k, z1 for 1 at 30k.
    const network = [zone('r', null, 0, 0), zone('z1', 'r', 0, 7), zone('z2', 'z1', 0, 7)];
    const book = [order('s', 'sell', 8, 20_000), order('b1', 'buy', 1, 30_000), order('b2', 'buy', 8, 40_000)];
    const r = clearZonal(book, { 'p-s': 'r', 'p-b1': 'z1', 'p-b2': 'z2' }, network, params);
    expect(filledOf(r)).toEqual({ s: 7, b1: 0, b2: 7 });
    // z1 lies between its unfilled bid (30k) and z2's price (40k): 30k + k × 10k.
    expect(['r', 'z1', 'z2'].map((z) => priceOf(r, z))).toEqual([20_000, 35_000, 40_000]);
    expect(r.trades.every((t) => t.priceMicrosPerKwh !== null)).toBe(true);
    expect([feederOf(r, 'z1').congestionRentMicros, feederOf(r, 'z2').congestionRentMicros]).toEqual([105, 35]);
  });

  it('a feeder rating in W becomes Wh per interval, rounded down', () => {
    expect(feederLimitWh(10_000, 900)).toBe(2500);
    expect(feederLimitWh(1001, 60)).toBe(16);
  });

  it('refuses a network that is not one tree, and a participant without a zone', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'none';
    };
    expect(code(() => clearZonal(orders, zoneOf, [zone('r', null, 0, 0), zone('v', 'x', 1, 1)], params))).toBe(
      ErrorCodes.CLEARING_BOOK_INVALID,
    );
    expect(code(() => clearZonal(orders, zoneOf, [zone('r', null, 0, 0), zone('v', null, 1, 1)], params))).toBe(
      ErrorCodes.CLEARING_BOOK_INVALID,
    );
    expect(code(() => clearZonal(orders, { 'p-a-v': 'v' }, [zone('r', null, 0, 0), zone('v', 'r', 1, 1)], params))).toBe(
      ErrorCodes.CLEARING_BOOK_INVALID,
    );
  });
});

// ---- property tests against HiGHS (an LP solver) on random small networks ----

interface Case {
  network: FeederZone[];
  orders: Order[];
  zoneOf: Record<string, string>;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    parents: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
    limits: fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })), { minLength: 5, maxLength: 5 }),
    orders: fc.array(
      fc.record({
        side: fc.constantFrom('buy' as const, 'sell' as const),
        energyWh: fc.integer({ min: 1, max: 50 }),
        // Few distinct prices, so that ties (and rationing) are common.
        price: fc.integer({ min: 1, max: 10 }).map((p) => p * 10_000),
        zone: fc.nat(),
        participant: fc.integer({ min: 0, max: 8 }),
      }),
      { minLength: 1, maxLength: 14 },
    ),
  })
  .map(({ parents, limits, orders }) => {
    const n = parents.length + 1;
    const network = [zone('z0', null, 0, 0)];
    parents.forEach((p, k) => network.push(zone(`z${k + 1}`, `z${p % (k + 1)}`, limits[k][0], limits[k][1])));
    // A participant keeps one side and one zone: its first order decides them.
    const seen = new Map<number, { side: 'buy' | 'sell'; zone: string }>();
    const zoneOf: Record<string, string> = {};
    const book: Order[] = orders.map((o, k) => {
      if (!seen.has(o.participant)) seen.set(o.participant, { side: o.side, zone: `z${o.zone % n}` });
      const p = seen.get(o.participant)!;
      zoneOf[`p${o.participant}`] = p.zone;
      return order(`o${k}`, p.side, o.energyWh, o.price, `p${o.participant}`);
    });
    return { network, orders: book, zoneOf };
  });

/** The welfare LP in CPLEX LP format: max Σ bid × bought − Σ ask × sold, a balance row per zone, the feeders' limits as bounds. */
function lpOf(c: Case): string {
  const obj = c.orders.map((o, k) => `${o.side === 'buy' ? '+' : '-'} ${o.priceMicrosPerKwh} x${k}`).join(' ');
  const rows = c.network.map((z) => {
    const terms = c.orders.flatMap((o, k) => (c.zoneOf[o.participantId] === z.zoneId ? [`${o.side === 'sell' ? '+' : '-'} x${k}`] : []));
    for (const child of c.network) if (child.parentZoneId === z.zoneId) terms.push(`+ f_${child.zoneId}`);
    if (z.parentZoneId !== null) terms.push(`- f_${z.zoneId}`);
    return ` bal_${z.zoneId}: ${terms.join(' ') || '0 x0'} = 0`;
  });
  const bounds = [
    ...c.orders.map((o, k) => ` 0 <= x${k} <= ${o.energyWh}`),
    ...c.network.filter((z) => z.parentZoneId !== null).map((z) => ` -${z.importLimitWh} <= f_${z.zoneId} <= ${z.exportLimitWh}`),
  ];
  return `Maximize\n obj: ${obj}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
}

function welfareOf(c: Case, r: ZonalClearingResult): number {
  const filled = filledOf(r);
  return c.orders.reduce((s, o) => s + (o.side === 'buy' ? 1 : -1) * o.priceMicrosPerKwh * filled[o.orderId], 0);
}

/** Complementary slackness of the fills and flows with zone prices: what optimality asks of a primal and a dual. */
function slackViolations(c: Case, r: ZonalClearingResult, price: (zoneId: string) => number | null): string[] {
  const bad: string[] = [];
  const filled = filledOf(r);
  for (const o of c.orders) {
    const p = price(c.zoneOf[o.participantId]);
    if (p === null) continue;
    const gain = o.side === 'buy' ? o.priceMicrosPerKwh - p : p - o.priceMicrosPerKwh;
    if (gain > 1e-6 && filled[o.orderId] !== o.energyWh) bad.push(`${o.orderId} in the money but not filled`);
    if (gain < -1e-6 && filled[o.orderId] !== 0) bad.push(`${o.orderId} out of the money but filled`);
  }
  for (const f of r.feeders) {
    const child = price(f.zoneId);
    const parent = price(f.parentZoneId);
    if (child === null || parent === null) continue;
    const z = c.network.find((n) => n.zoneId === f.zoneId)!;
    if (child < parent - 1e-6 && f.flowWh !== z.exportLimitWh) bad.push(`${f.zoneId} cheaper but not exporting at its limit`);
    if (child > parent + 1e-6 && f.flowWh !== -z.importLimitWh) bad.push(`${f.zoneId} dearer but not importing at its limit`);
  }
  return bad;
}

describe('clearZonal against an LP solver (HiGHS) on random radial networks', () => {
  let highs: Awaited<ReturnType<typeof highsLoader>>;
  beforeAll(async () => {
    highs = await highsLoader();
  });

  it('never exceeds a limit, reaches the LP optimum, and prices each zone consistently with the LP duals', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = clearZonal(c.orders, c.zoneOf, c.network, params);
        for (const f of r.feeders) {
          const z = c.network.find((n) => n.zoneId === f.zoneId)!;
          expect(f.flowWh).toBeLessThanOrEqual(z.exportLimitWh);
          expect(f.flowWh).toBeGreaterThanOrEqual(-z.importLimitWh);
        }
        // Each feeder carries what its subtree's participants sell less what they buy.
        const net: Record<string, number> = {};
        for (const f of r.fills)
          net[c.zoneOf[f.participantId]] = (net[c.zoneOf[f.participantId]] ?? 0) + (f.side === 'sell' ? 1 : -1) * f.filledWh;
        const subtree = (zoneId: string): number =>
          (net[zoneId] ?? 0) + c.network.filter((z) => z.parentZoneId === zoneId).reduce((s, z) => s + subtree(z.zoneId), 0);
        for (const f of r.feeders) expect(f.flowWh).toBe(subtree(f.zoneId));
        expect(subtree('z0')).toBe(0);
        const lp = highs.solve(lpOf(c));
        expect(lp.Status).toBe('Optimal');
        // Integer data on a network: the LP has an integral optimum, which whole-Wh fills reach exactly.
        expect(Math.abs(welfareOf(c, r) - lp.ObjectiveValue)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(lp.ObjectiveValue)));
        // Our prices and the LP's duals (price = −dual of the zone's balance row) are each optimal with our fills.
        const ours = (zoneId: string) => priceOf(r, zoneId);
        const rows = lp.Rows as { Name: string; Dual: number }[];
        const duals = (zoneId: string) => -rows.find((row) => row.Name === `bal_${zoneId}`)!.Dual;
        expect(slackViolations(c, r, ours)).toEqual([]);
        expect(slackViolations(c, r, duals)).toEqual([]);
        // Money: buyers pay what sellers get plus the feeders' congestion rent.
        const paid = r.trades.filter((t) => t.buyerFeederZoneId === null);
        const got = r.trades.filter((t) => t.sellerFeederZoneId === null);
        const rent = r.feeders.reduce((s, f) => s + f.congestionRentMicros, 0);
        expect(paid.reduce((s, t) => s + t.amountMicros, 0)).toBe(got.reduce((s, t) => s + t.amountMicros, 0) + rent);
      }),
      { numRuns: 400 },
    );
  });

  it('with limits no flow reaches, equals the uniform clearing exactly', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const network = c.network.map((z) => ({ ...z, exportLimitWh: 10_000, importLimitWh: 10_000 }));
        const r = clearZonal(c.orders, c.zoneOf, network, params);
        const u = clearAuction(c.orders, params);
        expect(r.uniform).toBe(true);
        expect(r.fills).toEqual(u.fills);
        expect(r.trades.map(({ areaZoneId: _a, buyerFeederZoneId: _b, sellerFeederZoneId: _s, ...t }) => t)).toEqual(u.trades);
        expect(new Set(r.zones.map((z) => z.priceMicrosPerKwh))).toEqual(new Set([u.priceMicrosPerKwh]));
      }),
      { numRuns: 200 },
    );
  });
});
