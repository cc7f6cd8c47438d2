import fc from 'fast-check';
import { ErrorCodes, formatInstant, GridLedgerError, parseInstant } from '../../src/core';
import { deliversIn, validateContractTerms } from '../../src/market';
import {
  AcceptanceState,
  checkMandate,
  Mandate,
  MANDATE_LOCALITIES,
  offerPhase,
  planAcceptance,
  tradeTerms,
  UNLIMITED_MANDATE,
  validateMandate,
  validateOffer,
  validateRequestEnergy,
} from '../../src/p2p';
import { codeOf } from '../support';

const T = parseInstant('2026-12-01T10:00:00Z')!;
const params = {
  communityId: 'c1',
  intervalSeconds: 900,
  gateClosureSeconds: 300,
  openingHorizonSeconds: 86_400,
  feedInMicrosPerKwh: 50_000,
  retailMicrosPerKwh: 300_000,
  gridFeeMicrosPerKwh: 10_000,
  kPpm: 500_000,
  clearingMethod: 'uniform' as const,
};
const terms = { communityId: 'c1', meterId: 's.m', intervalStart: formatInstant(T), energyWh: 1000, priceMicrosPerKwh: 120_000 };
const free: Mandate = UNLIMITED_MANDATE;

describe('offers', () => {
  it('takes terms inside the band and before the gate, the expiry defaulting to the gate closure', () => {
    expect(validateOffer(terms, params, T - 3600)).toEqual({ ...terms, minEnergyWh: 1, expiresAt: formatInstant(T - 300) });
    expect(codeOf(() => validateOffer({ ...terms, priceMicrosPerKwh: 40_000 }, params, T - 3600))).toBe(ErrorCodes.ORDER_PRICE_OUT_OF_BAND);
    expect(codeOf(() => validateOffer({ ...terms, energyWh: 0 }, params, T - 3600))).toBe(ErrorCodes.ORDER_ENERGY_INVALID);
    expect(codeOf(() => validateOffer({ ...terms, minEnergyWh: 1001 }, params, T - 3600))).toBe(ErrorCodes.P2P_INPUT_INVALID);
    expect(codeOf(() => validateOffer({ ...terms, expiresAt: formatInstant(T - 299) }, params, T - 3600))).toBe(
      ErrorCodes.P2P_INPUT_INVALID,
    );
    expect(codeOf(() => validateOffer({ ...terms, colour: 'green' }, params, T - 3600))).toBe(ErrorCodes.P2P_INPUT_INVALID);
    expect(codeOf(() => validateOffer(terms, params, T - 300))).toBe(ErrorCodes.INTERVAL_CLOSED);
    expect(codeOf(() => validateOffer(terms, params, T - 90_000))).toBe(ErrorCodes.INTERVAL_NOT_OPEN);
    expect(codeOf(() => validateOffer({ ...terms, intervalStart: formatInstant(T + 60) }, params, T - 3600))).toBe(
      ErrorCodes.INTERVAL_INVALID,
    );
  });

  it('expires at its expiry, is sold when nothing is left, and takes requests between minimum and what is left', () => {
    const o = { energyWh: 1000, expiresAt: formatInstant(T - 600), status: 'open' as const, acceptedWh: 0 };
    expect([offerPhase(o, T - 601), offerPhase(o, T - 600), offerPhase({ ...o, acceptedWh: 1000 }, T - 700)]).toEqual([
      'open',
      'expired',
      'sold',
    ]);
    expect(offerPhase({ ...o, status: 'cancelled' }, T - 700)).toBe('cancelled');
    expect(codeOf(() => validateRequestEnergy(99, { energyWh: 1000, minEnergyWh: 100 }))).toBe(ErrorCodes.P2P_BELOW_MINIMUM);
    expect(codeOf(() => validateRequestEnergy(1001, { energyWh: 1000, minEnergyWh: 100 }))).toBe(ErrorCodes.P2P_QUANTITY_UNAVAILABLE);
    expect(validateRequestEnergy(100, { energyWh: 1000, minEnergyWh: 100 })).toBe(100);
  });

  it("makes a trade a valid one-interval contract, the day's last interval included", () => {
    for (const start of [T, parseInstant('2026-12-01T23:45:00Z')!]) {
      const t = tradeTerms({ ...terms, intervalStart: formatInstant(start), sellerId: 's' }, 'b', 300, 900);
      const contract = validateContractTerms(t, params);
      expect([deliversIn(contract, start, 900), deliversIn(contract, start + 900, 900), deliversIn(contract, start - 900, 900)]).toEqual([
        true,
        false,
        false,
      ]);
    }
  });
});

