/**
 * The storage forms a person fills in (docs/portal.md, Storage): a battery to register (kWh, kW, %,
 * degrees and credits as typed text) and a search of the storage offers beyond the community; each
 * becomes the integers the API takes (Wh, W, ppm, micro-degrees, µ), or names the first field that
 * cannot be taken exactly. Pure.
 */
import { instantOf as instant } from './time';
import { parseScaled } from './units';

export interface BatteryForm {
  batteryId: string;
  communityId: string;
  zone: string;
  meterId: string;
  capacityKwh: string;
  chargeKw: string;
  dischargeKw: string;
  roundTripPercent: string;
  latitude: string;
  longitude: string;
  storedPrice: string;
  reservedPrice: string;
  penaltyPrice: string;
  /** Whole days from the start of the current hour: the battery's one availability window. */
  availableDays: string;
}

export interface NewBattery {
  batteryId: string;
  communityId: string;
  zone: string;
  meterId: string;
  capacityWh: number;
  maxChargeW: number;
  maxDischargeW: number;
  roundTripEfficiencyPpm: number;
  latitudeMicro: number;
  longitudeMicro: number;
  availability: { from: string; to: string }[];
  storedPriceMicrosPerKwh: number;
  reservedPriceMicrosPerKwhDay: number;
  penaltyMicrosPerKwh: number;
}

/** A signed decimal (degrees) as an integer of 10^-scale, exactly; undefined when not a plain decimal. */
export function parseSigned(text: string, scale: number): number | undefined {
  const m = /^\s*(-)?\s*(.*)$/.exec(text)!;
  const value = parseScaled(m[2], scale);
  return value === undefined ? undefined : m[1] ? -value : value;
}

const HOUR = 3600;
const positive = (v: number | undefined) => (v === undefined || v <= 0 ? undefined : v);

/**
 * The battery of the form at `nowSeconds`, available from the start of the current hour for the days given (one
 * window), or the first field that is not an exact amount.
 */
export function batteryOf(f: BatteryForm, nowSeconds: number): { battery: NewBattery } | { invalid: keyof BatteryForm } {
  const fields: [keyof BatteryForm, number | undefined][] = [
    ['capacityKwh', positive(parseScaled(f.capacityKwh, 3))],
    ['chargeKw', positive(parseScaled(f.chargeKw, 3))],
    ['dischargeKw', positive(parseScaled(f.dischargeKw, 3))],
    ['roundTripPercent', positive(parseScaled(f.roundTripPercent, 4))],
    ['latitude', parseSigned(f.latitude, 6)],
    ['longitude', parseSigned(f.longitude, 6)],
    ['storedPrice', parseScaled(f.storedPrice, 6)],
    ['reservedPrice', parseScaled(f.reservedPrice, 6)],
    ['penaltyPrice', parseScaled(f.penaltyPrice, 6)],
  ];
  const bad = fields.find(([, v]) => v === undefined);
  if (bad) return { invalid: bad[0] };
  for (const id of ['batteryId', 'communityId', 'zone', 'meterId'] as const) if (!f[id].trim()) return { invalid: id };
  const [capacityWh, maxChargeW, maxDischargeW, roundTripEfficiencyPpm, latitudeMicro, longitudeMicro, stored, reserved, penalty] =
    fields.map(([, v]) => v!);
  if (roundTripEfficiencyPpm > 1_000_000) return { invalid: 'roundTripPercent' };
  const days = Number(f.availableDays);
  if (!/^\s*\d+\s*$/.test(f.availableDays) || days < 1) return { invalid: 'availableDays' };
  const from = Math.floor(nowSeconds / HOUR) * HOUR;
  return {
    battery: {
      batteryId: f.batteryId.trim(),
      communityId: f.communityId.trim(),
      zone: f.zone.trim(),
      meterId: f.meterId.trim(),
      capacityWh,
      maxChargeW,
      maxDischargeW,
      roundTripEfficiencyPpm,
      latitudeMicro,
      longitudeMicro,
      availability: [{ from: instant(from), to: instant(from + days * 86_400) }],
      storedPriceMicrosPerKwh: stored,
      reservedPriceMicrosPerKwhDay: reserved,
      penaltyMicrosPerKwh: penalty,
    },
  };
}

export interface SearchForm {
  /** Empty: every community. */
  communityId: string;
  zone: string;
  /** kWh free over the window; empty: any. */
  minFreeKwh: string;
  /** Whole hours from the next full hour, and the window's length; both needed with minFreeKwh. */
  startsInHours: string;
  hours: string;
  maxStoredPrice: string;
  maxReservedPrice: string;
  /** Degrees and km; all three or none. */
  latitude: string;
  longitude: string;
  radiusKm: string;
}

export type SearchQuery = Partial<{
  communityId: string;
  zone: string;
  minFreeWh: number;
  from: string;
  to: string;
  maxStoredPriceMicrosPerKwh: number;
  maxReservedPriceMicrosPerKwhDay: number;
  latitudeMicro: number;
  longitudeMicro: number;
  radiusM: number;
}>;

/** The query of the form at `nowSeconds` (empty fields left out), or the first field that cannot be taken. */
export function searchQueryOf(f: SearchForm, nowSeconds: number): { query: SearchQuery } | { invalid: keyof SearchForm } {
  const query: SearchQuery = {};
  if (f.communityId.trim()) query.communityId = f.communityId.trim();
  if (f.zone.trim()) query.zone = f.zone.trim();
  const amount = (key: keyof SearchForm, scale: number) => (f[key].trim() ? parseScaled(f[key], scale) : null);
  const minFree = amount('minFreeKwh', 3);
  if (minFree === undefined || minFree === 0) return { invalid: 'minFreeKwh' };
  if (minFree !== null) {
    const startsIn = Number(f.startsInHours);
    const hours = Number(f.hours);
    if (!Number.isInteger(startsIn) || startsIn < 0) return { invalid: 'startsInHours' };
    if (!Number.isInteger(hours) || hours < 1) return { invalid: 'hours' };
    const from = Math.ceil(nowSeconds / HOUR) * HOUR + startsIn * HOUR;
    Object.assign(query, { minFreeWh: minFree, from: instant(from), to: instant(from + hours * HOUR) });
  }
  const stored = amount('maxStoredPrice', 6);
  if (stored === undefined) return { invalid: 'maxStoredPrice' };
  if (stored !== null) query.maxStoredPriceMicrosPerKwh = stored;
  const reserved = amount('maxReservedPrice', 6);
  if (reserved === undefined) return { invalid: 'maxReservedPrice' };
  if (reserved !== null) query.maxReservedPriceMicrosPerKwhDay = reserved;
  const place = [f.latitude, f.longitude, f.radiusKm].filter((t) => t.trim()).length;
  if (place > 0) {
    const latitudeMicro = parseSigned(f.latitude, 6);
    if (latitudeMicro === undefined) return { invalid: 'latitude' };
    const longitudeMicro = parseSigned(f.longitude, 6);
    if (longitudeMicro === undefined) return { invalid: 'longitude' };
    const radiusM = parseScaled(f.radiusKm, 3);
    if (radiusM === undefined) return { invalid: 'radiusKm' };
    Object.assign(query, { latitudeMicro, longitudeMicro, radiusM });
  }
  return { query };
}
