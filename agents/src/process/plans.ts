/**
 * The homes' plans over MQTT (docs/agents.md, "Plans over MQTT"): the home (its energy manager, the
 * simulation) publishes each meter's planned positions on `gridledger/v1/{communityId}/meters/{meterId}/plan`,
 * which only the household writes and only its agent reads:
 * `{ "meterId": "h1.main", "issuedAt": "2026-12-06T20:14:05Z", "intervals": [{ "intervalStart":
 * "2026-12-06T20:15:00Z", "netWh": 1200, "batteryWh": 0 }] }` (net export above 0). Pure: readPlan
 * judges one message against the meter's current plan; homePosition adds a home's meters' plans up.
 */
import { parseInstant } from '@gridledger/core';
import type { PlannedPosition } from './positions.js';

export const planTopic = (communityId: string, meterId: string) => `gridledger/v1/${communityId}/meters/${meterId}/plan`;

/** A meter's plan as accepted: when it was made, and its positions by interval start. */
export interface MeterPlan {
  meterId: string;
  issuedAt: number;
  positions: Map<string, PlannedPosition>;
}

/** Why a message is not taken: not of this form, another meter's, not newer than the plan held, too old, made ahead of this clock. */
export type PlanRefusal = 'malformed' | 'meter-mismatch' | 'not-newer' | 'stale' | 'future';

export type PlanVerdict = { ok: true; plan: MeterPlan } | { ok: false; reason: PlanRefusal; detail: string };

/** At most this many intervals in one plan (two days of 15-minute intervals), this many bytes in one message. */
export const MAX_PLAN_INTERVALS = 192;
export const MAX_PLAN_BYTES = 64 * 1024;
/** A plan made this far after the process's clock is refused: the clocks disagree. */
export const PLAN_CLOCK_SKEW_SECONDS = 60;
const MAX_WH = 1_000_000_000;

const refuse = (reason: PlanRefusal, detail: string): PlanVerdict => ({ ok: false, reason, detail });
const isWh = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= MAX_WH;

/**
 * One message on a meter's plan topic, judged against the plan the agent holds for the meter: a
 * newer plan of the right form replaces it whole; anything else is refused with its reason.
 */
export function readPlan(
  meterId: string,
  payload: string,
  nowSeconds: number,
  current: MeterPlan | undefined,
  maxAgeSeconds: number,
): PlanVerdict {
  if (Buffer.byteLength(payload) > MAX_PLAN_BYTES) return refuse('malformed', `larger than ${MAX_PLAN_BYTES} bytes`);
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return refuse('malformed', 'not JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return refuse('malformed', 'not a JSON object');
  const m = message as Record<string, unknown>;
  if (m.meterId !== meterId) return refuse('meter-mismatch', `meterId ${JSON.stringify(m.meterId)} on the topic of ${meterId}`);
  const issuedAt = typeof m.issuedAt === 'string' ? parseInstant(m.issuedAt) : undefined;
  if (issuedAt === undefined) return refuse('malformed', 'issuedAt must be an instant such as 2026-12-06T20:14:05Z');
  if (!Array.isArray(m.intervals) || m.intervals.length > MAX_PLAN_INTERVALS)
    return refuse('malformed', `intervals must be a list of at most ${MAX_PLAN_INTERVALS}`);
  const positions = new Map<string, PlannedPosition>();
  for (const [k, entry] of m.intervals.entries()) {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { intervalStart, netWh, batteryWh = 0 } = e;
    if (typeof intervalStart !== 'string' || parseInstant(intervalStart) === undefined)
      return refuse('malformed', `intervals[${k}].intervalStart must be an instant`);
    if (!isWh(netWh, -MAX_WH) || !isWh(batteryWh, 0))
      return refuse('malformed', `intervals[${k}]: netWh must be an integer Wh, batteryWh one of at least 0`);
    if (positions.has(intervalStart)) return refuse('malformed', `intervals[${k}].intervalStart appears twice`);
    positions.set(intervalStart, { netWh, batteryWh });
  }
  if (issuedAt > nowSeconds + PLAN_CLOCK_SKEW_SECONDS) return refuse('future', `issued at ${m.issuedAt}, ahead of this clock`);
  if (issuedAt < nowSeconds - maxAgeSeconds) return refuse('stale', `issued at ${m.issuedAt}, more than ${maxAgeSeconds} s ago`);
  if (current !== undefined && issuedAt <= current.issuedAt) return refuse('not-newer', `issued at ${m.issuedAt}, not after the plan held`);
  return { ok: true, plan: { meterId, issuedAt, positions } };
}

/** A home's position for an interval: the sum over its meters' plans that have it; undefined when none has (it sits the interval out). */
export function homePosition(plans: Iterable<MeterPlan>, intervalStart: string): PlannedPosition | undefined {
  let found: PlannedPosition | undefined;
  for (const plan of plans) {
    const p = plan.positions.get(intervalStart);
    if (p !== undefined) found = { netWh: (found?.netWh ?? 0) + p.netWh, batteryWh: (found?.batteryWh ?? 0) + p.batteryWh };
  }
  return found;
}
