/**
 * Accelerated time. A run maps ledger intervals one to one onto simulated intervals: ledger
 * interval k, [realStart + k·L, realStart + (k+1)·L) in real time with L the ledger's interval
 * (60 s, or down to MIN_INTERVAL_SECONDS, 20 s, for a day in minutes), carries the energy of
 * simulated interval k, [simStart + k·S, simStart + (k+1)·S) with S the scenario's simulated
 * seconds per interval (900: a quarter hour). Time runs S / L times as fast (15× for quarter hours
 * in minutes, 180× for hours in 20 s); energy is not scaled, so a meter's power (and the
 * export capacity it is registered with) is S / L times its real power.
 */
import { MIN_INTERVAL_SECONDS, parseInstant } from '@gridledger/core';
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

/** How a run times its interval pipeline for a ledger interval (docs/simulation.md, Accelerated time). */
export interface Pipeline {
  /** The market's gate: orders close this long before an interval starts. */
  gateClosureSeconds: number;
  /** The channel's metering late window: readings are taken this long after their interval has ended. */
  lateWindowSeconds: number;
  /** Each interval's orders go in this many intervals before it starts. */
  ordersAheadIntervals: number;
  /** The scheduler still closes an interval whose gate passed this many intervals back (a stalled tick). */
  lookbackIntervals: number;
}

/**
 * The pipeline of a ledger interval of `seconds`: at 60 s as the demo market (gate 10 s, late
 * window 30 s, orders two intervals ahead); shorter intervals keep the 10 s gate, a late window of
 * half the interval (10 s at 20 s: the readings go out 1 s after the end and are on the ledger
 * 1-3 s later), orders at least 60 s ahead (50 s to place 100 homes' orders, which took up to 12 s)
 * and a scheduler that looks two minutes back.
 */
export function pipelineOf(seconds: number): Pipeline {
  if (!Number.isInteger(seconds) || seconds < MIN_INTERVAL_SECONDS)
    throw new Error(`a ledger interval is at least ${MIN_INTERVAL_SECONDS} s, not ${seconds}`);
  return {
    gateClosureSeconds: 10,
    lateWindowSeconds: Math.min(30, Math.floor(seconds / 2)),
    ordersAheadIntervals: Math.max(2, Math.ceil(60 / seconds)),
    lookbackIntervals: Math.max(2, Math.ceil(120 / seconds)),
  };
}
