import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import { clearAuction, Order, PriceParams, settleCorrection, settleInterval } from '../../src/market';
import { codeOf } from '../support';

const T0 = '2026-11-21T09:00:00Z';

function order(orderId: string, participantId: string, side: 'buy' | 'sell', energyWh: number, price: number): Order {
  return { orderId, participantId, side, energyWh, priceMicrosPerKwh: price, placedAt: T0 };
}

describe('settleInterval at the documented bounds (issue 29, section 6)', () => {
  it('refuses a deviation-supplied posting beyond 2^53 − 1 µ with AMOUNT_OUT_OF_RANGE instead of emitting it rounded', () => {
    const tariff: PriceParams = { feedInMicrosPerKwh: 1, retailMicrosPerKwh: 999_999_937, gridFeeMicrosPerKwh: 0, kPpm: 212_766 };
    const clearing = clearAuction(
      [
        order('s1', 'S2', 'sell', 970_750_942, 999_999_936),
        order('s2', 'S2', 'sell', 914_133_495, 999_999_936),
        order('b1', 'B1', 'buy', 956_042_626, 999_999_937),
        order('b2', 'B2', 'buy', 973_566_463, 999_999_936),
      ],
      tariff,
    );
    const metered = [
      { participantId: 'B1', netWh: 0 },
      { participantId: 'B2', netWh: 0 },
      { participantId: 'S2', netWh: -7_215_251_423 },
    ];
    const soldWh = clearing.fills.filter((f) => f.participantId === 'S2').reduce((s, f) => s + f.filledWh, 0);
    // S2's shortfall is netWh − sold; the utility supplied it at retail, rounded down once.
    const exact = (BigInt(7_215_251_423 + soldWh) * 999_999_937n) / 1000n;
    expect(exact).toBe(9_100_135_286_691_440n);
    expect(exact > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(codeOf(() => settleInterval(clearing, { ...tariff, utilityId: 'utility' }, metered))).toBe(ErrorCodes.AMOUNT_OUT_OF_RANGE);
  });
});

// An independent reference: the documented rules computed exactly in BigInt from the clearing's
// trades and fills and the metered positions. Not the implementation: nothing here is rounded
// by a float or checked on the way; the range is judged only at the end.
const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const UTILITY = 'utility';
const cost = (wh: bigint, microsPerKwh: number) => (wh * BigInt(microsPerKwh)) / 1000n;

interface Expected {
  postings: { postingId: string; from: string; to: string; amountMicros: bigint; energyWh: bigint }[];
  participants: { participantId: string; tradedWh: bigint; deviationWh: bigint; netMicros: bigint }[];
  /** Every figure the rules produce, sums of money per account (paid, received) included: all within ±MAX, or the settlement is refused. */
  figures: bigint[];
}

function reference(clearing: ReturnType<typeof clearAuction>, p: PriceParams, nets: Map<string, number>): Expected {
  const postings: Expected['postings'] = [];
  for (const t of clearing.trades) {
    const wh = BigInt(t.energyWh);
    postings.push({
      postingId: `trade:${t.buyOrderId}:${t.sellOrderId}`,
      from: t.buyerId,
      to: t.sellerId,
      amountMicros: cost(wh, t.priceMicrosPerKwh),
      energyWh: wh,
    });
    postings.push({
      postingId: `grid-fee:${t.buyOrderId}:${t.sellOrderId}`,
      from: t.buyerId,
      to: UTILITY,
      amountMicros: cost(wh, p.gridFeeMicrosPerKwh),
      energyWh: wh,
    });
  }
  const traded = new Map<string, bigint>();
  const sides = new Map<string, string>();
  for (const f of clearing.fills) {
    traded.set(f.participantId, (traded.get(f.participantId) ?? 0n) + BigInt(f.filledWh));
    sides.set(f.participantId, f.side);
  }
  const participants: Expected['participants'] = [];
  for (const [id, tradedWh] of traded) {
    // D = net − sold (sellers), net + bought (buyers); < 0 supplied at retail, > 0 taken at feed-in.
    const deviationWh = BigInt(nets.get(id)!) + (sides.get(id) === 'sell' ? -tradedWh : tradedWh);
    if (deviationWh < 0n)
      postings.push({
        postingId: `deviation:${id}`,
        from: id,
        to: UTILITY,
        amountMicros: cost(-deviationWh, p.retailMicrosPerKwh),
        energyWh: -deviationWh,
      });
    if (deviationWh > 0n)
      postings.push({
        postingId: `deviation:${id}`,
        from: UTILITY,
        to: id,
        amountMicros: cost(deviationWh, p.feedInMicrosPerKwh),
        energyWh: deviationWh,
      });
    participants.push({ participantId: id, tradedWh, deviationWh, netMicros: 0n });
  }
  const moving = postings.filter((q) => q.amountMicros > 0n);
  const paid = new Map<string, bigint>();
  const received = new Map<string, bigint>();
  for (const q of moving) {
    paid.set(q.from, (paid.get(q.from) ?? 0n) + q.amountMicros);
    received.set(q.to, (received.get(q.to) ?? 0n) + q.amountMicros);
  }
  for (const x of participants) x.netMicros = (received.get(x.participantId) ?? 0n) - (paid.get(x.participantId) ?? 0n);
  const figures = [
    ...moving.flatMap((q) => [q.amountMicros, q.energyWh]),
    ...participants.flatMap((x) => [x.tradedWh, x.deviationWh, x.netMicros]),
    ...paid.values(),
    ...received.values(),
  ];
  return { postings: moving, participants, figures };
}

const inRange = (figures: bigint[]) => figures.every((v) => v <= MAX && v >= -MAX);
const byId = <T extends { postingId: string }>(list: T[]) => [...list].sort((a, b) => (a.postingId < b.postingId ? -1 : 1));

/** Prices at the documented bounds: retail plus fee up to 10^9 µ/kWh, often near it. */
const priceParams = fc
  .record({
    top: fc.oneof(fc.integer({ min: 990_000_000, max: 1_000_000_000 }), fc.integer({ min: 0, max: 1_000_000_000 })),
    feeShare: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
    feedInShare: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
    kPpm: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map(({ top, feeShare, feedInShare, kPpm }): PriceParams => {
    const gridFeeMicrosPerKwh = Math.floor(top * feeShare);
    const retailMicrosPerKwh = top - gridFeeMicrosPerKwh;
    return { feedInMicrosPerKwh: Math.floor(retailMicrosPerKwh * feedInShare), retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm };
  });

const energyWh = fc.oneof(fc.integer({ min: 900_000_000, max: 1_000_000_000 }), fc.integer({ min: 1, max: 1_000_000_000 }));
/** A metered net of up to ±10^10 Wh: beyond 2^53 − 1 µ at 10^9 µ/kWh from about 9 × 10^9 Wh of deviation. */
const netWh = fc.oneof(fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }), fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }));

