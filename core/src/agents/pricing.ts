/**
 * Dynamic pricing (FR-07; docs/agents.md, *Dynamic price*): the price a selling agent asks follows
 * the community's supply-demand ratio SDR = supply / demand for the interval, by the SDR model of
 * N. Liu, X. Yu, C. Wang, C. Li, L. Ma and J. Lei, "Energy sharing model with price-based demand
 * response for microgrids of peer-to-peer prosumers", IEEE Trans. Power Systems 32(5), 2017:
 *
 *   sell(SDR) = λb·λs / ((λb − λs)·SDR + λs)   and   buy(SDR) = sell(SDR)·SDR + λb·(1 − SDR)   for SDR ≤ 1,
 *   sell = buy = λs                                                                          for SDR > 1,
 *
 * with λs the feed-in tariff and λb, in the paper the grid's retail price, here the retail tariff
 * less the grid fee (at least feed-in): a buyer pays the fee on top of a peer-to-peer price, so at
 * λb a peer costs what the utility does. Both prices fall from λb (no supply) to λs (supply meets
 * demand), so they stay in [feed-in, retail]. Integers: exact rationals in BigInt, rounded half up.
 */
import { MAX_ORDER_ENERGY_WH, MAX_PRICE_MICROS_PER_KWH } from '../market/order';
import { integerIn } from './invalid';

/** The tariffs the price moves between. */
export interface TariffBand {
  feedInMicrosPerKwh: number;
  retailMicrosPerKwh: number;
  gridFeeMicrosPerKwh: number;
}

export interface SdrPrices {
  /** SDR = supply / demand (informational, a float); null when there is no demand. */
  ratio: number | null;
  /** The internal selling price: what a selling agent asks. */
  sellMicrosPerKwh: number;
  /** The internal buying price: what a buyer pays on average, peers and utility together. */
  buyMicrosPerKwh: number;
}

/** Largest supply or demand taken: the most energy one order may carry, times a million homes. */
export const MAX_COMMUNITY_WH = MAX_ORDER_ENERGY_WH * 1_000_000;

const halfUp = (num: bigint, den: bigint): number => Number((2n * num + den) / (2n * den));

/** The SDR prices for the interval's community supply and demand (Wh; no demand counts as SDR > 1). */
export function sdrPrices(supplyWh: number, demandWh: number, band: TariffBand): SdrPrices {
  integerIn(supplyWh, 'supplyWh', 0, MAX_COMMUNITY_WH);
  integerIn(demandWh, 'demandWh', 0, MAX_COMMUNITY_WH);
  const retail = integerIn(band.retailMicrosPerKwh, 'retailMicrosPerKwh', 0, MAX_PRICE_MICROS_PER_KWH);
  const feedIn = integerIn(band.feedInMicrosPerKwh, 'feedInMicrosPerKwh', 0, retail);
  const fee = integerIn(band.gridFeeMicrosPerKwh, 'gridFeeMicrosPerKwh', 0, MAX_PRICE_MICROS_PER_KWH);
  const ratio = demandWh === 0 ? null : supplyWh / demandWh;
  const ls = BigInt(feedIn);
  const lb = BigInt(Math.max(feedIn, retail - fee));
  // SDR > 1, and feed-in = λb = 0 (every price 0), where the formula's denominator vanishes.
  if (demandWh === 0 || supplyWh > demandWh || lb === 0n) return { ratio, sellMicrosPerKwh: feedIn, buyMicrosPerKwh: feedIn };
  if (supplyWh === 0) return { ratio, sellMicrosPerKwh: Number(lb), buyMicrosPerKwh: Number(lb) };
  const s = BigInt(supplyWh);
  const d = BigInt(demandWh);
  // sell = N / M with SDR = s / d multiplied through by d.
  const n = lb * ls * d;
  const m = (lb - ls) * s + ls * d;
  return { ratio, sellMicrosPerKwh: halfUp(n, m), buyMicrosPerKwh: halfUp(n * s + lb * (d - s) * m, d * m) };
}
