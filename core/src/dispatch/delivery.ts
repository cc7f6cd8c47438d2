/**
 * What a dispatched resource delivered and what its owner is paid (docs/dispatch.md, "Delivery and
 * payment"): the change of its meter's mean power during the setpoint against the mean just before
 * it, in the direction asked, never negative and never more than asked; capped by what the meter's
 * signed readings allow (the rise of its net export over the setpoint's metering intervals against
 * as many intervals before); paid per kWh delivered.
 */

/** Delivered energy (Wh, rounded down) of a setpoint of `powerW` over `durationSeconds`, from the meter's mean power before and during. */
export function deliveredWh(powerW: number, durationSeconds: number, baselineW: number, duringW: number): number {
  const change = Math.sign(powerW) * (duringW - baselineW);
  const kept = Math.min(Math.max(change, 0), Math.abs(powerW));
  return Math.floor((kept * durationSeconds) / 3600);
}

/** The owner's payment for `energyWh` at `priceMicrosPerKwh`, rounded down (µ). */
export const dispatchPaymentMicros = (energyWh: number, priceMicrosPerKwh: number): number =>
  Number((BigInt(energyWh) * BigInt(priceMicrosPerKwh)) / 1000n);

/** Where a settled delivery's figure comes from: capped or confirmed by the meter's readings, or telemetry alone. */
export const DELIVERY_SOURCES = ['readings', 'telemetry'] as const;
export type DeliverySource = (typeof DELIVERY_SOURCES)[number];

/** How long after a setpoint's end its settlement waits for the meter's readings when the request names no other time (s). */
export const DEFAULT_READINGS_WAIT_SECONDS = 1_800;
/** The longest wait a request may name: the default late window of readings (48 h). */
export const MAX_READINGS_WAIT_SECONDS = 172_800;

/** The metering intervals (their starts, epoch seconds) a setpoint's delivery is read from: those it overlaps and as many just before. */
export interface ReadingIntervals {
  before: number[];
  during: number[];
}

/**
 * The intervals of the `intervalSeconds` grid (aligned to the epoch) that [startSeconds, startSeconds + durationSeconds) overlaps,
 * and as many just before.
 */
export function readingIntervals(startSeconds: number, durationSeconds: number, intervalSeconds: number): ReadingIntervals {
  const first = Math.floor(startSeconds / intervalSeconds) * intervalSeconds;
  const end = Math.ceil((startSeconds + durationSeconds) / intervalSeconds) * intervalSeconds;
  const n = (end - first) / intervalSeconds;
  const during: number[] = [];
  const before: number[] = [];
  for (let k = 0; k < n; k++) {
    during.push(first + k * intervalSeconds);
    before.push(first - (n - k) * intervalSeconds);
  }
  return { before, during };
}

/**
 * The most the readings allow (Wh): the rise of the meter's net export (export − import, summed over the intervals) during the
 * setpoint's intervals against as many intervals before, in the direction asked (a fall for a setpoint of more import); never negative.
 */
export function readingsCapWh(powerW: number, duringNetWh: number, beforeNetWh: number): number {
  return Math.max(Math.sign(powerW) * (duringNetWh - beforeNetWh), 0);
}

export interface ReconciledDelivery {
  deliveredWh: number;
  source: DeliverySource;
  /** The readings allowed less than telemetry showed. */
  capped: boolean;
}

/**
 * The delivery paid for: what telemetry shows (`telemetryWh`, never negative), capped by what the readings allow (`capWh`);
 * without readings (`capWh` undefined, their deadline passed) telemetry alone.
 */
export function reconcileDelivery(telemetryWh: number, capWh: number | undefined): ReconciledDelivery {
  const shown = Math.max(telemetryWh, 0);
  if (capWh === undefined) return { deliveredWh: shown, source: 'telemetry', capped: false };
  const allowed = Math.max(capWh, 0);
  return { deliveredWh: Math.min(shown, allowed), source: 'readings', capped: allowed < shown };
}

/**
 * A dispatch settled from telemetry alone, checked again once its readings arrived (docs/dispatch.md, "Late readings"):
 * `confirmed` (the readings allow what was paid), `capped` (they allow less: the difference is taken back), or `no-readings`
 * (they did not come within the late window: the payment stands, unconfirmed for good).
 */
export const RESETTLEMENT_OUTCOMES = ['confirmed', 'capped', 'no-readings'] as const;
export type ResettlementOutcome = (typeof RESETTLEMENT_OUTCOMES)[number];

export interface Resettlement {
  outcome: ResettlementOutcome;
  deliveredWh: number;
  paymentMicros: number;
  /** What the owner pays back (µ, never negative): the first payment less the one the readings allow. */
  clawbackMicros: number;
}

/**
 * The re-settlement of a delivery paid from telemetry (`telemetryWh`, `paidMicros`) once its readings allow `capWh`
 * (undefined: they never came). The delivery can only fall: the readings bound it, they never add to telemetry's figure.
 */
export function resettleDelivery(
  telemetryWh: number,
  paidMicros: number,
  capWh: number | undefined,
  priceMicrosPerKwh: number,
): Resettlement {
  if (capWh === undefined)
    return { outcome: 'no-readings', deliveredWh: Math.max(telemetryWh, 0), paymentMicros: paidMicros, clawbackMicros: 0 };
  const { deliveredWh, capped } = reconcileDelivery(telemetryWh, capWh);
  const paymentMicros = Math.min(dispatchPaymentMicros(deliveredWh, priceMicrosPerKwh), paidMicros);
  return { outcome: capped ? 'capped' : 'confirmed', deliveredWh, paymentMicros, clawbackMicros: paidMicros - paymentMicros };
}
