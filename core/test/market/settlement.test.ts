import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import {
  clearAuction,
  MeteredPosition,
  Order,
  PriceParams,
  settleCorrection,
  SettlementResult,
  settleInterval,
  settlementPage,
  settlementPlan,
  tradeSettlementPage,
} from '../../src/market';
import { codeOf } from '../support';

// Tariffs of a plausible market: feed-in 0.05, retail 0.30, grid fee 0.01 per kWh, in micro-units.
const tariff: PriceParams = { feedInMicrosPerKwh: 50_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000, kPpm: 500_000 };
const settlement = { feedInMicrosPerKwh: 50_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000, utilityId: 'utility' };
const T0 = '2026-11-21T09:00:00Z';

function order(orderId: string, participantId: string, side: 'buy' | 'sell', energyWh: number, price: number): Order {
  return { orderId, participantId, side, energyWh, priceMicrosPerKwh: price, placedAt: T0 };
}

/** Seller S sells 1 kWh at ≥ 0.10, buyer B buys 1 kWh at ≤ 0.20: 1,000 Wh trade at 0.15, i.e. 150,000 µ plus 10,000 µ fee. */
const oneTrade = clearAuction([order('s1', 'S', 'sell', 1000, 100_000), order('b1', 'B', 'buy', 1000, 200_000)], tariff);

function settle(positions: Record<string, number>, clearing = oneTrade): SettlementResult {
  const metered: MeteredPosition[] = Object.entries(positions).map(([participantId, netWh]) => ({ participantId, netWh }));
  return settleInterval(clearing, settlement, metered);
}
const netOf = (r: SettlementResult) => Object.fromEntries(r.participants.map((p) => [p.participantId, p.netMicros]));
const deviationPostings = (r: SettlementResult) => r.postings.filter((p) => p.reason.startsWith('deviation'));

