import fc from 'fast-check';
import { canonicalJson } from '../../src/core';
import { aggregateCurves, clearAuction, clearingDifferences, escrowAfterClearing, escrowMicros, Order, orderIdOf } from '../../src/market';

const params = { feedInMicrosPerKwh: 10, retailMicrosPerKwh: 1_000, gridFeeMicrosPerKwh: 7, kPpm: 300_000 };
const books = fc
  .array(
    fc.record({
      side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
      energyWh: fc.integer({ min: 1, max: 5000 }),
      price: fc.integer({ min: 10, max: 1000 }),
    }),
    { maxLength: 12 },
  )
  .map((rows) =>
    rows.map((r, k): Order => ({
      orderId: `o${k}`,
      participantId: `${r.side}-${k}`,
      side: r.side,
      energyWh: r.energyWh,
      priceMicrosPerKwh: r.price,
      placedAt: '2026-11-21T09:00:00Z',
    })),
  );

describe('escrowAfterClearing', () => {
  it('keeps exactly what the trades of each buy order cost and refunds the rest, never below zero', () => {
    fc.assert(
      fc.property(books, (orders) => {
        const result = clearAuction(orders, params);
        const escrows = new Map(
          orders.filter((o) => o.side === 'buy').map((o) => [o.orderId, escrowMicros(o, params.gridFeeMicrosPerKwh)]),
        );
        const after = escrowAfterClearing(escrows, result.trades);
        for (const [orderId, { keptMicros, refundMicros }] of after) {
          const cost = result.trades.filter((t) => t.buyOrderId === orderId).reduce((s, t) => s + t.amountMicros + t.gridFeeMicros, 0);
          expect(keptMicros).toBe(cost);
          expect(refundMicros).toBeGreaterThanOrEqual(0);
          expect(keptMicros + refundMicros).toBe(escrows.get(orderId));
        }
      }),
    );
  });

  it('refuses trades that cost more than the escrow', () => {
    const trade = {
      buyOrderId: 'b',
      sellOrderId: 's',
      buyerId: 'B',
      sellerId: 'S',
      energyWh: 1,
      priceMicrosPerKwh: 1,
      amountMicros: 10,
      gridFeeMicros: 1,
    };
    expect(() => escrowAfterClearing(new Map([['b', 10]]), [trade])).toThrow(RangeError);
  });
});

describe('aggregateCurves and order ids', () => {
  it('sums energy per price level, best price first, without any id', () => {
    fc.assert(
      fc.property(books, (orders) => {
        const { bids, asks } = aggregateCurves(orders);
        const total = (side: string) => orders.filter((o) => o.side === side).reduce((s, o) => s + o.energyWh, 0);
        expect(bids.at(-1)?.cumulativeWh ?? 0).toBe(total('buy'));
        expect(asks.at(-1)?.cumulativeWh ?? 0).toBe(total('sell'));
        for (let k = 1; k < bids.length; k++) expect(bids[k].priceMicrosPerKwh).toBeLessThan(bids[k - 1].priceMicrosPerKwh);
        for (let k = 1; k < asks.length; k++) expect(asks[k].priceMicrosPerKwh).toBeGreaterThan(asks[k - 1].priceMicrosPerKwh);
        expect(JSON.stringify({ bids, asks })).not.toMatch(/orderId|participantId/);
      }),
    );
  });

  it('gives one id per participant and clientOrderId, valid as a ledger id', () => {
    expect(orderIdOf('alice', 'c1')).toBe(orderIdOf('alice', 'c1'));
    expect(orderIdOf('alice', 'c1')).not.toBe(orderIdOf('bob', 'c1'));
    expect(orderIdOf('alice', 'c1')).toMatch(/^o[0-9a-f]{32}$/);
  });
});

describe('clearingDifferences', () => {
  it('finds no difference between a clearing and its recomputation, and names each changed field', () => {
    const orders: Order[] = [
      { orderId: 'b1', participantId: 'B', side: 'buy', energyWh: 10, priceMicrosPerKwh: 100, placedAt: '2026-11-21T09:00:00Z' },
      { orderId: 's1', participantId: 'S', side: 'sell', energyWh: 10, priceMicrosPerKwh: 40, placedAt: '2026-11-21T09:00:00Z' },
    ];
    const a = clearAuction(orders, params) as unknown as Record<string, unknown>;
    // As the ledger returns it: canonical JSON, keys sorted.
    const b = JSON.parse(canonicalJson(clearAuction([...orders].reverse(), params)));
    expect(JSON.stringify(b.fills)).not.toBe(JSON.stringify(a.fills));
    expect(clearingDifferences(a, b)).toEqual([]);
    expect(clearingDifferences(a, { ...b, priceMicrosPerKwh: 71, trades: [] })).toEqual(['priceMicrosPerKwh', 'trades']);
  });
});
