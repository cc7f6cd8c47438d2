import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bookDigest, clearAuction, escrowMicros, Order, PriceParams } from '../../src/market';

const params: PriceParams = { feedInMicrosPerKwh: 10, retailMicrosPerKwh: 100, gridFeeMicrosPerKwh: 4, kPpm: 500_000 };
const T0 = '2026-11-21T09:00:00Z';

// The recipe in docs/market.md for recomputing a book's input digest from the audit command's JSON book, verbatim.
const JQ_DIGEST_RECIPE =
  `\njq -r '"gridledger-book-v1", (.params | .feedInMicrosPerKwh, .retailMicrosPerKwh, .gridFeeMicrosPerKwh, .kPpm), ` +
  `(.orders | sort_by(.orderId)[] | .orderId, .participantId, .side, .energyWh, .priceMicrosPerKwh, .placedAt)' book.json | sha256sum\n`;

function order(orderId: string, side: 'buy' | 'sell', energyWh: number, price: number, extra: Partial<Order> = {}): Order {
  return { orderId, participantId: `p-${orderId}`, side, energyWh, priceMicrosPerKwh: price, placedAt: T0, ...extra };
}

const filledOf = (result: ReturnType<typeof clearAuction>) => Object.fromEntries(result.fills.map((f) => [f.orderId, f.filledWh]));

