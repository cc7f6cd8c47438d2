/**
 * Demand-response events as a household and the utility follow them (docs/flexibility.md): which
 * events this browser knows of (called while a page was open, or looked up once) and the stage an
 * event is in.
 */
import type { LedgerEvent } from './api/events';

export type FlexStage = 'opt-in open' | 'waiting to start' | 'under way' | 'ended' | 'settled';

/** The stage of an event at `nowSeconds`: answers until the deadline, then the window, then settlement. */
export function flexStage(e: { optInDeadline: string; start: string; end: string }, nowSeconds: number, settled: boolean): FlexStage {
  if (settled) return 'settled';
  if (nowSeconds < Date.parse(e.optInDeadline) / 1000) return 'opt-in open';
  if (nowSeconds < Date.parse(e.start) / 1000) return 'waiting to start';
  if (nowSeconds < Date.parse(e.end) / 1000) return 'under way';
  return 'ended';
}

/** The event ids remembered (newest first, without repeats) and those the stream called meanwhile, at most `max`. */
export function knownEventIds(remembered: readonly string[], events: readonly LedgerEvent[], max = 20): string[] {
  const called = events
    .filter((e) => e.name === 'FlexEventCalled' && typeof e.payload.eventId === 'string')
    .map((e) => e.payload.eventId as string)
    .reverse();
  return [...new Set([...called, ...remembered])].slice(0, max);
}

/** The energy a power held over `seconds` comes to, in Wh rounded down (the target of an interval). */
export const whOf = (watts: number, seconds: number): number => Math.floor((watts * seconds) / 3600);
