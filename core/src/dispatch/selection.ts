/**
 * Which resources to dispatch for a need (docs/dispatch.md, "Selection"): the resources of the
 * zone that acknowledged most reliably first, then those with the most room, each asked for the
 * most it can give within its owner's limits until the need is covered. Used by the device
 * bridge's automatic rule (a feeder near its limit) and to replace a device that did not answer.
 */
import { compareIds } from '../core/identity';
import { maxFeasiblePowerW, type ResourceState } from './setpoint';

export interface Candidate extends ResourceState {
  resourceId: string;
  zone: string;
  missedAcks: number;
}

export interface Need {
  zone: string;
  /** The change of the zone's power asked for, signed as a setpoint's (+ more export, − more import). */
  powerW: number;
  startAt: string;
  durationSeconds: number;
}

export interface Selected {
  resourceId: string;
  powerW: number;
}

/** The setpoints that cover `need` (or as much of it as the zone's resources can), never one beyond an owner's limits. */
export function selectResources(candidates: readonly Candidate[], need: Need, exclude: readonly string[] = []): Selected[] {
  const direction: 1 | -1 = need.powerW >= 0 ? 1 : -1;
  const ranked = candidates
    .filter((c) => c.zone === need.zone && !exclude.includes(c.resourceId))
    .map((c) => ({ c, room: maxFeasiblePowerW(c, direction, need.startAt, need.durationSeconds) }))
    .filter((x) => x.room > 0)
    .sort((a, b) => a.c.missedAcks - b.c.missedAcks || b.room - a.room || compareIds(a.c.resourceId, b.c.resourceId));
  const out: Selected[] = [];
  let left = Math.abs(need.powerW);
  for (const { c, room } of ranked) {
    if (left <= 0) break;
    const take = Math.min(room, left);
    out.push({ resourceId: c.resourceId, powerW: direction * take });
    left -= take;
  }
  return out;
}
