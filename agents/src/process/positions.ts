/**
 * The homes' planned positions (docs/agents.md, "The agent process"): what each home expects to
 * export (netWh > 0) or import (netWh < 0) in an interval, and the battery energy it could sell
 * beyond that. The file is written by whatever plans the homes (a home energy manager, the
 * simulation, a test) and read again at every cycle: `{ "<participantId>": { "<intervalStart>":
 * { "netWh": 1200, "batteryWh": 0 } } }`, intervalStart as the ledger writes it
 * (`2026-12-06T20:15:00Z`). Pure: positionIn reads the parsed JSON.
 */
export interface PlannedPosition {
  netWh: number;
  batteryWh: number;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The home's planned position for the interval; undefined when the plan has none (the agent then does nothing). */
export function positionIn(plan: unknown, participantId: string, intervalStart: string): PlannedPosition | undefined {
  if (typeof plan !== 'object' || plan === null) return undefined;
  const home = (plan as Record<string, unknown>)[participantId];
  if (typeof home !== 'object' || home === null) return undefined;
  const p = (home as Record<string, unknown>)[intervalStart];
  if (typeof p !== 'object' || p === null) return undefined;
  const { netWh, batteryWh = 0 } = p as Record<string, unknown>;
  if (!isInt(netWh) || !isInt(batteryWh) || batteryWh < 0) return undefined;
  return { netWh, batteryWh };
}
