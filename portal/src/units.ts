/**
 * Display of the ledger's integers: energy in Wh, money (credits) in micro-units (µ). Converted as
 * decimal text, never through floating point, and formatted in the user's locale from that text
 * (Intl.NumberFormat formats a decimal string exactly).
 */

/** `value` / 10^scale as exact decimal text: scaledDecimal(-1234, 3) → "-1.234". */
export function scaledDecimal(value: number, scale: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  const digits = String(Math.abs(value)).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${value < 0 ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

const format = (text: string, locale: string | undefined, minDigits: number, maxDigits: number) =>
  // The string overload formats the decimal exactly (ECMA-402 2023); the cast is for older lib typings.
  new Intl.NumberFormat(locale, { minimumFractionDigits: minDigits, maximumFractionDigits: maxDigits }).format(text as unknown as number);

/** Wh as kWh with every Wh shown: 1234567 → "1,234.567 kWh" (en). */
export const formatKwh = (wh: number, locale?: string): string => `${format(scaledDecimal(wh, 3), locale, 3, 3)} kWh`;

/** Micro-units as credits, at least 2 decimals and never a µ lost: 1500000 → "1.50 credits", 1 → "0.000001 credits". */
export const formatCredits = (micros: number, locale?: string): string => `${format(scaledDecimal(micros, 6), locale, 2, 6)} credits`;

/** A price in µ per kWh as credits per kWh. */
export const formatPrice = (microsPerKwh: number, locale?: string): string =>
  `${format(scaledDecimal(microsPerKwh, 6), locale, 2, 6)} credits/kWh`;

/** What a person types ("1.5" kWh, "0.25" credits) as the integer the API takes, exactly; undefined when not a plain decimal. */
export function parseScaled(text: string, scale: number): number | undefined {
  const m = /^\s*(\d+)(?:[.,](\d*))?\s*$/.exec(text);
  if (!m || (m[2] ?? '').length > scale) return undefined;
  const value = Number(`${m[1]}${(m[2] ?? '').padEnd(scale, '0')}`);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Parts per million as a percentage with every ppm shown: 123456 → "12.3456 %" (en); null (no denominator) → "—". */
export const formatPpm = (ppm: number | null, locale?: string): string =>
  ppm === null ? '—' : `${format(scaledDecimal(ppm, 4), locale, 0, 4)} %`;

/** Watts as kW with every W shown: 1500 → "1.500 kW". */
export const formatKw = (w: number, locale?: string): string => `${format(scaledDecimal(w, 3), locale, 3, 3)} kW`;
