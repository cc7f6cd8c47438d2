import { auditClearing, clearAuction, Order, parseOrderBook, PriceParams } from '../../src/market';

const params: PriceParams = { feedInMicrosPerKwh: 40_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000, kPpm: 500_000 };
const order = (orderId: string, participantId: string, side: 'buy' | 'sell', priceMicrosPerKwh: number, energyWh = 10_000): Order => ({
  orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt: '2026-11-21T08:00:00Z',
});
// The market rules' example: bids 100 and 50, asks 40 and 60 (here in thousands of µ/kWh), 10 kWh each.
const book = { params, orders: [order('b1', 'buyer1', 'buy', 100_000), order('b2', 'buyer2', 'buy', 50_000), order('s1', 'seller1', 'sell', 40_000), order('s2', 'seller2', 'sell', 60_000)] };

it('recomputes the rules example (price 55 inside [50, 60]) and finds the recorded clearing matching', () => {
  const recorded = clearAuction(book.orders, params);
  const report = auditClearing(book, JSON.parse(JSON.stringify(recorded)));
  expect(report.recomputed.priceMicrosPerKwh).toBe(55_000);
  expect([report.recomputed.lowerMicrosPerKwh, report.recomputed.upperMicrosPerKwh]).toEqual([50_000, 60_000]);
  expect(report).toMatchObject({ matches: true, differences: [] });
});

it('names every field and trade in which a recorded clearing differs', () => {
  const recorded = clearAuction(book.orders, params);
  const tampered = { ...recorded, priceMicrosPerKwh: 70_000, trades: recorded.trades.map((t) => ({ ...t, amountMicros: t.amountMicros + 1 })) };
  const report = auditClearing(book, tampered);
  expect(report.matches).toBe(false);
  expect(report.differences[0]).toBe('priceMicrosPerKwh: recorded 70000, recomputed 55000');
  expect(report.differences.some((d) => d.startsWith('trades[0]: '))).toBe(true);
});

it('finds a book that is not the one cleared by its digest', () => {
  const recorded = clearAuction(book.orders, params);
  const report = auditClearing({ params, orders: book.orders.slice(0, 3) }, recorded);
  expect(report.matches).toBe(false);
  expect(report.differences.some((d) => d.startsWith('inputDigest: '))).toBe(true);
});

it('without a recorded clearing it only recomputes', () => {
  expect(auditClearing(book).matches).toBeNull();
});

it('refuses what is not a book', () => {
  expect(() => parseOrderBook([])).toThrow(/order book/);
  expect(() => parseOrderBook({ params })).toThrow(/order book/);
  expect(parseOrderBook(JSON.parse(JSON.stringify(book))).orders).toHaveLength(4);
});
