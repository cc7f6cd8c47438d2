import fc from 'fast-check';
import { sdrPrices } from '../../src/agents';
import { ErrorCodes } from '../../src/core';
import { codeOf } from '../support';
import { BAND } from './fixtures';

const bandArb = fc
  .record({
    feedIn: fc.integer({ min: 0, max: 400_000 }),
    spread: fc.integer({ min: 0, max: 400_000 }),
    fee: fc.integer({ min: 0, max: 100_000 }),
  })
  .map(({ feedIn, spread, fee }) => ({ feedInMicrosPerKwh: feedIn, retailMicrosPerKwh: feedIn + spread, gridFeeMicrosPerKwh: fee }));
const wh = fc.integer({ min: 0, max: 10_000_000 });

describe('the SDR price (Liu et al. 2017)', () => {
  it('computes the paper formula for λb = retail − fee = 300,000 and λs = feed-in = 80,000', () => {
    // SDR 0.5: sell = 300000·80000 / (220000·0.5 + 80000) = 126,315.8; buy = 126,315.8·0.5 + 300000·0.5 = 213,157.9.
    expect(sdrPrices(500, 1000, BAND)).toEqual({ ratio: 0.5, sellMicrosPerKwh: 126_316, buyMicrosPerKwh: 213_158 });
    expect(sdrPrices(0, 1000, BAND)).toEqual({ ratio: 0, sellMicrosPerKwh: 300_000, buyMicrosPerKwh: 300_000 });
    expect(sdrPrices(1000, 1000, BAND)).toEqual({ ratio: 1, sellMicrosPerKwh: 80_000, buyMicrosPerKwh: 80_000 });
    expect(sdrPrices(3000, 1000, BAND)).toMatchObject({ sellMicrosPerKwh: 80_000, buyMicrosPerKwh: 80_000 });
    expect(sdrPrices(10, 0, BAND)).toEqual({ ratio: null, sellMicrosPerKwh: 80_000, buyMicrosPerKwh: 80_000 });
  });

  it('stays an integer in [feed-in, retail], the buying price at or above the selling price', () => {
    fc.assert(
      fc.property(wh, wh, bandArb, (supply, demand, band) => {
        const p = sdrPrices(supply, demand, band);
        for (const price of [p.sellMicrosPerKwh, p.buyMicrosPerKwh]) {
          expect(Number.isSafeInteger(price)).toBe(true);
          expect(price).toBeGreaterThanOrEqual(band.feedInMicrosPerKwh);
          expect(price).toBeLessThanOrEqual(band.retailMicrosPerKwh);
        }
        expect(p.buyMicrosPerKwh).toBeGreaterThanOrEqual(p.sellMicrosPerKwh);
      }),
    );
  });

  it('falls as supply grows and rises as demand grows', () => {
    fc.assert(
      fc.property(wh, wh, fc.integer({ min: 1, max: 1_000_000 }), bandArb, (supply, demand, more, band) => {
        const base = sdrPrices(supply, demand, band);
        const moreSupply = sdrPrices(supply + more, demand, band);
        const moreDemand = sdrPrices(supply, demand + more, band);
        expect(moreSupply.sellMicrosPerKwh).toBeLessThanOrEqual(base.sellMicrosPerKwh);
        expect(moreSupply.buyMicrosPerKwh).toBeLessThanOrEqual(base.buyMicrosPerKwh);
        expect(moreDemand.sellMicrosPerKwh).toBeGreaterThanOrEqual(base.sellMicrosPerKwh);
        expect(moreDemand.buyMicrosPerKwh).toBeGreaterThanOrEqual(base.buyMicrosPerKwh);
      }),
    );
  });

  it('refuses negative or fractional figures and a feed-in above retail with AGENT_INPUT_INVALID', () => {
    expect(codeOf(() => sdrPrices(-1, 10, BAND))).toBe(ErrorCodes.AGENT_INPUT_INVALID);
    expect(codeOf(() => sdrPrices(1.5, 10, BAND))).toBe(ErrorCodes.AGENT_INPUT_INVALID);
    expect(codeOf(() => sdrPrices(1, 10, { ...BAND, feedInMicrosPerKwh: 400_000 }))).toBe(ErrorCodes.AGENT_INPUT_INVALID);
  });
});
