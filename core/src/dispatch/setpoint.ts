/**
 * Setpoints and the owner's limits (docs/dispatch.md, "Owner limits"). A setpoint asks a resource
 * to change its power by `powerW` for `durationSeconds` from `startAt`, signed as telemetry is:
 * + more export (a battery discharges, an EV charges less), − more import (a battery or an EV
 * charges more). The rules here are the only ones: the chaincode refuses with them, and the
 * selection only proposes setpoints they let through.
 */
import { secondsOf, type FlexLimits, type ResourceKind } from './resource';

export interface Setpoint {
  powerW: number;
  startAt: string;
  durationSeconds: number;
}

/** The resource as a setpoint is checked against: its kind, the owner's limits, and the state of charge last known. */
export interface ResourceState extends FlexLimits {
  kind: ResourceKind;
  socWh: number;
}

/** The limit a setpoint would break, and the figures that show it. */
export interface LimitViolation {
  limit: 'maxPowerW' | 'minSocWh' | 'capacityWh' | 'departureAt' | 'targetWh' | 'powerW';
  message: string;
}

/** The energy a setpoint moves, rounded up (the owner's side of every bound). */
export const setpointEnergyWh = (powerW: number, durationSeconds: number): number => Math.ceil((Math.abs(powerW) * durationSeconds) / 3600);

/** The most energy `powerW` can move over `seconds` without exceeding it, rounded down. */
const energyAtMost = (powerW: number, seconds: number): number => Math.floor((powerW * seconds) / 3600);

/** Whether an EV can still reach its target at full power between `fromSeconds` and its departure. */
function evReachesTarget(r: ResourceState, fromSeconds: number): boolean {
  const left = secondsOf(r.departureAt as string) - fromSeconds;
  return left >= 0 && (r.targetWh as number) - r.socWh <= energyAtMost(r.maxPowerW, left);
}

/** The first limit the setpoint breaks, or undefined when it keeps all of them. */
export function limitViolation(r: ResourceState, s: Setpoint): LimitViolation | undefined {
  if (!Number.isSafeInteger(s.powerW) || s.powerW === 0) return { limit: 'powerW', message: 'powerW must be a non-zero integer' };
  if (Math.abs(s.powerW) > r.maxPowerW) return { limit: 'maxPowerW', message: `|${s.powerW}| W is above the owner's ${r.maxPowerW} W` };
  const energy = setpointEnergyWh(s.powerW, s.durationSeconds);
  const end = secondsOf(s.startAt) + s.durationSeconds;
  if (r.kind === 'ev') {
    if (end > secondsOf(r.departureAt as string))
      return { limit: 'departureAt', message: `the setpoint ends after the EV's departure ${r.departureAt}` };
    if (s.powerW > 0 && !evReachesTarget(r, end))
      return { limit: 'targetWh', message: `charging less until the end would leave the EV below its ${r.targetWh} Wh at departure` };
  } else if (s.powerW > 0 && r.socWh - energy < r.minSocWh) {
    return { limit: 'minSocWh', message: `discharging ${energy} Wh from ${r.socWh} Wh would go below the owner's ${r.minSocWh} Wh` };
  }
  if (s.powerW < 0 && r.socWh + energy > r.capacityWh)
    return { limit: 'capacityWh', message: `charging ${energy} Wh onto ${r.socWh} Wh would exceed ${r.capacityWh} Wh` };
  return undefined;
}

/**
 * The largest power (W, ≥ 0) the resource may be asked for in `direction` (+1 more export, −1 more
 * import) over the window, within every limit: limitViolation lets ±result through whenever it is above 0.
 */
export function maxFeasiblePowerW(r: ResourceState, direction: 1 | -1, startAt: string, durationSeconds: number): number {
  const end = secondsOf(startAt) + durationSeconds;
  let cap = r.maxPowerW;
  if (r.kind === 'ev') {
    if (end > secondsOf(r.departureAt as string)) return 0;
    if (direction > 0 && !evReachesTarget(r, end)) return 0;
  }
  const room = direction > 0 ? (r.kind === 'ev' ? Infinity : r.socWh - r.minSocWh) : r.capacityWh - r.socWh;
  if (room !== Infinity) cap = Math.min(cap, Math.floor((Math.max(0, room) * 3600) / durationSeconds));
  return Math.max(0, cap);
}
