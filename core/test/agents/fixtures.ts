import fc from 'fast-check';
import { Candidate, ObjectiveTerms } from '../../src/agents';

export const BAND = { feedInMicrosPerKwh: 80_000, retailMicrosPerKwh: 320_000, gridFeeMicrosPerKwh: 20_000 };
export const MAX_PRICE = BAND.retailMicrosPerKwh - BAND.gridFeeMicrosPerKwh;

export const termsOf = (demandWh: number): ObjectiveTerms => ({ demandWh, ...BAND, durationHorizonSeconds: 60 });

export const offer = (
  offerId: string,
  sellerId: string,
  energyWh: number,
  minEnergyWh: number,
  more: Partial<Candidate> = {},
): Candidate => ({
  offerId,
  sellerId,
  energyWh,
  minEnergyWh,
  priceMicrosPerKwh: 200_000,
  efficiencyPpm: 1_000_000,
  durationSeconds: 5,
  qualityPpm: 1_000_000,
  participationPpm: 500_000,
  ...more,
});

/** Up to `max` offers of up to `sellers` sellers, minimums from 1 Wh to the whole offer, prices across and above the band. */
export const offersArb = (max: number, sellers = 4): fc.Arbitrary<Candidate[]> =>
  fc
    .array(
      fc.record({
        seller: fc.integer({ min: 0, max: sellers - 1 }),
        energyWh: fc.integer({ min: 1, max: 6000 }),
        minShare: fc.double({ min: 0, max: 1, noNaN: true }),
        priceMicrosPerKwh: fc.integer({ min: 80_000, max: 320_000 }),
        efficiencyPpm: fc.integer({ min: 900_000, max: 1_000_000 }),
        durationSeconds: fc.integer({ min: 0, max: 30 }),
        qualityPpm: fc.integer({ min: 600_000, max: 1_000_000 }),
        participationPpm: fc.integer({ min: 0, max: 1_000_000 }),
      }),
      { minLength: 1, maxLength: max },
    )
    .map((rows) =>
      rows.map(({ seller, minShare, ...r }, k) => ({
        ...r,
        offerId: `o${k}`,
        sellerId: `s${seller}`,
        minEnergyWh: Math.max(1, Math.round(r.energyWh * minShare)),
      })),
    );
