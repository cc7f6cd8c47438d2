import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import { addTotals, EMPTY_TOTALS, figuresOf, IntervalFiguresInput, intervalFigures, intervalTotals, periodFigures } from '../../src/market';
import { codeOf } from '../support';

const params = { retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000 };

// Interval 1: s1 sells 300 Wh spot to b2 at 150,000 (b3 bid 200 Wh that did not clear), s1 delivers a
// 500 Wh contract at 120,000 to b1; the community produced 1,000 Wh and consumed 700 Wh.
const first: IntervalFiguresInput = {
  params,
  clearing: {
    priceMicrosPerKwh: 150_000,
    volumeWh: 300,
    fills: [
      { participantId: 's1', side: 'sell', energyWh: 300, filledWh: 300 },
      { participantId: 'b2', side: 'buy', energyWh: 300, filledWh: 300 },
      { participantId: 'b3', side: 'buy', energyWh: 200, filledWh: 0 },
    ],
  },
  contracts: [{ sellerId: 's1', buyerId: 'b1', energyWh: 500, priceMicrosPerKwh: 120_000, gridFeeMicrosPerKwh: 10_000 }],
  deviations: [
    { deviationWh: 200, estimated: false },
    { deviationWh: 0, estimated: false },
    { deviationWh: -200, estimated: false },
    { deviationWh: 100, estimated: false },
  ],
  metering: [{ productionWh: 1000, consumptionWh: 700 }],
};
// Interval 2: only the contract; the seller's position estimated (no production), consumption 500 Wh.
const second: IntervalFiguresInput = {
  params,
  clearing: { priceMicrosPerKwh: null, volumeWh: 0, fills: [] },
  contracts: [{ sellerId: 's1', buyerId: 'b1', energyWh: 500, priceMicrosPerKwh: 120_000, gridFeeMicrosPerKwh: 10_000 }],
  deviations: [
    { deviationWh: -500, estimated: true },
    { deviationWh: 0, estimated: false },
  ],
  metering: [{ productionWh: 0, consumptionWh: 500 }],
};

