/**
 * Accelerated time. A run maps ledger intervals one to one onto simulated intervals: ledger
 * interval k, [realStart + k·L, realStart + (k+1)·L) in real time with L the ledger's interval
 * (60 s), carries the energy of simulated interval k, [simStart + k·S, simStart + (k+1)·S) with S
 * the scenario's simulated seconds per interval (900: a quarter hour). Time runs S / L times as
 * fast (15× for quarter hours in minutes); energy is not scaled, so a meter's power (and the
 * export capacity it is registered with) is S / L times its real power.
 */
import { parseInstant } from '@gridledger/core';
import type { Scenario } from './scenario';

export interface TimeScale {
  realStart: number;
  realIntervalSeconds: number;
  simStart: number;
  simIntervalSeconds: number;
  intervals: number;
}

export function timeScale(s: Scenario, realStart: number): TimeScale {
  if (realStart % s.ledgerIntervalSeconds !== 0) throw new Error(`the run must start on the ${s.ledgerIntervalSeconds} s grid`);
  return {
    realStart,
    realIntervalSeconds: s.ledgerIntervalSeconds,
    simStart: parseInstant(`${s.day}T00:00:00Z`)! + s.fromHour * 3600,
    simIntervalSeconds: s.simulatedSecondsPerInterval,
    intervals: (s.hours * 3600) / s.simulatedSecondsPerInterval,
  };
}

/** How many times faster than real time the simulated clock runs. */
export const speedOf = (t: TimeScale): number => t.simIntervalSeconds / t.realIntervalSeconds;
export const realIntervalStart = (t: TimeScale, k: number): number => t.realStart + k * t.realIntervalSeconds;
export const simIntervalStart = (t: TimeScale, k: number): number => t.simStart + k * t.simIntervalSeconds;

/** The first ledger interval a run can start with: its orders' gate must still be `leadSeconds` away. */
export function firstRealStart(nowSeconds: number, intervalSeconds: number, leadSeconds: number): number {
  return Math.ceil((nowSeconds + leadSeconds) / intervalSeconds) * intervalSeconds;
}

/** The simulated instant of a ledger interval's start. */
export function simOf(
  t: Pick<TimeScale, 'realStart' | 'realIntervalSeconds' | 'simStart' | 'simIntervalSeconds'>,
  intervalStart: string,
): number {
  return t.simStart + ((Date.parse(intervalStart) / 1000 - t.realStart) / t.realIntervalSeconds) * t.simIntervalSeconds;
}
