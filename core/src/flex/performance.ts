/**
 * Performance and payment of a demand-response event (docs/flexibility.md): per interval, the
 * delivered reduction is the fixed baseline less the verified consumption, never negative; an
 * interval without a verified consumption (a reading missing, an estimate) delivers nothing. The
 * payment is the reduced kWh at the event's price; a commitment not met costs the shortfall price
 * on the Wh missing, never more than the payment. Integers only; one rounding (down) per figure.
 */

export interface IntervalPerformance {
  intervalStart: string;
  baselineWh: number;
  /** Verified consumption; null when not every meter has a verified reading. */
  consumptionWh: number | null;
  reductionWh: number;
  /** What the participant committed to reduce in the interval (Wh). */
  committedWh: number;
  shortfallWh: number;
}

export interface Performance {
  intervals: IntervalPerformance[];
  reductionWh: number;
  shortfallWh: number;
  /** reductionWh × price / 1000, rounded down. */
  paymentMicros: number;
  /** shortfallWh × shortfall price / 1000, rounded down. */
  shortfallChargeMicros: number;
  /** What is paid: the payment less the shortfall charge, at least 0. */
  netPaymentMicros: number;
}

/** Wh of a power held over an interval, rounded down. */
export const energyOfPowerWh = (powerW: number, intervalSeconds: number): number => Math.floor((powerW * intervalSeconds) / 3600);

/** µ for Wh at a price per kWh, rounded down (BigInt: exact at any size). */
export const microsForWh = (wh: number, priceMicrosPerKwh: number): number => Number((BigInt(wh) * BigInt(priceMicrosPerKwh)) / 1000n);

/**
 * One participant's performance. `baselineWh` empty (no eligible like day): nothing is delivered.
 */
export function performanceOf(
  intervals: readonly string[],
  baselineWh: readonly number[],
  consumptionWh: readonly (number | null)[],
  committedWh: number,
  prices: { priceMicrosPerKwh: number; shortfallPriceMicrosPerKwh: number },
): Performance {
  const rows = intervals.map((intervalStart, i) => {
    const baseline = baselineWh[i] ?? 0;
    const consumption = consumptionWh[i];
    const reductionWh = consumption === null || baselineWh.length === 0 ? 0 : Math.max(0, baseline - consumption);
    return {
      intervalStart,
      baselineWh: baseline,
      consumptionWh: consumption,
      reductionWh,
      committedWh,
      shortfallWh: Math.max(0, committedWh - reductionWh),
    };
  });
  const reductionWh = rows.reduce((s, r) => s + r.reductionWh, 0);
  const shortfallWh = rows.reduce((s, r) => s + r.shortfallWh, 0);
  const paymentMicros = microsForWh(reductionWh, prices.priceMicrosPerKwh);
  const shortfallChargeMicros = microsForWh(shortfallWh, prices.shortfallPriceMicrosPerKwh);
  return {
    intervals: rows,
    reductionWh,
    shortfallWh,
    paymentMicros,
    shortfallChargeMicros,
    netPaymentMicros: Math.max(0, paymentMicros - shortfallChargeMicros),
  };
}