describe('clearAuction, worked examples', () => {
  it('prices inside the clearing interval: bids 100 and 50, asks 40 and 60, 10 Wh each, give [50, 60] and 55', () => {
    const result = clearAuction(
      [order('b1', 'buy', 10, 100), order('b2', 'buy', 10, 50), order('a1', 'sell', 10, 40), order('a2', 'sell', 10, 60)],
      params,
    );
    expect(result).toMatchObject({
      volumeWh: 10,
      marginalBidMicrosPerKwh: 100,
      marginalAskMicrosPerKwh: 40,
      lowerMicrosPerKwh: 50,
      upperMicrosPerKwh: 60,
      priceMicrosPerKwh: 55,
    });
    expect(filledOf(result)).toEqual({ a1: 10, a2: 0, b1: 10, b2: 0 });
  });

  it('closes the interval on the marginal ask when a rationed ask is left unfilled', () => {
    const tariff = { feedInMicrosPerKwh: 50_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000, kPpm: 500_000 };
    const result = clearAuction(
      [order('b1', 'buy', 100, 200_000), order('a1', 'sell', 60, 100_000), order('a2', 'sell', 60, 150_000)],
      tariff,
    );
    expect(result.volumeWh).toBe(100);
    expect(result.marginalBidMicrosPerKwh).toBe(200_000);
    expect(result.marginalAskMicrosPerKwh).toBe(150_000);
    // a2 keeps 20 Wh unfilled at 150,000, so any higher price would leave it in the money unfilled.
    expect(result).toMatchObject({ lowerMicrosPerKwh: 150_000, upperMicrosPerKwh: 150_000, priceMicrosPerKwh: 150_000 });
    expect(filledOf(result)).toEqual({ a1: 60, a2: 40, b1: 100 });
    // 60 Wh at 150,000 µ/kWh = 9,000 µ; grid fee 60 Wh at 10,000 µ/kWh = 600 µ.
    expect(result.trades).toEqual([
      {
        buyOrderId: 'b1',
        sellOrderId: 'a1',
        buyerId: 'p-b1',
        sellerId: 'p-a1',
        energyWh: 60,
        priceMicrosPerKwh: 150_000,
        amountMicros: 9_000,
        gridFeeMicros: 600,
      },
      {
        buyOrderId: 'b1',
        sellOrderId: 'a2',
        buyerId: 'p-b1',
        sellerId: 'p-a2',
        energyWh: 40,
        priceMicrosPerKwh: 150_000,
        amountMicros: 6_000,
        gridFeeMicros: 400,
      },
    ]);
  });

  it('shares the marginal price level pro rata, not first come first served', () => {
    const result = clearAuction(
      [
        order('b1', 'buy', 100, 50, { placedAt: '2026-11-21T08:00:00Z' }),
        order('b2', 'buy', 100, 50, { placedAt: '2026-11-21T08:30:00Z' }),
        order('a1', 'sell', 100, 40),
      ],
      params,
    );
    expect(filledOf(result)).toEqual({ a1: 100, b1: 50, b2: 50 });
    // The rationed bids keep energy unfilled at 50: the interval closes on [50, 50].
    expect(result.priceMicrosPerKwh).toBe(50);
  });

  it('hands the Wh left by rounding to the largest remainders, then by order id', () => {
    // 5 Wh shared by 3, 3 and 1 Wh: exactly 2.14, 2.14 and 0.71; floors 2, 2, 0; the spare Wh goes to 0.71.
    const shared = clearAuction(
      [order('b1', 'buy', 3, 60), order('b2', 'buy', 3, 60), order('b3', 'buy', 1, 60), order('a1', 'sell', 5, 20)],
      params,
    );
    expect(filledOf(shared)).toMatchObject({ b1: 2, b2: 2, b3: 1 });
    // 2 Wh shared by three 1-Wh bids: equal remainders, so the two smallest order ids get one each.
    const tied = clearAuction(
      [order('x3', 'buy', 1, 60), order('x1', 'buy', 1, 60), order('x2', 'buy', 1, 60), order('a1', 'sell', 2, 20)],
      params,
    );
    expect(filledOf(tied)).toMatchObject({ x1: 1, x2: 1, x3: 0 });
  });

  it('fills orders priced better than the margin completely and worse ones not at all', () => {
    const result = clearAuction(
      [
        order('b-high', 'buy', 30, 90),
        order('b-mid1', 'buy', 40, 60),
        order('b-mid2', 'buy', 20, 60),
        order('b-low', 'buy', 50, 30),
        order('a1', 'sell', 60, 40),
        order('a2', 'sell', 50, 70),
      ],
      params,
    );
    expect(result.volumeWh).toBe(60);
    expect(filledOf(result)).toEqual({ 'b-high': 30, 'b-mid1': 20, 'b-mid2': 10, 'b-low': 0, a1: 60, a2: 0 });
    // Lower: the rationed bids at 60 (above the marginal ask 40); upper: the marginal bid 60 (below a2's 70).
    expect(result.priceMicrosPerKwh).toBe(60);
  });

  it('trades nothing when no bid reaches an ask', () => {
    const result = clearAuction([order('b1', 'buy', 10, 30), order('a1', 'sell', 10, 40)], params);
    expect(result).toMatchObject({ volumeWh: 0, priceMicrosPerKwh: null, trades: [] });
    expect(result.fills.map((f) => f.filledWh)).toEqual([0, 0]);
    expect(clearAuction([], params)).toMatchObject({ volumeWh: 0, fills: [], trades: [] });
  });

  it('rounds the weighted price half up and honours k at both ends', () => {
    const book = [order('b1', 'buy', 10, 51), order('a1', 'sell', 10, 40)];
    expect(clearAuction(book, params).priceMicrosPerKwh).toBe(46); // 45.5
    expect(clearAuction(book, { ...params, kPpm: 1_000_000 }).priceMicrosPerKwh).toBe(51);
    expect(clearAuction(book, { ...params, kPpm: 0 }).priceMicrosPerKwh).toBe(40);
    expect(clearAuction(book, { ...params, kPpm: 250_000 }).priceMicrosPerKwh).toBe(43); // 42.75
  });

  it.each<[string, Order[], PriceParams, string]>([
    [
      'a participant on both sides',
      [order('b1', 'buy', 5, 50, { participantId: 'p1' }), order('a1', 'sell', 5, 40, { participantId: 'p1' })],
      params,
      ErrorCodes.CLEARING_BOOK_INVALID,
    ],
    [
      'a repeated order id',
      [order('o1', 'buy', 5, 50), order('o1', 'buy', 5, 50, { participantId: 'p9' })],
      params,
      ErrorCodes.CLEARING_BOOK_INVALID,
    ],
    ['a price above retail', [order('b1', 'buy', 5, 101)], params, ErrorCodes.ORDER_PRICE_OUT_OF_BAND],
    ['a price below feed-in', [order('a1', 'sell', 5, 9)], params, ErrorCodes.ORDER_PRICE_OUT_OF_BAND],
    ['zero energy', [order('a1', 'sell', 0, 50)], params, ErrorCodes.ORDER_ENERGY_INVALID],
    ['more than 1 GWh', [order('a1', 'sell', 1_000_000_001, 50)], params, ErrorCodes.ORDER_ENERGY_INVALID],
    ['fractional energy', [order('a1', 'sell', 1.5, 50)], params, ErrorCodes.ORDER_ENERGY_INVALID],
    ['an unknown side', [order('a1', 'hold' as 'buy', 5, 50)], params, ErrorCodes.ORDER_SIDE_INVALID],
    ['an order id with a quote', [order('a"1', 'sell', 5, 50)], params, ErrorCodes.ORDER_ID_INVALID],
    ['a participant id with a slash', [order('a1', 'sell', 5, 50, { participantId: 'x/y' })], params, ErrorCodes.PARTICIPANT_ID_INVALID],
    [
      'a placement time that is no instant',
      [order('a1', 'sell', 5, 50, { placedAt: 'yesterday' })],
      params,
      ErrorCodes.ORDER_PLACED_AT_INVALID,
    ],
    [
      'a placement time of the right shape that is no date',
      [order('a1', 'sell', 5, 50, { placedAt: '2026-99-99T99:99:99Z' })],
      params,
      ErrorCodes.ORDER_PLACED_AT_INVALID,
    ],
    ['k above 1', [], { ...params, kPpm: 1_000_001 }, ErrorCodes.MARKET_PARAMS_INVALID],
    ['feed-in above retail', [], { ...params, feedInMicrosPerKwh: 101 }, ErrorCodes.MARKET_PARAMS_INVALID],
  ])('refuses %s', (_name, book, p, code) => {
    expect(() => clearAuction(book, p)).toThrow(expect.objectContaining({ code }));
  });
});