describe('mandates', () => {
  it('are complete objects of known fields', () => {
    expect(validateMandate({ ...free, preferredSources: ['wind', 'solar'] }).preferredSources).toEqual(['solar', 'wind']);
    for (const bad of [
      { ...free, automation: 'yes' },
      { ...free, batteryReserveWh: null },
      { ...free, x: 1 },
      { ...free, locality: 'feeder' },
    ]) {
      expect(codeOf(() => validateMandate(bad))).toBe(ErrorCodes.MANDATE_INVALID);
    }
    const { locality: _l, ...missing } = free;
    expect(codeOf(() => validateMandate(missing))).toBe(ErrorCodes.MANDATE_INVALID);
  });

  it('refuse each rule with its own code; without a mandate the agent may not trade and the owner may', () => {
    const sell = { side: 'sell' as const, byAgent: true, priceMicrosPerKwh: 100_000, energyWh: 500, tradedWh: 0, capacityWh: 2500 };
    const buy = { ...sell, side: 'buy' as const, sellerSources: ['solar'], sellerZone: 'z1', buyerZone: 'z2' };
    const code = (m: Mandate | undefined, t: Parameters<typeof checkMandate>[1]) => checkMandate(m, t)?.code ?? null;
    expect([code(undefined, sell), code(undefined, { ...sell, byAgent: false })]).toEqual([ErrorCodes.MANDATE_AUTOMATION_OFF, null]);
    expect(code({ ...free, automation: false }, sell)).toBe(ErrorCodes.MANDATE_AUTOMATION_OFF);
    expect(code({ ...free, minSellPriceMicrosPerKwh: 100_001 }, sell)).toBe(ErrorCodes.MANDATE_PRICE_BELOW_MINIMUM);
    expect(code({ ...free, maxBuyPriceMicrosPerKwh: 99_999 }, buy)).toBe(ErrorCodes.MANDATE_PRICE_ABOVE_MAXIMUM);
    expect(code({ ...free, maxEnergyWhPerInterval: 999 }, { ...sell, tradedWh: 500 })).toBe(ErrorCodes.MANDATE_ENERGY_EXCEEDED);
    expect(code({ ...free, batteryReserveWh: 2001 }, sell)).toBe(ErrorCodes.MANDATE_RESERVE_BREACHED);
    expect(code({ ...free, preferredSources: ['wind'] }, buy)).toBe(ErrorCodes.MANDATE_SOURCE_REFUSED);
    expect(code({ ...free, locality: 'zone' }, buy)).toBe(ErrorCodes.MANDATE_LOCALITY_REFUSED);
    expect(code({ ...free, locality: 'zone' }, { ...buy, buyerZone: 'z1' })).toBeNull();
    expect(code({ ...free, minSellPriceMicrosPerKwh: 100_000, batteryReserveWh: 2000, maxEnergyWhPerInterval: 500 }, sell)).toBeNull();
  });

  it('accepted trades never break a mandate, whatever the agents ask for (property)', () => {
    const mandateArb: fc.Arbitrary<Mandate> = fc.record({
      minSellPriceMicrosPerKwh: fc.option(fc.integer({ min: 50_000, max: 200_000 }), { nil: null }),
      maxBuyPriceMicrosPerKwh: fc.option(fc.integer({ min: 100_000, max: 300_000 }), { nil: null }),
      maxEnergyWhPerInterval: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: null }),
      batteryReserveWh: fc.integer({ min: 0, max: 1500 }),
      preferredSources: fc.subarray(['solar', 'wind'] as const).map((s) => [...s]),
      locality: fc.constantFrom(...MANDATE_LOCALITIES),
      automation: fc.boolean(),
    });
    const buyers = ['b1', 'b2', 'b3'];
    let acceptedRuns = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 50_000, max: 300_000 }),
        fc.array(fc.record({ buyer: fc.constantFrom(...buyers), energyWh: fc.integer({ min: 1, max: 800 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.option(mandateArb, { nil: undefined }),
        fc.dictionary(fc.constantFrom(...buyers), mandateArb),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom<string[]>(['solar'], ['solar', 'wind'], []),
        (price, asks, sellerMandate, buyerMandates, agent, soldBefore, sources) => {
          const offer = {
            offerId: 'p',
            sellerId: 's',
            energyWh: 4000,
            expiresAt: formatInstant(T - 300),
            status: 'open' as const,
            acceptedWh: 0,
          };
          const state: AcceptanceState = {
            nowSeconds: T - 600,
            params,
            byAgent: agent,
            capacityWh: 2500,
            sellerMandate,
            buyerMandates: new Map(Object.entries(buyerMandates)),
            soldWh: soldBefore,
            boughtWh: new Map(buyers.map((b) => [b, 100])),
            availableMicros: new Map(buyers.map((b) => [b, 300_000])),
            sellerSources: sources,
            sellerZone: 'z1',
            buyerZones: new Map([
              ['b1', 'z1'],
              ['b2', 'z2'],
            ]),
          };
          const requests = asks.map((a, i) => ({ requestId: `q${i}`, buyerId: a.buyer, energyWh: a.energyWh }));
          let trades;
          try {
            trades = planAcceptance({ ...offer, priceMicrosPerKwh: price }, requests, state);
          } catch (e) {
            expect(e).toBeInstanceOf(GridLedgerError);
            return;
          }
          // Checked here from the mandates themselves, not through checkMandate.
          const sold = soldBefore + trades.reduce((s, t) => s + t.energyWh, 0);
          if (agent) expect(sellerMandate?.automation).toBe(true);
          if (sellerMandate !== undefined) {
            expect(price).toBeGreaterThanOrEqual(sellerMandate.minSellPriceMicrosPerKwh ?? 0);
            expect(sold).toBeLessThanOrEqual(
              Math.min(sellerMandate.maxEnergyWhPerInterval ?? Infinity, 2500 - sellerMandate.batteryReserveWh),
            );
          }
          expect(sold).toBeLessThanOrEqual(2500);
          for (const b of buyers) {
            const m = buyerMandates[b];
            const mine = trades.filter((t) => t.buyerId === b);
            const bought = 100 + mine.reduce((s, t) => s + t.energyWh, 0);
            expect(mine.reduce((s, t) => s + t.escrowMicros, 0)).toBeLessThanOrEqual(300_000);
            if (m === undefined || mine.length === 0) continue;
            expect(price).toBeLessThanOrEqual(m.maxBuyPriceMicrosPerKwh ?? Infinity);
            expect(bought).toBeLessThanOrEqual(m.maxEnergyWhPerInterval ?? Infinity);
            if (m.preferredSources.length > 0) expect(m.preferredSources.some((s) => sources.includes(s))).toBe(true);
            if (m.locality === 'zone') expect(b).toBe('b1');
          }
          expect(trades.map((t) => t.requestId)).toEqual(requests.map((r) => r.requestId));
          acceptedRuns += 1;
        },
      ),
      { numRuns: 1000 },
    );
    // The property is not vacuous: a good share of the batches pass every check.
    expect(acceptedRuns).toBeGreaterThan(20);
  });
});