describe('market figures', () => {
  it('values a congested zonal interval at what its buyers paid in their own areas, even without a connection point price', () => {
    // b2 bought its 300 Wh in a village area at 90,000, not at the connection point (where nothing traded).
    const zonal = { ...first, clearing: { ...first.clearing, priceMicrosPerKwh: null, spotValue: 90_000n * 300n } };
    expect(intervalFigures(zonal)).toMatchObject({
      clearingPrice: { weightedSum: '27000000', energyWh: 300, microsPerKwh: 90_000 },
      averagePaidPrice: { weightedSum: '95000000', energyWh: 800, microsPerKwh: 118_750 },
    });
    expect(codeOf(() => intervalFigures({ ...zonal, clearing: { ...zonal.clearing, spotValue: undefined } }))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
  });

  it('computes one interval by hand', () => {
    expect(intervalFigures(first)).toEqual({
      intervals: 1,
      clearingPrice: { weightedSum: '45000000', energyWh: 300, microsPerKwh: 150_000 },
      spotVolumeWh: 300,
      contractVolumeWh: 500,
      p2pVolumeWh: 800,
      demandWh: 1000,
      p2pShareOfDemand: { numerator: 800, denominator: 1000, ppm: 800_000 },
      // (150,000 × 300 + 120,000 × 500) / 800 = 131,250; with the 10,000 grid fee 141,250.
      averageP2pPrice: { weightedSum: '105000000', energyWh: 800, microsPerKwh: 131_250 },
      averagePaidPrice: { weightedSum: '113000000', energyWh: 800, microsPerKwh: 141_250 },
      averageRetailPrice: { weightedSum: '240000000', energyWh: 800, microsPerKwh: 300_000 },
      productionWh: 1000,
      consumptionWh: 700,
      locallyConsumedWh: 700,
      selfSufficiency: { numerator: 700, denominator: 700, ppm: 1_000_000 },
      selfConsumption: { numerator: 700, denominator: 1000, ppm: 700_000 },
      exportedToUtilityWh: 300,
      importedFromUtilityWh: 0,
      activeSellers: 1,
      activeBuyers: 2,
      deviationSuppliedWh: 200,
      deviationTakenWh: 300,
      estimatedPositions: 0,
    });
  });

  it('computes a period from the sums of its intervals, not from an average of their ratios', () => {
    const f = periodFigures([first, second]);
    // Self-sufficiency: (700 + 0) / (700 + 500) = 583,333 ppm (the mean of 100 % and 0 % would be 500,000).
    expect(f.selfSufficiency).toEqual({ numerator: 700, denominator: 1200, ppm: 583_333 });
    expect(f.selfConsumption).toEqual({ numerator: 700, denominator: 1000, ppm: 700_000 });
    // (45,000,000 + 120,000 × 1,000) / 1,300 = 126,923.08 → 126,923 (the mean of 131,250 and 120,000 would be 125,625).
    expect(f.averageP2pPrice.microsPerKwh).toBe(126_923);
    // Only the first interval had a spot price: the period's clearing price is its volume-weighted one.
    expect(f.clearingPrice).toEqual({ weightedSum: '45000000', energyWh: 300, microsPerKwh: 150_000 });
    expect(f.p2pShareOfDemand).toEqual({ numerator: 1300, denominator: 1500, ppm: 866_667 });
    expect([f.activeSellers, f.activeBuyers, f.intervals, f.estimatedPositions]).toEqual([1, 2, 2, 1]);
    expect([f.exportedToUtilityWh, f.importedFromUtilityWh, f.deviationSuppliedWh, f.deviationTakenWh]).toEqual([300, 500, 700, 300]);
  });

  it('nets production and consumption within each metering interval, not across them', () => {
    const f = intervalFigures({
      ...second,
      contracts: [],
      deviations: [],
      metering: [
        { productionWh: 100, consumptionWh: 0 },
        { productionWh: 0, consumptionWh: 100 },
      ],
    });
    expect([f.locallyConsumedWh, f.exportedToUtilityWh, f.importedFromUtilityWh, f.selfSufficiency.ppm]).toEqual([0, 100, 100, 0]);
  });

  it('reports no ratio and no price where there is nothing to divide by', () => {
    const f = periodFigures([]);
    expect([
      f.selfSufficiency.ppm,
      f.selfConsumption.ppm,
      f.p2pShareOfDemand.ppm,
      f.clearingPrice.microsPerKwh,
      f.averagePaidPrice.microsPerKwh,
    ]).toEqual([null, null, null, null, null]);
  });

  it('refuses records that do not add up', () => {
    expect(codeOf(() => intervalFigures({ ...first, clearing: { ...first.clearing, volumeWh: 301 } }))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
    expect(codeOf(() => intervalFigures({ ...second, clearing: { ...second.clearing, priceMicrosPerKwh: 100_000 } }))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
    expect(codeOf(() => intervalFigures({ ...first, metering: [{ productionWh: -1, consumptionWh: 0 }] }))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
    expect(codeOf(() => intervalFigures({ ...first, deviations: [{ deviationWh: 0.5, estimated: false }] }))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
  });
});

const participant = fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5');
const interval: fc.Arbitrary<IntervalFiguresInput> = fc
  .record({
    price: fc.integer({ min: 50_000, max: 300_000 }),
    trades: fc.array(
      fc.record({
        seller: participant,
        buyer: participant,
        energyWh: fc.integer({ min: 1, max: 10_000 }),
        unfilledWh: fc.integer({ min: 0, max: 1000 }),
      }),
      { maxLength: 5 },
    ),
    contracts: fc.array(
      fc.record({
        sellerId: participant,
        buyerId: participant,
        energyWh: fc.integer({ min: 1, max: 10_000 }),
        priceMicrosPerKwh: fc.integer({ min: 50_000, max: 300_000 }),
        gridFeeMicrosPerKwh: fc.integer({ min: 0, max: 20_000 }),
      }),
      { maxLength: 3 },
    ),
    deviations: fc.array(fc.record({ deviationWh: fc.integer({ min: -10_000, max: 10_000 }), estimated: fc.boolean() }), { maxLength: 5 }),
    metering: fc.array(
      fc.record({ productionWh: fc.integer({ min: 0, max: 50_000 }), consumptionWh: fc.integer({ min: 0, max: 50_000 }) }),
      { minLength: 1, maxLength: 4 },
    ),
    retail: fc.integer({ min: 300_000, max: 400_000 }),
    fee: fc.integer({ min: 0, max: 20_000 }),
  })
  .map(({ price, trades, contracts, deviations, metering, retail, fee }) => {
    const volume = trades.reduce((s, t) => s + t.energyWh, 0);
    const fills = trades.flatMap((t) => [
      { participantId: t.seller, side: 'sell' as const, energyWh: t.energyWh, filledWh: t.energyWh },
      { participantId: t.buyer, side: 'buy' as const, energyWh: t.energyWh + t.unfilledWh, filledWh: t.energyWh },
    ]);
    return {
      params: { retailMicrosPerKwh: retail, gridFeeMicrosPerKwh: fee },
      clearing: { priceMicrosPerKwh: volume > 0 ? price : null, volumeWh: volume, fills },
      contracts,
      deviations,
      metering,
    };
  });

describe('market figures: properties', () => {
  const additive = [
    'intervals',
    'spotVolumeWh',
    'contractVolumeWh',
    'p2pVolumeWh',
    'demandWh',
    'productionWh',
    'consumptionWh',
    'locallyConsumedWh',
    'exportedToUtilityWh',
    'importedFromUtilityWh',
    'deviationSuppliedWh',
    'deviationTakenWh',
    'estimatedPositions',
  ] as const;

  it("a period adds its intervals' volumes and derives every ratio from the summed numerators and denominators", () => {
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 6 }), (inputs) => {
        const each = inputs.map(intervalFigures);
        const period = periodFigures(inputs);
        for (const k of additive) expect(period[k]).toBe(each.reduce((s, f) => s + f[k], 0));
        for (const k of ['selfSufficiency', 'selfConsumption', 'p2pShareOfDemand'] as const) {
          const n = each.reduce((s, f) => s + f[k].numerator, 0);
          const d = each.reduce((s, f) => s + f[k].denominator, 0);
          expect(period[k]).toEqual({ numerator: n, denominator: d, ppm: d === 0 ? null : Math.round((n * 1_000_000) / d) });
        }
        for (const k of ['clearingPrice', 'averageP2pPrice', 'averagePaidPrice', 'averageRetailPrice'] as const) {
          const sum = each.reduce((s, f) => s + BigInt(f[k].weightedSum), 0n);
          const energy = each.reduce((s, f) => s + f[k].energyWh, 0);
          expect(period[k].weightedSum).toBe(sum.toString());
          expect(period[k].microsPerKwh).toBe(energy === 0 ? null : Math.round(Number(sum) / energy));
        }
        // Distinct participants: at least the most of any interval, at most all of them together.
        expect(period.activeSellers).toBeGreaterThanOrEqual(Math.max(0, ...each.map((f) => f.activeSellers)));
        expect(period.activeSellers).toBeLessThanOrEqual(each.reduce((s, f) => s + f.activeSellers, 0));
      }),
    );
  });

  it('splitting a period anywhere gives the same figures as adding the totals of the parts, in any order', () => {
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 6 }), fc.nat(), (inputs, cut) => {
        const at = inputs.length === 0 ? 0 : cut % (inputs.length + 1);
        const sum = (xs: IntervalFiguresInput[]) => xs.map(intervalTotals).reduce(addTotals, EMPTY_TOTALS);
        expect(figuresOf(addTotals(sum(inputs.slice(at)), sum(inputs.slice(0, at))))).toEqual(periodFigures(inputs));
      }),
    );
  });

  it(
    'physical figures balance: local ≤ production and consumption, ' + 'export − import = production − consumption, ratios within [0, 1]',
    () => {
      fc.assert(
        fc.property(interval, (input) => {
          const f = intervalFigures(input);
          expect(f.locallyConsumedWh).toBeLessThanOrEqual(Math.min(f.productionWh, f.consumptionWh));
          expect(f.exportedToUtilityWh - f.importedFromUtilityWh).toBe(f.productionWh - f.consumptionWh);
          expect(f.locallyConsumedWh + f.exportedToUtilityWh).toBe(f.productionWh);
          for (const r of [f.selfSufficiency, f.selfConsumption, f.p2pShareOfDemand])
            if (r.ppm !== null) {
              expect(r.ppm).toBeGreaterThanOrEqual(0);
              expect(r.ppm).toBeLessThanOrEqual(1_000_000);
            }
        }),
      );
    },
  );
});
