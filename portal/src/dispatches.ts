/** How the portal words a household's dispatch (docs/dispatch.md): what it was asked and what came of it. */

/** What a setpoint asks, in words: + more export (discharge), − more import (charge). */
export function askedText(powerW: number, format: (w: number) => string): string {
  if (powerW > 0) return `${format(powerW)} more export`;
  if (powerW < 0) return `${format(-powerW)} more import`;
  return 'no change';
}

const STATUS_TEXT: Record<string, string> = {
  requested: 'sent, awaiting the device',
  accepted: 'accepted by the device',
  refused: 'refused by the device',
  'non-responsive': 'no answer (sent to another resource)',
  settled: 'delivered and paid',
};

/** A dispatch's status in words (its code beside it on the page). */
export const statusText = (status: string): string => STATUS_TEXT[status] ?? status;

/** A duration in whole minutes and seconds, e.g. "15 min", "1 min 30 s", "20 s". */
export function durationText(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m === 0) return `${s} s`;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}

interface Delivery {
  deliveredWh: number;
  paymentMicros: number;
  source: string;
  resettlement?: { outcome: string; deliveredWh: number; paymentMicros: number; clawbackMicros: number };
}

/**
 * What a settled dispatch comes to now: the first settlement's figures, or, once its late readings re-settled one paid from
 * telemetry alone, theirs; with a note when the readings changed it or were still awaited.
 */
export function deliveryNow(d: Delivery): { deliveredWh: number; paymentMicros: number; note: string | null } {
  const r = d.resettlement;
  if (r === undefined) return { ...pick(d), note: d.source === 'telemetry' ? 'from telemetry; awaiting the meter’s readings' : null };
  if (r.outcome === 'capped') return { ...pick(r), note: 'corrected by the meter’s readings' };
  return { ...pick(r), note: r.outcome === 'no-readings' ? 'from telemetry; the meter’s readings never came' : null };
}

const pick = (x: { deliveredWh: number; paymentMicros: number }) => ({ deliveredWh: x.deliveredWh, paymentMicros: x.paymentMicros });
