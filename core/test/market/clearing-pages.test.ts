import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import { clearAuction, clearingPage, clearingPageCount, escrowAfterClearing, escrowMicros, Order } from '../../src/market';

const params = { feedInMicrosPerKwh: 10_000, retailMicrosPerKwh: 100_000, gridFeeMicrosPerKwh: 3_000, kPpm: 500_000 };

/** Books of up to 60 orders of 6 buyers and 6 sellers. */
const books = fc
  .array(
    fc.record({
      side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
      who: fc.integer({ min: 0, max: 5 }),
      energyWh: fc.integer({ min: 1, max: 50 }),
      priceMicrosPerKwh: fc.integer({ min: 10, max: 100 }).map((p) => p * 1000),
    }),
    { maxLength: 60 },
  )
  .map((rows) =>
    rows.map((r, n): Order => ({
      orderId: `o${String(n).padStart(3, '0')}`,
      participantId: `${r.side}-${r.who}`,
      side: r.side,
      energyWh: r.energyWh,
      priceMicrosPerKwh: r.priceMicrosPerKwh,
      placedAt: '2026-11-21T08:00:00Z',
    })),
  );

describe('clearingPage', () => {
  it('puts every fill, trade and buy refund on exactly one page, in the clearing order, none beyond the page size', () => {
    fc.assert(
      fc.property(books, fc.integer({ min: 1, max: 25 }), (book, items) => {
        const result = clearAuction(book, params);
        const escrows = new Map(book.filter((o) => o.side === 'buy').map((o) => [o.orderId, escrowMicros(o, params.gridFeeMicrosPerKwh)]));
        const count = clearingPageCount(result, items);
        const pages = Array.from({ length: count }, (_, k) => clearingPage(result, escrows, k, items));
        for (const p of pages) {
          expect(p.pageCount).toBe(count);
          expect(p.fills.length).toBeLessThanOrEqual(items);
          expect(p.trades.length).toBeLessThanOrEqual(items);
        }
        expect(pages.flatMap((p) => p.fills)).toEqual(result.fills);
        expect(pages.flatMap((p) => p.trades)).toEqual(result.trades);
        // The refunds of all pages are each participant's refund over the whole clearing.
        const whole = new Map<string, number>();
        for (const [orderId, { refundMicros }] of escrowAfterClearing(escrows, result.trades)) {
          const who = book.find((o) => o.orderId === orderId)!.participantId;
          if (refundMicros > 0) whole.set(who, (whole.get(who) ?? 0) + refundMicros);
        }
        const paged = new Map<string, number>();
        for (const p of pages) for (const r of p.refunds) paged.set(r.participantId, (paged.get(r.participantId) ?? 0) + r.refundMicros);
        expect(paged).toEqual(whole);
        // One refund per participant and page at most.
        for (const p of pages) expect(new Set(p.refunds.map((r) => r.participantId)).size).toBe(p.refunds.length);
      }),
    );
  });

  it('has one page for an empty clearing and refuses a page that does not exist', () => {
    const empty = clearAuction([], params);
    expect(clearingPage(empty, new Map(), 0)).toMatchObject({ page: 0, pageCount: 1, fills: [], trades: [], refunds: [] });
    for (const page of [-1, 1, 0.5]) {
      expect(() => clearingPage(empty, new Map(), page)).toThrow(expect.objectContaining({ code: ErrorCodes.INTERVAL_STATE_CONFLICT }));
    }
  });

  it('counts pages by the longer of fills and trades', () => {
    expect(clearingPageCount({ fills: new Array(10), trades: new Array(3) }, 4)).toBe(3);
    expect(clearingPageCount({ fills: new Array(2), trades: new Array(9) }, 4)).toBe(3);
    expect(clearingPageCount({ fills: [], trades: [] }, 4)).toBe(1);
  });
});