// ---- properties on random small books ---------------------------------------------------------

const PRICES = [10, 25, 40, 55, 70, 85, 100];
const TIMES = ['2026-11-21T08:00:00Z', '2026-11-21T08:00:01Z', '2026-11-21T08:05:00Z'];

/** Books of up to 9 orders; buyers and sellers are distinct participants, some with several orders. */
const books = fc
  .array(
    fc.record({
      side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
      who: fc.integer({ min: 0, max: 3 }),
      energyWh: fc.integer({ min: 1, max: 40 }),
      priceMicrosPerKwh: fc.constantFrom(...PRICES),
      placedAt: fc.constantFrom(...TIMES),
      id: fc.integer({ min: 0, max: 1_000_000 }),
    }),
    { maxLength: 9 },
  )
  .map((rows) =>
    rows.map((r, n): Order => ({
      orderId: `o${r.id}-${n}`,
      participantId: `${r.side === 'buy' ? 'consumer' : 'producer'}-${r.who}`,
      side: r.side,
      energyWh: r.energyWh,
      priceMicrosPerKwh: r.priceMicrosPerKwh,
      placedAt: r.placedAt,
    })),
  );
const anyParams = fc.record({
  feedInMicrosPerKwh: fc.constant(10),
  retailMicrosPerKwh: fc.constant(100),
  gridFeeMicrosPerKwh: fc.integer({ min: 0, max: 30 }),
  kPpm: fc.integer({ min: 0, max: 1_000_000 }),
});

/**
 * The most energy one uniform price can move with every trade individually rational: for each
 * candidate price p (any limit price in the book), demand is the bids at or above p, supply the
 * asks at or below p, and min(demand, supply) trades. (Pairing bids with asks freely, ignoring
 * the one price, could move more, e.g. 100↔85 and 10↔10, but no single price admits both pairs.)
 */
function bruteForceMaxVolume(orders: Order[]): number {
  let best = 0;
  for (const p of new Set(orders.map((o) => o.priceMicrosPerKwh))) {
    const demand = orders.filter((o) => o.side === 'buy' && o.priceMicrosPerKwh >= p).reduce((s, o) => s + o.energyWh, 0);
    const supply = orders.filter((o) => o.side === 'sell' && o.priceMicrosPerKwh <= p).reduce((s, o) => s + o.energyWh, 0);
    best = Math.max(best, Math.min(demand, supply));
  }
  return best;
}

