/**
 * What a dispatched resource delivered and what its owner is paid (docs/dispatch.md, "Delivery and
 * payment"): the change of its meter's mean power during the setpoint against the mean just before
 * it, in the direction asked, never negative and never more than asked; paid per kWh delivered.
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
