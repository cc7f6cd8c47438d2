/**
 * The clearing made about as fast as a sort (issue 27) against the one before it (clearing-before.ts): on random books,
 * valid or broken in one place, both give the same result to the last field, or refuse with the same code, message and
 * details.
 */
import fc from 'fast-check';
import { GridLedgerError } from '../../src/core';
import { clearAuction, Order, PriceParams } from '../../src/market';
import { clearAuctionBefore } from './clearing-before';

const ID_CHARS = 'AZaz09._-'.split('');

/** An id the validation admits: a letter or digit, then up to `max` more of the allowed characters (few, so that ids share prefixes). */
const anyId = (max: number) =>
  fc
    .tuple(fc.constantFrom('A', 'a', 'z', '0', '9'), fc.array(fc.constantFrom(...ID_CHARS), { maxLength: max }))
    .map(([first, rest]) => first + rest.join(''));

/** Tariffs from equal to a band of nearly 10^9, any fee and k. */
const anyParams: fc.Arbitrary<PriceParams> = fc
  .record({
    feedInMicrosPerKwh: fc.integer({ min: 0, max: 400_000_000 }),
    band: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 590_000_000 })),
    gridFeeMicrosPerKwh: fc.integer({ min: 0, max: 10_000_000 }),
    kPpm: fc.oneof(fc.constantFrom(0, 500_000, 1_000_000), fc.integer({ min: 0, max: 1_000_000 })),
  })
  .map(({ feedInMicrosPerKwh, band, gridFeeMicrosPerKwh, kPpm }) => ({
    feedInMicrosPerKwh,
    retailMicrosPerKwh: feedInMicrosPerKwh + band,
    gridFeeMicrosPerKwh,
    kPpm,
  }));

const TIMES = ['2026-11-21T08:00:00Z', '2026-11-21T08:00:01Z', '2026-11-21T07:59:59Z', '2024-02-29T23:00:00Z', '2026-11-21T08:05:00Z'];

/** A valid book for `p`: distinct ids, each participant on one side, prices anywhere in the band or on a few levels. */
const validBook = (p: PriceParams, maxLength: number, minLength = 0) =>
  fc
    .tuple(
      fc.uniqueArray(
        fc.record({
          id: anyId(12),
          buyer: fc.boolean(),
          who: fc.integer({ min: 0, max: 12 }),
          energyWh: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 1_000_000_000 })),
          price: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 1_000_000_000 })),
          placedAt: fc.constantFrom(...TIMES),
        }),
        { minLength, maxLength, selector: (r) => r.id },
      ),
      fc.constantFrom('as drawn', 'in id order', 'reversed'),
    )
    .map(([rows, arrangement]) => {
      const band = p.retailMicrosPerKwh - p.feedInMicrosPerKwh;
      const orders = rows.map((r): Order => ({
        orderId: r.id,
        participantId: `${r.buyer ? 'consumer' : 'producer'}-${r.who}`,
        side: r.buyer ? 'buy' : 'sell',
        energyWh: r.energyWh,
        priceMicrosPerKwh: p.feedInMicrosPerKwh + (r.price <= 4 ? Math.floor((band * r.price) / 4) : r.price % (band + 1)),
        placedAt: r.placedAt,
      }));
      if (arrangement !== 'as drawn') orders.sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
      if (arrangement === 'reversed') orders.reverse();
      return orders;
    });

/** One fault in an order (or none): what each check of the clearing refuses. */
const FAULTS: ((o: Order, other: Order) => Order)[] = [
  (o) => o,
  (o) => ({ ...o, orderId: `${o.orderId}/` }),
  (o) => ({ ...o, orderId: 7 as unknown as string }),
  (o) => ({ ...o, participantId: '_x' }),
  (o) => ({ ...o, participantId: null as unknown as string }),
  (o) => ({ ...o, placedAt: '2026-02-29T00:00:00Z' }),
  (o) => ({ ...o, placedAt: 20261121 as unknown as string }),
  (o) => ({ ...o, side: 'hold' as 'buy' }),
  (o) => ({ ...o, energyWh: 0 }),
  (o) => ({ ...o, energyWh: 2.5 }),
  (o) => ({ ...o, priceMicrosPerKwh: -1 }),
  (o) => ({ ...o, priceMicrosPerKwh: 1_000_000_001 }),
  (o, other) => ({ ...o, orderId: other.orderId }),
  (o, other) => ({ ...o, participantId: other.participantId, side: other.side === 'buy' ? 'sell' : 'buy' }),
  (o, other) => ({ ...o, participantId: other.participantId }),
];

const books = (maxLength: number) =>
  anyParams.chain((p) =>
    fc.tuple(fc.constant(p), validBook(p, maxLength), fc.integer({ min: 0, max: FAULTS.length - 1 }), fc.nat(), fc.nat()),
  );

/** The result, or the error's code, message and details. */
function outcome(clear: typeof clearAuction, book: Order[], p: PriceParams): unknown {
  try {
    return clear(book, p);
  } catch (e) {
    if (!(e instanceof GridLedgerError)) throw e;
    return { code: e.code, message: e.message, details: e.details };
  }
}

describe('clearAuction against the clearing before it', () => {
  it('gives identical results and errors on random books of up to 60 orders', () => {
    let refused = 0;
    let traded = 0;
    fc.assert(
      fc.property(books(60), ([p, book, fault, at, other]) => {
        if (book.length > 0 && fault > 0) book[at % book.length] = FAULTS[fault](book[at % book.length], book[other % book.length]);
        const now = outcome(clearAuction, book, p);
        expect(now).toEqual(outcome(clearAuctionBefore, book, p));
        if ('code' in (now as object)) refused++;
        else if ((now as ReturnType<typeof clearAuction>).trades.length > 0) traded++;
      }),
      { numRuns: 3000 },
    );
    // The books reach both ways out: refusals and clearings that trade.
    expect(refused).toBeGreaterThan(1500);
    expect(traded).toBeGreaterThan(100);
  });

  it('gives identical results on random books of thousands of orders (several digest chunks, every sort pass)', () => {
    fc.assert(
      fc.property(
        anyParams.chain((p) => fc.tuple(fc.constant(p), validBook(p, 3000, 1000))),
        ([p, book]) => {
          expect(clearAuction(book, p)).toEqual(clearAuctionBefore(book, p));
        },
      ),
      { numRuns: 25, endOnFailure: true },
    );
  });
});