const intervals = fc
  .record({
    params: priceParams,
    // Sellers S1..S3, buyers B1..B3 (no participant on both sides), all placed at one instant.
    rows: fc.array(
      fc.record({
        who: fc.integer({ min: 1, max: 3 }),
        side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
        energyWh,
        priceShare: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    nets: fc.array(netWh, { minLength: 6, maxLength: 6 }),
  })
  .map(({ params, rows, nets }) => {
    const band = params.retailMicrosPerKwh - params.feedInMicrosPerKwh;
    const orders = rows.map((r, k) =>
      order(
        `o${k}`,
        `${r.side === 'sell' ? 'S' : 'B'}${r.who}`,
        r.side,
        r.energyWh,
        params.feedInMicrosPerKwh + Math.floor(band * r.priceShare),
      ),
    );
    const ids = [...new Set(orders.map((o) => o.participantId))].sort();
    return { params, orders, nets: new Map(ids.map((id, k) => [id, nets[k]])) };
  });

describe('settleInterval at the bounds, against a BigInt reference', () => {
  it(
    'every amount and energy it emits is the exact value as a safe integer, or the whole settlement is refused with ' +
      'AMOUNT_OUT_OF_RANGE because an exact value is beyond 2^53 − 1',
    () => {
      const seen = { exact: 0, refused: 0 };
      fc.assert(
        fc.property(intervals, ({ params, orders, nets }) => {
          const clearing = clearAuction(orders, params);
          const expected = reference(clearing, params, nets);
          const metered = [...nets].map(([participantId, net]) => ({ participantId, netWh: net }));
          const settle = () => settleInterval(clearing, { ...params, utilityId: UTILITY }, metered);
          if (!inRange(expected.figures)) {
            seen.refused++;
            expect(codeOf(settle)).toBe(ErrorCodes.AMOUNT_OUT_OF_RANGE);
            return;
          }
          seen.exact++;
          const r = settle();
          const numbers = [
            ...r.postings.flatMap((q) => [q.amountMicros, q.energyWh]),
            ...r.participants.flatMap((x) => [x.tradedWh, x.deviationWh, x.netMicros]),
          ];
          expect(numbers.every(Number.isSafeInteger)).toBe(true);
          const got = r.postings.map(({ postingId, from, to, amountMicros, energyWh: wh }) => ({
            postingId,
            from,
            to,
            amountMicros: BigInt(amountMicros),
            energyWh: BigInt(wh),
          }));
          expect(byId(got)).toEqual(byId(expected.postings));
          const gotParticipants = r.participants.map((x) => ({
            participantId: x.participantId,
            tradedWh: BigInt(x.tradedWh),
            deviationWh: BigInt(x.deviationWh),
            netMicros: BigInt(x.netMicros),
          }));
          expect(gotParticipants.sort((a, b) => (a.participantId < b.participantId ? -1 : 1))).toEqual(
            expected.participants.sort((a, b) => (a.participantId < b.participantId ? -1 : 1)),
          );
        }),
        { numRuns: 1500 },
      );
      // Both outcomes occur at these bounds, so neither branch is vacuous.
      expect(seen.exact).toBeGreaterThan(100);
      expect(seen.refused).toBeGreaterThan(10);
    },
  );

  it(
    'a correction is the exact difference of the two deviation values, or AMOUNT_OUT_OF_RANGE when that difference (or either value) ' +
      'is beyond 2^53 − 1',
    () => {
      const seen = { exact: 0, refused: 0 };
      const value = (d: bigint, p: PriceParams) => (d < 0n ? -cost(-d, p.retailMicrosPerKwh) : cost(d, p.feedInMicrosPerKwh));
      fc.assert(
        fc.property(
          priceParams,
          fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
          fc.integer({ min: 0, max: 6_000_000_000 }),
          netWh,
          netWh,
          (params, side, tradedWh, estimatedNet, verifiedNet) => {
            const traded = side === 'sell' ? -BigInt(tradedWh) : BigInt(tradedWh);
            const before = BigInt(estimatedNet) + traded;
            const after = BigInt(verifiedNet) + traded;
            const difference = value(after, params) - value(before, params);
            const settled = { participantId: 'P', side, tradedWh, deviationWh: Number(before), estimated: true };
            const correct = () => settleCorrection(settled, verifiedNet, { ...params, utilityId: UTILITY });
            if (!inRange([value(after, params), value(before, params), difference, after])) {
              seen.refused++;
              expect(codeOf(correct)).toBe(ErrorCodes.AMOUNT_OUT_OF_RANGE);
              return;
            }
            seen.exact++;
            const { participant, posting } = correct();
            expect(BigInt(participant.netMicros)).toBe(difference);
            expect(BigInt(participant.deviationWh)).toBe(after);
            if (difference === 0n) expect(posting).toBeNull();
            else {
              expect(posting).toMatchObject({ from: difference > 0n ? UTILITY : 'P', to: difference > 0n ? 'P' : UTILITY });
              expect(BigInt(posting!.amountMicros)).toBe(difference < 0n ? -difference : difference);
              expect(Number.isSafeInteger(posting!.amountMicros)).toBe(true);
            }
          },
        ),
        { numRuns: 1000 },
      );
      expect(seen.exact).toBeGreaterThan(100);
      expect(seen.refused).toBeGreaterThan(10);
    },
  );
});
