/**
 * The mandate (an owner's limits for its trading agent, docs/p2p.md) as a form a person fills in:
 * prices in credits/kWh and energy in kWh as typed text, an empty limit meaning "no limit"; back to
 * the integers the API takes (µ/kWh, Wh), or the first field that cannot be taken exactly.
 */
import type { AssetSource } from '@gridledger/core/metering';
import { UNLIMITED_MANDATE, type Mandate, type MandateLocality } from '@gridledger/core/p2p';
import { parseScaled, scaledDecimal } from './units';

export type { Mandate };

export interface MandateForm {
  minSell: string;
  maxBuy: string;
  maxEnergy: string;
  reserve: string;
  sources: AssetSource[];
  locality: MandateLocality;
  automation: boolean;
}

/** No limits, community-wide, and (unlike the core's unlimited mandate) no automation: what a household starts from. */
export const OPEN_MANDATE: Mandate = { ...UNLIMITED_MANDATE, preferredSources: [], automation: false };

const text = (value: number | null, scale: number) => (value === null ? '' : scaledDecimal(value, scale));

export function formOf(m: Mandate): MandateForm {
  return {
    minSell: text(m.minSellPriceMicrosPerKwh, 6),
    maxBuy: text(m.maxBuyPriceMicrosPerKwh, 6),
    maxEnergy: text(m.maxEnergyWhPerInterval, 3),
    reserve: scaledDecimal(m.batteryReserveWh, 3),
    sources: [...m.preferredSources],
    locality: m.locality,
    automation: m.automation,
  };
}

/** The mandate of a filled form, or the first field that is not an exact amount. */
export function mandateOf(f: MandateForm): { mandate: Mandate } | { invalid: keyof MandateForm } {
  const limit = (typed: string, scale: number) => (typed.trim() === '' ? null : parseScaled(typed, scale));
  const minSell = limit(f.minSell, 6);
  if (minSell === undefined) return { invalid: 'minSell' };
  const maxBuy = limit(f.maxBuy, 6);
  if (maxBuy === undefined) return { invalid: 'maxBuy' };
  const maxEnergy = limit(f.maxEnergy, 3);
  if (maxEnergy === undefined) return { invalid: 'maxEnergy' };
  const reserve = parseScaled(f.reserve.trim() === '' ? '0' : f.reserve, 3);
  if (reserve === undefined) return { invalid: 'reserve' };
  return {
    mandate: {
      minSellPriceMicrosPerKwh: minSell,
      maxBuyPriceMicrosPerKwh: maxBuy,
      maxEnergyWhPerInterval: maxEnergy,
      batteryReserveWh: reserve,
      preferredSources: [...f.sources].sort(),
      locality: f.locality,
      automation: f.automation,
    },
  };
}