describe('settleInterval, hand-computed scenarios', () => {
  it('exact delivery: the trade and the grid fee, no deviation', () => {
    expect(oneTrade.priceMicrosPerKwh).toBe(150_000);
    const r = settle({ S: 1000, B: -1000 });
    expect(r.postings).toEqual([
      { postingId: 'trade:b1:s1', from: 'B', to: 'S', amountMicros: 150_000, energyWh: 1000, reason: 'trade', orderIds: ['b1', 's1'] },
      {
        postingId: 'grid-fee:b1:s1',
        from: 'B',
        to: 'utility',
        amountMicros: 10_000,
        energyWh: 1000,
        reason: 'grid-fee',
        orderIds: ['b1', 's1'],
      },
    ]);
    expect(netOf(r)).toEqual({ B: -160_000, S: 150_000 });
    expect(r.tokenTransfers).toEqual([{ sellOrderId: 's1', buyOrderId: 'b1', sellerId: 'S', buyerId: 'B', energyWh: 1000 }]);
  });

  it('seller shortfall: the seller buys the missing 400 Wh from the utility at retail', () => {
    const r = settle({ S: 600, B: -1000 });
    // 400 Wh × 300,000 µ/kWh = 120,000 µ; the seller keeps 150,000 − 120,000.
    expect(deviationPostings(r)).toEqual([
      {
        postingId: 'deviation:S',
        from: 'S',
        to: 'utility',
        amountMicros: 120_000,
        energyWh: 400,
        reason: 'deviation-supplied',
        orderIds: ['s1'],
      },
    ]);
    expect(netOf(r)).toEqual({ B: -160_000, S: 30_000 });
    expect(r.participants.find((p) => p.participantId === 'S')).toMatchObject({ tradedWh: 1000, netWh: 600, deviationWh: -400 });
    expect(r.tokenTransfers.map((t) => t.energyWh)).toEqual([600]);
  });

  it('seller excess: the 300 Wh beyond what was sold go to the utility at feed-in', () => {
    const r = settle({ S: 1300, B: -1000 });
    // 300 Wh × 50,000 µ/kWh = 15,000 µ.
    expect(deviationPostings(r)).toEqual([
      {
        postingId: 'deviation:S',
        from: 'utility',
        to: 'S',
        amountMicros: 15_000,
        energyWh: 300,
        reason: 'deviation-taken',
        orderIds: ['s1'],
      },
    ]);
    expect(netOf(r)).toEqual({ B: -160_000, S: 165_000 });
    expect(r.tokenTransfers.map((t) => t.energyWh)).toEqual([1000]);
  });

  it('buyer under-consumption: the 300 Wh bought but not used are sold back at feed-in', () => {
    const r = settle({ S: 1000, B: -700 });
    expect(deviationPostings(r)).toEqual([
      {
        postingId: 'deviation:B',
        from: 'utility',
        to: 'B',
        amountMicros: 15_000,
        energyWh: 300,
        reason: 'deviation-taken',
        orderIds: ['b1'],
      },
    ]);
    expect(netOf(r)).toEqual({ B: -145_000, S: 150_000 });
  });

  it('buyer excess consumption: the 250 Wh beyond what was bought come from the utility at retail', () => {
    const r = settle({ S: 1000, B: -1250 });
    // 250 Wh × 300,000 µ/kWh = 75,000 µ.
    expect(netOf(r)).toEqual({ B: -235_000, S: 150_000 });
  });

  it('a seller that drew from the grid pays retail for all it sold and all it drew, and passes no tokens', () => {
    const r = settle({ S: -200, B: -1000 });
    // Deviation −200 − 1000 = −1200 Wh: 360,000 µ at retail.
    expect(netOf(r)).toEqual({ B: -160_000, S: -210_000 });
    expect(r.tokenTransfers).toEqual([]);
  });

  it('unmatched orders: demand is served at retail and supply taken at feed-in', () => {
    // Bid 0.06 below ask 0.10: nothing clears.
    const none = clearAuction([order('s1', 'S', 'sell', 500, 100_000), order('b1', 'B', 'buy', 500, 60_000)], tariff);
    expect(none.volumeWh).toBe(0);
    const r = settle({ S: 500, B: -500 }, none);
    // 500 Wh at retail (150,000 µ) and 500 Wh at feed-in (25,000 µ); nothing between B and S.
    expect(r.postings).toEqual([
      {
        postingId: 'deviation:B',
        from: 'B',
        to: 'utility',
        amountMicros: 150_000,
        energyWh: 500,
        reason: 'deviation-supplied',
        orderIds: ['b1'],
      },
      {
        postingId: 'deviation:S',
        from: 'utility',
        to: 'S',
        amountMicros: 25_000,
        energyWh: 500,
        reason: 'deviation-taken',
        orderIds: ['s1'],
      },
    ]);
    expect(netOf(r)).toEqual({ B: -150_000, S: 25_000 });
  });

  it('rounds each posting down once, to the micro-unit', () => {
    // 333 Wh at a price of 150,001 µ/kWh = 49,950.333 µ, paid as 49,950 µ.
    const odd = clearAuction([order('s1', 'S', 'sell', 333, 150_001), order('b1', 'B', 'buy', 333, 150_001)], tariff);
    const r = settle({ S: 333, B: -333 }, odd);
    expect(r.postings[0]).toMatchObject({ reason: 'trade', amountMicros: 49_950 });
    // Shortfall of 1 Wh: 300 µ exactly; 7 Wh at feed-in: 350 µ.
    expect(deviationPostings(settle({ S: 332, B: -326 }, odd)).map((p) => p.amountMicros)).toEqual([350, 300]);
  });

  it("shares a short seller's delivery over its trades pro rata, largest remainders first", () => {
    // Seller S sells 7 Wh to three buyers (3, 3 and 1 Wh) and delivers 5: exactly 2.14, 2.14, 0.71 → 2, 2, 1.
    const three = clearAuction(
      [
        order('s1', 'S', 'sell', 7, 100_000),
        order('b1', 'B1', 'buy', 3, 200_000),
        order('b2', 'B2', 'buy', 3, 200_000),
        order('b3', 'B3', 'buy', 1, 200_000),
      ],
      tariff,
    );
    const r = settle({ S: 5, B1: -3, B2: -3, B3: -1 }, three);
    expect(r.tokenTransfers.map((t) => [t.buyerId, t.energyWh])).toEqual([
      ['B1', 2],
      ['B2', 2],
      ['B3', 1],
    ]);
  });
});

