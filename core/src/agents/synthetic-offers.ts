/**
 * A seeded book of offers for the selection's tests and benchmark (test/bench/agents.js): `n` offers
 * of `sellers` sellers, 0.2 to 5 kWh each with a minimum of 5 to 60 %, prices across the band up to
 * retail less the grid fee; each seller has one duration (1-20 s), quality (70-100 %, each offer up
 * to 5 points better), participation and transfer efficiency (94-100 %).
 */
import { Candidate } from './candidate';
import { TariffBand } from './pricing';
import { seededRng } from './random';

export function syntheticOffers(seed: number, n: number, sellers: number, band: TariffBand): Candidate[] {
  const r = seededRng(seed);
  const seller = Array.from({ length: sellers }, (_, k) => ({
    id: `seller-${k}`,
    durationSeconds: 1 + 19 * r.unit(),
    qualityPpm: r.int(700_000, 1_000_000),
    participationPpm: r.int(0, 1_000_000),
    efficiencyPpm: r.int(940_000, 1_000_000),
  }));
  const maxPrice = Math.max(band.feedInMicrosPerKwh, band.retailMicrosPerKwh - band.gridFeeMicrosPerKwh);
  return Array.from({ length: n }, (_, i) => {
    const s = seller[r.int(0, sellers - 1)];
    const energyWh = r.int(200, 5000);
    return {
      offerId: `offer-${seed}-${i}`,
      sellerId: s.id,
      energyWh,
      minEnergyWh: Math.max(1, Math.round(energyWh * (0.05 + 0.55 * r.unit()))),
      priceMicrosPerKwh: r.int(band.feedInMicrosPerKwh, maxPrice),
      efficiencyPpm: s.efficiencyPpm,
      durationSeconds: s.durationSeconds,
      qualityPpm: Math.min(1_000_000, s.qualityPpm + r.int(0, 50_000)),
      participationPpm: s.participationPpm,
    };
  });
}