describe('clearAuction, properties', () => {
  it('trades the largest volume a uniform price admits', () => {
    fc.assert(
      fc.property(books, anyParams, (book, p) => {
        expect(clearAuction(book, p).volumeWh).toBe(bruteForceMaxVolume(book));
      }),
      { numRuns: 400 },
    );
  });

  it('leaves no order strictly in the money unfilled and fills none strictly out of the money', () => {
    fc.assert(
      fc.property(books, anyParams, (book, p) => {
        const result = clearAuction(book, p);
        if (result.priceMicrosPerKwh === null) return;
        const price = result.priceMicrosPerKwh;
        expect(result.lowerMicrosPerKwh!).toBeLessThanOrEqual(price);
        expect(price).toBeLessThanOrEqual(result.upperMicrosPerKwh!);
        const limit = new Map(book.map((o) => [o.orderId, o.priceMicrosPerKwh]));
        for (const f of result.fills) {
          const l = limit.get(f.orderId)!;
          const inTheMoney = f.side === 'buy' ? l > price : l < price;
          const outOfTheMoney = f.side === 'buy' ? l < price : l > price;
          if (inTheMoney) expect(f.filledWh).toBe(f.energyWh);
          if (outOfTheMoney) expect(f.filledWh).toBe(0);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('is individually rational, with the price between the marginal ask and bid', () => {
    fc.assert(
      fc.property(books, anyParams, (book, p) => {
        const result = clearAuction(book, p);
        if (result.priceMicrosPerKwh === null) return;
        expect(result.marginalAskMicrosPerKwh!).toBeLessThanOrEqual(result.priceMicrosPerKwh);
        expect(result.priceMicrosPerKwh).toBeLessThanOrEqual(result.marginalBidMicrosPerKwh!);
        const limit = new Map(book.map((o) => [o.orderId, o.priceMicrosPerKwh]));
        for (const f of result.fills.filter((x) => x.filledWh > 0)) {
          if (f.side === 'buy') expect(limit.get(f.orderId)!).toBeGreaterThanOrEqual(result.priceMicrosPerKwh);
          else expect(limit.get(f.orderId)!).toBeLessThanOrEqual(result.priceMicrosPerKwh);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('balances energy and money: trades add up to fills, buyers pay what sellers get, escrow covers it', () => {
    fc.assert(
      fc.property(books, anyParams, (book, p) => {
        const result = clearAuction(book, p);
        const traded = new Map<string, number>();
        const paid = new Map<string, number>();
        for (const t of result.trades) {
          expect(t.buyerId).not.toBe(t.sellerId);
          expect(t.energyWh).toBeGreaterThan(0);
          traded.set(t.buyOrderId, (traded.get(t.buyOrderId) ?? 0) + t.energyWh);
          traded.set(t.sellOrderId, (traded.get(t.sellOrderId) ?? 0) + t.energyWh);
          paid.set(t.buyOrderId, (paid.get(t.buyOrderId) ?? 0) + t.amountMicros + t.gridFeeMicros);
          // Rounded down, never above the exact product.
          expect(t.amountMicros * 1000).toBeLessThanOrEqual(t.energyWh * t.priceMicrosPerKwh);
          expect(t.amountMicros * 1000).toBeGreaterThan(t.energyWh * t.priceMicrosPerKwh - 1000);
        }
        let bought = 0;
        let sold = 0;
        for (const f of result.fills) {
          expect(f.filledWh).toBeLessThanOrEqual(f.energyWh);
          expect(traded.get(f.orderId) ?? 0).toBe(f.filledWh);
          if (f.side === 'buy') bought += f.filledWh;
          else sold += f.filledWh;
        }
        expect(bought).toBe(result.volumeWh);
        expect(sold).toBe(result.volumeWh);
        for (const o of book.filter((x) => x.side === 'buy')) {
          expect(paid.get(o.orderId) ?? 0).toBeLessThanOrEqual(escrowMicros(o, p.gridFeeMicrosPerKwh));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('rations each marginal price level pro rata, exact to the Wh', () => {
    fc.assert(
      fc.property(books, anyParams, (book, p) => {
        const result = clearAuction(book, p);
        if (result.priceMicrosPerKwh === null) return;
        const fill = filledOf(result);
        for (const side of ['buy', 'sell'] as const) {
          const margin = side === 'buy' ? result.marginalBidMicrosPerKwh! : result.marginalAskMicrosPerKwh!;
          const better = (x: number) => (side === 'buy' ? x > margin : x < margin);
          const mine = book.filter((o) => o.side === side);
          const level = mine.filter((o) => o.priceMicrosPerKwh === margin);
          let rest = result.volumeWh;
          for (const o of mine) {
            if (better(o.priceMicrosPerKwh)) {
              expect(fill[o.orderId]).toBe(o.energyWh);
              rest -= o.energyWh;
            } else if (o.priceMicrosPerKwh !== margin) {
              expect(fill[o.orderId]).toBe(0);
            }
          }
          const total = level.reduce((s, o) => s + o.energyWh, 0);
          expect(level.reduce((s, o) => s + fill[o.orderId], 0)).toBe(rest);
          for (const o of level) {
            const exact = (rest * o.energyWh) / total;
            expect(Math.abs(fill[o.orderId] - exact)).toBeLessThan(1);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same result for the same orders in any order', () => {
    fc.assert(
      fc.property(
        books.chain((book) => fc.tuple(fc.constant(book), fc.shuffledSubarray(book, { minLength: book.length }))),
        anyParams,
        ([book, shuffled], p) => {
          expect(clearAuction(shuffled, p)).toEqual(clearAuction(book, p));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('digests the documented encoding: a known answer written out by hand, and the same through jq and sha256sum', () => {
    const book = [order('b1', 'buy', 10, 60), order('a1', 'sell', 25, 40, { participantId: 'seller.7', placedAt: '2026-11-21T08:59:59Z' })];
    // The encoding in docs/market.md, line by line: the version, the four parameters, then each order in
    // id order (a1 before b1) as orderId, participantId, side, energyWh, price, placedAt.
    const text = [
      'gridledger-book-v1',
      '10',
      '100',
      '4',
      '500000',
      'a1',
      'seller.7',
      'sell',
      '25',
      '40',
      '2026-11-21T08:59:59Z',
      'b1',
      'p-b1',
      'buy',
      '10',
      '60',
      T0,
    ]
      .map((line) => `${line}\n`)
      .join('');
    const expected = createHash('sha256').update(Buffer.from(text, 'ascii')).digest('hex');
    expect(clearAuction(book, params).inputDigest).toBe(expected);
    // The jq recipe in docs/market.md over the audit command's JSON book, with the orders out of id order.
    const dir = mkdtempSync(join(tmpdir(), 'gl-digest-'));
    try {
      writeFileSync(join(dir, 'book.json'), JSON.stringify({ params, orders: book }));
      const out = execFileSync('bash', ['-euo', 'pipefail', '-c', JQ_DIGEST_RECIPE], { cwd: dir, encoding: 'utf8' });
      expect(out.split(' ')[0]).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('digests exactly the documented lines for any book the validation admits', () => {
    fc.assert(
      fc.property(
        books,
        anyParams,
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        (book, p, anyId, anyEnergy) => {
          // Any id the validation lets through, and any energy up to the bound, must encode the same way.
          const withOdd = book.map((o, i) => (i === 0 ? { ...o, orderId: anyId, energyWh: anyEnergy } : o));
          const sorted = [...withOdd].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
          let text = `gridledger-book-v1\n${p.feedInMicrosPerKwh}\n${p.retailMicrosPerKwh}\n${p.gridFeeMicrosPerKwh}\n${p.kPpm}\n`;
          for (const o of sorted)
            text += `${o.orderId}\n${o.participantId}\n${o.side}\n${o.energyWh}\n${o.priceMicrosPerKwh}\n${o.placedAt}\n`;
          const expected = createHash('sha256').update(text, 'utf8').digest('hex');
          expect(bookDigest(p, sorted)).toBe(expected);
          if (new Set(sorted.map((o) => o.orderId)).size === sorted.length) expect(clearAuction(withOdd, p).inputDigest).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('digests books larger than one hashing chunk like one text', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      order(`o${String(i).padStart(5, '0')}`, i % 2 ? 'buy' : 'sell', 1 + (i % 7), 10 + (i % 90)),
    );
    const text = [
      'gridledger-book-v1',
      '10',
      '100',
      '4',
      '500000',
      ...many.flatMap((o) => [o.orderId, o.participantId, o.side, o.energyWh, o.priceMicrosPerKwh, o.placedAt]),
    ]
      .map((line) => `${line}\n`)
      .join('');
    expect(clearAuction([...many].reverse(), params).inputDigest).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('digests its inputs: any change to an order or a parameter changes the digest', () => {
    const book = [order('b1', 'buy', 10, 60), order('a1', 'sell', 10, 40)];
    const digest = clearAuction(book, params).inputDigest;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(clearAuction([book[1], book[0]], params).inputDigest).toBe(digest);
    expect(clearAuction([{ ...book[0], energyWh: 11 }, book[1]], params).inputDigest).not.toBe(digest);
    expect(clearAuction([{ ...book[0], placedAt: T0.replace('09', '10') }, book[1]], params).inputDigest).not.toBe(digest);
    expect(clearAuction(book, { ...params, kPpm: 400_000 }).inputDigest).not.toBe(digest);
  });
});