describe('settleInterval, refusals', () => {
  it('needs a metered position for every participant with orders', () => {
    expect(codeOf(() => settle({ S: 1000 }))).toBe(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
  });

  it('refuses positions and trades that do not belong together', () => {
    const metered = [
      { participantId: 'S', netWh: 1000 },
      { participantId: 'B', netWh: -1000 },
    ];
    const invalid = (clearing: Parameters<typeof settleInterval>[0], positions = metered, utilityId = 'utility') =>
      codeOf(() => settleInterval(clearing, { ...settlement, utilityId }, positions));
    expect(invalid(oneTrade, [...metered, { participantId: 'S', netWh: 1 }])).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(invalid(oneTrade, [{ participantId: 'S', netWh: 0.5 }, metered[1]])).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(invalid({ ...oneTrade, trades: [] })).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(invalid({ ...oneTrade, trades: [{ ...oneTrade.trades[0], energyWh: 999 }] })).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(invalid({ ...oneTrade, trades: [{ ...oneTrade.trades[0], sellerId: 'B' }] })).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(invalid(oneTrade, metered, 'S')).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(invalid(oneTrade, metered, 'not an id')).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(invalid(oneTrade, [...metered, { participantId: 'X', netWh: 5 }])).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
  });

  it('checks every trade against the clearing: no split into +25 and −15 Wh, no amount the price does not give', () => {
    const [t] = oneTrade.trades;
    const settleWith = (trades: typeof oneTrade.trades) =>
      codeOf(() =>
        settleInterval({ ...oneTrade, trades }, settlement, [
          { participantId: 'S', netWh: 1000 },
          { participantId: 'B', netWh: -1000 },
        ]),
      );
    expect(settleWith([t])).toBeUndefined();
    // Two trades of the same pair that add up to the fill (1,025 − 25 = 1,000).
    const plus = { ...t, energyWh: 1025, amountMicros: 153_750, gridFeeMicros: 10_250 };
    const minus = { ...t, energyWh: -25, amountMicros: -3_750, gridFeeMicros: -250 };
    expect(settleWith([plus, minus])).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    // A 10 Wh trade with an amount of 99,999,999 µ (in a book whose fills say 10 Wh).
    const small = clearAuction([order('s1', 'S', 'sell', 10, 100_000), order('b1', 'B', 'buy', 10, 200_000)], tariff);
    const metered = [
      { participantId: 'S', netWh: 10 },
      { participantId: 'B', netWh: -10 },
    ];
    expect(codeOf(() => settleInterval(small, settlement, metered))).toBeUndefined();
    expect(
      codeOf(() => settleInterval({ ...small, trades: [{ ...small.trades[0], amountMicros: 99_999_999 }] }, settlement, metered)),
    ).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(codeOf(() => settleInterval({ ...small, trades: [{ ...small.trades[0], gridFeeMicros: 1 }] }, settlement, metered))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
    expect(codeOf(() => settleInterval({ ...small, trades: [{ ...small.trades[0], priceMicrosPerKwh: 1 }] }, settlement, metered))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
    expect(codeOf(() => settleInterval({ ...small, fills: small.fills.map((f) => ({ ...f, filledWh: -10 })) }, settlement, metered))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
  });

  it(
    'sums money exactly: a seller with ten 0.95 GWh orders at 999,999,999 µ/kWh is refused with AMOUNT_OUT_OF_RANGE, not settled 1 µ ' +
      'off',
    () => {
      const wide: PriceParams = { feedInMicrosPerKwh: 1, retailMicrosPerKwh: 999_999_999, gridFeeMicrosPerKwh: 0, kPpm: 500_000 };
      const orders: Order[] = [];
      for (let k = 0; k < 10; k++) {
        orders.push(order(`s${k}`, 'S', 'sell', 950_000_000, 999_999_999));
        orders.push(order(`b${k}`, `B${k}`, 'buy', 950_000_000, 999_999_999));
      }
      const clearing = clearAuction(orders, wide);
      // Each trade: 950,000,000 Wh × 999,999,999 µ/kWh / 1000 = 949,999,999,050,000 µ; ten of them pass 2^53.
      expect(clearing.trades[0].amountMicros).toBe(949_999_999_050_000);
      const metered = [
        { participantId: 'S', netWh: 9_500_000_000 },
        ...Array.from({ length: 10 }, (_, k) => ({ participantId: `B${k}`, netWh: -950_000_000 })),
      ];
      expect(codeOf(() => settleInterval(clearing, { ...settlement, ...wide }, metered))).toBe(ErrorCodes.AMOUNT_OUT_OF_RANGE);
      // Five of them stay exact and add up to the micro-unit.
      const half = clearAuction(
        orders.filter((o) => Number(o.orderId.slice(1)) < 5),
        wide,
      );
      const r = settleInterval(half, { ...settlement, ...wide }, [
        { participantId: 'S', netWh: 4_750_000_000 },
        ...Array.from({ length: 5 }, (_, k) => ({ participantId: `B${k}`, netWh: -950_000_000 })),
      ]);
      expect(r.participants.find((p) => p.participantId === 'S')!.netMicros).toBe(5 * 949_999_999_050_000);
    },
  );
});

describe('estimated positions and corrections', () => {
  it('settles an estimated position (export estimated at zero) in money and flags it', () => {
    const r = settleInterval(oneTrade, settlement, [
      { participantId: 'S', netWh: 0, estimated: true },
      { participantId: 'B', netWh: -1000 },
    ]);
    // The seller is charged the whole 1,000 Wh at retail (300,000 µ) and passes no tokens.
    expect(netOf(r)).toEqual({ B: -160_000, S: -150_000 });
    expect(r.participants.find((p) => p.participantId === 'S')).toMatchObject({ estimated: true, deviationWh: -1000 });
    expect(r.tokenTransfers).toEqual([]);
  });

  it('settles a later verified reading as one correction posting of the difference', () => {
    const r = settleInterval(oneTrade, settlement, [
      { participantId: 'S', netWh: 0, estimated: true },
      { participantId: 'B', netWh: -1000 },
    ]);
    const seller = r.participants.find((p) => p.participantId === 'S')!;
    // Verified: 1,300 Wh. Deviation +300 Wh at feed-in = 15,000 µ instead of −1,000 Wh at retail = −300,000 µ.
    const { posting, participant } = settleCorrection(seller, 1300, settlement);
    expect(posting).toEqual({
      postingId: 'correction:S',
      from: 'utility',
      to: 'S',
      amountMicros: 315_000,
      energyWh: 1300,
      reason: 'correction',
      orderIds: [],
    });
    expect(participant).toMatchObject({ netWh: 1300, deviationWh: 300, estimated: false });
    // The estimate plus the correction equals settling the verified position in the first place.
    const direct = settleInterval(oneTrade, settlement, [
      { participantId: 'S', netWh: 1300 },
      { participantId: 'B', netWh: -1000 },
    ]);
    expect(netOf(r).S + posting!.amountMicros).toBe(netOf(direct).S);
    // A position that was verified is never corrected, and a corrected one not again.
    expect(codeOf(() => settleCorrection(participant, 1000, settlement))).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(settleCorrection(seller, 0, settlement).posting).toBeNull();
  });

  it('estimate plus correction always equals settling the verified position directly', () => {
    fc.assert(
      fc.property(scenarios, fc.nat(), fc.integer({ min: -5000, max: 5000 }), ({ clearing, metered }, pick, estimateWh) => {
        fc.pre(metered.length > 0);
        const k = pick % metered.length;
        const id = metered[k].participantId;
        const guessed = metered.map((m, j) => (j === k ? { participantId: id, netWh: estimateWh, estimated: true } : m));
        const first = settleInterval(clearing, settlement, guessed);
        const { posting } = settleCorrection(
          first.participants.find((p) => p.participantId === id)!,
          metered[k].netWh,
          settlement,
        );
        const delta = posting === null ? 0 : posting.to === id ? posting.amountMicros : -posting.amountMicros;
        const direct = settleInterval(clearing, settlement, metered);
        expect(netOf(first)[id] + delta).toBe(netOf(direct)[id]);
      }),
    );
  });
});

// ---- properties over random cleared books and random delivery --------------------------------

const scenarios = fc
  .record({
    rows: fc.array(
      fc.record({
        side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
        who: fc.integer({ min: 0, max: 3 }),
        energyWh: fc.integer({ min: 1, max: 5000 }),
        price: fc.integer({ min: 50_000, max: 300_000 }),
      }),
      { maxLength: 10 },
    ),
    deviations: fc.array(fc.integer({ min: -6000, max: 6000 }), { minLength: 8, maxLength: 8 }),
  })
  .map(({ rows, deviations }) => {
    const orders = rows.map((r, n) =>
      order(`o${n}`, `${r.side === 'buy' ? 'consumer' : 'producer'}-${r.who}`, r.side, r.energyWh, r.price),
    );
    const clearing = clearAuction(orders, tariff);
    // Each participant delivers its contracted position plus a random deviation.
    const contracted = new Map<string, number>();
    for (const f of clearing.fills) {
      contracted.set(f.participantId, (contracted.get(f.participantId) ?? 0) + (f.side === 'sell' ? f.filledWh : -f.filledWh));
    }
    const metered = [...contracted].map(([participantId, c], k) => ({ participantId, netWh: c + deviations[k] }));
    return { clearing, metered };
  });

describe('settleInterval, properties', () => {
  it('conserves credits: every posting moves money between two accounts, the utility included', () => {
    fc.assert(
      fc.property(scenarios, ({ clearing, metered }) => {
        const r = settleInterval(clearing, settlement, metered);
        const utility = r.postings.reduce(
          (s, p) => s + (p.to === 'utility' ? p.amountMicros : 0) - (p.from === 'utility' ? p.amountMicros : 0),
          0,
        );
        expect(r.participants.reduce((s, p) => s + p.netMicros, 0) + utility).toBe(0);
        for (const p of r.postings) expect(Number.isSafeInteger(p.amountMicros) && p.amountMicros > 0).toBe(true);
        expect(new Set(r.postings.map((p) => p.postingId)).size).toBe(r.postings.length);
      }),
    );
  });

  it('balances energy: the utility makes up exactly the sum of the deviations, each charged at its tariff', () => {
    fc.assert(
      fc.property(scenarios, ({ clearing, metered }) => {
        const r = settleInterval(clearing, settlement, metered);
        const totalNet = metered.reduce((s, m) => s + m.netWh, 0);
        expect(r.participants.reduce((s, p) => s + p.deviationWh, 0)).toBe(totalNet);
        for (const p of r.participants) {
          const expectedMicros =
            p.deviationWh < 0
              ? -Math.floor((-p.deviationWh * settlement.retailMicrosPerKwh) / 1000)
              : Math.floor((p.deviationWh * settlement.feedInMicrosPerKwh) / 1000);
          const tradeMicros = clearing.trades.reduce(
            (s, t) =>
              s +
              (t.sellerId === p.participantId ? t.amountMicros : 0) -
              (t.buyerId === p.participantId ? t.amountMicros + t.gridFeeMicros : 0),
            0,
          );
          expect(p.netMicros).toBe(tradeMicros + expectedMicros);
        }
      }),
    );
  });

  it('never pays a participant less for delivering more', () => {
    fc.assert(
      fc.property(scenarios, fc.nat(), fc.integer({ min: 1, max: 2000 }), ({ clearing, metered }, pick, extra) => {
        fc.pre(metered.length > 0);
        const k = pick % metered.length;
        const more = metered.map((m, j) => (j === k ? { ...m, netWh: m.netWh + extra } : m));
        const before = settleInterval(clearing, settlement, metered).participants.find(
          (p) => p.participantId === metered[k].participantId,
        )!;
        const after = settleInterval(clearing, settlement, more).participants.find((p) => p.participantId === metered[k].participantId)!;
        expect(after.netMicros).toBeGreaterThanOrEqual(before.netMicros);
      }),
    );
  });

  it('moves tokens only for delivered energy, never more than a trade, all of it when delivery is exact', () => {
    fc.assert(
      fc.property(scenarios, ({ clearing, metered }) => {
        const r = settleInterval(clearing, settlement, metered);
        const tradeEnergy = new Map(clearing.trades.map((t) => [`${t.sellOrderId}>${t.buyOrderId}`, t.energyWh]));
        const perSeller = new Map<string, number>();
        for (const t of r.tokenTransfers) {
          expect(t.energyWh).toBeGreaterThan(0);
          expect(t.energyWh).toBeLessThanOrEqual(tradeEnergy.get(`${t.sellOrderId}>${t.buyOrderId}`)!);
          perSeller.set(t.sellerId, (perSeller.get(t.sellerId) ?? 0) + t.energyWh);
        }
        for (const p of r.participants.filter((x) => x.side === 'sell')) {
          expect(perSeller.get(p.participantId) ?? 0).toBe(Math.min(Math.max(p.netWh, 0), p.tradedWh));
        }
        const exact = metered.map((m) => {
          const p = r.participants.find((x) => x.participantId === m.participantId)!;
          return { ...m, netWh: m.netWh - p.deviationWh };
        });
        const r2 = settleInterval(clearing, settlement, exact);
        expect(r2.postings.filter((p) => p.reason.startsWith('deviation'))).toEqual([]);
        expect(r2.tokenTransfers.reduce((s, t) => s + t.energyWh, 0)).toBe(clearing.volumeWh);
      }),
    );
  });

  it('does not depend on the order of the metered positions', () => {
    fc.assert(
      fc.property(scenarios, ({ clearing, metered }) => {
        expect(settleInterval(clearing, settlement, [...metered].reverse())).toEqual(settleInterval(clearing, settlement, metered));
      }),
    );
  });
});

describe('settlementPlan and settlementPage', () => {
  const sizes = fc.record({ trades: fc.integer({ min: 1, max: 4 }), participants: fc.integer({ min: 1, max: 4 }) });

  it(
    'puts every posting, participant and token transfer on exactly one page, in order; trade pages need only their trades and the ' +
      'plan',
    () => {
      fc.assert(
        fc.property(scenarios, sizes, ({ clearing, metered }, size) => {
          const r = settleInterval(clearing, settlement, metered);
          const plan = settlementPlan(r, clearing.trades, size);
          expect(plan.tradePages).toBe(Math.ceil(clearing.trades.length / size.trades));
          const pages = Array.from({ length: plan.pageCount }, (_, k) => settlementPage(r, clearing, plan, k, settlement, size));
          expect(pages.flatMap((p) => p.postings)).toEqual(r.postings);
          expect(pages.flatMap((p) => p.participants)).toEqual(r.participants);
          expect(pages.flatMap((p) => p.tokenTransfers)).toEqual(r.tokenTransfers);
          for (const [k, p] of pages.entries()) {
            expect(p.pageCount).toBe(plan.pageCount);
            // A trade page: two postings and one token transfer per trade at most, no participant; a participant page: one posting per
            // participant.
            if (plan.pageCount === 1) {
              expect(clearing.trades.length).toBeLessThanOrEqual(size.trades);
              expect(r.participants.length).toBeLessThanOrEqual(size.participants);
            } else if (k < plan.tradePages) {
              expect(p.postings.length).toBeLessThanOrEqual(2 * size.trades);
              expect(p.participants).toEqual([]);
              const own = clearing.trades.slice(k * size.trades, (k + 1) * size.trades);
              expect(tradeSettlementPage(own, plan.delivered[k], clearing, settlement)).toEqual({
                postings: p.postings,
                tokenTransfers: p.tokenTransfers,
              });
            } else {
              expect(p.participants.length).toBeLessThanOrEqual(size.participants);
              expect(p.postings.length).toBeLessThanOrEqual(p.participants.length);
            }
          }
          expect(codeOf(() => settlementPage(r, clearing, plan, plan.pageCount, settlement, size))).toBe(
            ErrorCodes.SETTLEMENT_INPUT_INVALID,
          );
          expect(codeOf(() => settlementPage(r, clearing, plan, -1, settlement, size))).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
        }),
      );
    },
  );

  it('a trade page checks its trades against the clearing price and the plan against its trades', () => {
    fc.assert(
      fc.property(scenarios, ({ clearing, metered }) => {
        fc.pre(clearing.trades.length > 0);
        const r = settleInterval(clearing, settlement, metered);
        const plan = settlementPlan(r, clearing.trades, { trades: 1000, participants: 1000 });
        const price = clearing.priceMicrosPerKwh! + 1;
        expect(codeOf(() => tradeSettlementPage(clearing.trades, plan.delivered[0], { priceMicrosPerKwh: price }, settlement))).toBe(
          ErrorCodes.SETTLEMENT_INPUT_INVALID,
        );
        expect(codeOf(() => tradeSettlementPage(clearing.trades, plan.delivered[0].slice(1), clearing, settlement))).toBe(
          ErrorCodes.SETTLEMENT_INPUT_INVALID,
        );
      }),
    );
  });

  it('an empty settlement is one empty page', () => {
    const empty = { postings: [], participants: [], tokenTransfers: [] };
    const plan = settlementPlan(empty, []);
    expect(plan).toEqual({ pageCount: 1, tradePages: 0, delivered: [] });
    expect(settlementPage(empty, { priceMicrosPerKwh: null, trades: [] }, plan, 0, settlement)).toEqual({
      page: 0,
      pageCount: 1,
      postings: [],
      participants: [],
      tokenTransfers: [],
    });
  });
});
