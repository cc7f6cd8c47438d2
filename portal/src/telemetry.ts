/**
 * The grid tab's device telemetry and grid model versions, pure (docs/portal.md, Grid): a meter's
 * samples as a series (oldest first, W) with its latest and its extremes; which version of the grid
 * model is in force at an instant and which are ahead.
 */
import type { operations } from './api/schema.gen';

type Ok<R> = R extends { 200: { content: { 'application/json': infer T } } } ? T : never;
export type GridModelVersion = Ok<operations['listGridModelVersions']['responses']>['versions'][number];

export interface Sample {
  at: string;
  powerW: number;
  frequencyMHz: number;
  voltageMv: number;
}

/** The samples of a series answer that have the sample's fields, oldest first (duplicates of one second kept once, the last). */
export function samplesOf(series: readonly Record<string, unknown>[]): Sample[] {
  const bySecond = new Map<string, Sample>();
  for (const s of series) {
    const { at, powerW, frequencyMHz, voltageMv } = s;
    if (typeof at !== 'string' || ![powerW, frequencyMHz, voltageMv].every(Number.isSafeInteger)) continue;
    bySecond.set(at, { at, powerW: powerW as number, frequencyMHz: frequencyMHz as number, voltageMv: voltageMv as number });
  }
  return [...bySecond.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** The chart's series (epoch seconds, W) and the figures beside it. */
export function telemetrySummary(samples: readonly Sample[]): {
  x: number[];
  powerW: number[];
  latest?: Sample;
  minPowerW?: number;
  maxPowerW?: number;
} {
  const powerW = samples.map((s) => s.powerW);
  return {
    x: samples.map((s) => Date.parse(s.at) / 1000),
    powerW,
    latest: samples.at(-1),
    minPowerW: samples.length ? Math.min(...powerW) : undefined,
    maxPowerW: samples.length ? Math.max(...powerW) : undefined,
  };
}

/** Each version with its state at `nowSeconds`: in force (the latest whose effectiveFrom has come), ahead, or replaced. Newest first. */
export function versionStates(
  versions: readonly GridModelVersion[],
  nowSeconds: number,
): (GridModelVersion & { state: 'in force' | 'ahead' | 'replaced' })[] {
  const started = versions.filter((v) => Date.parse(v.effectiveFrom) / 1000 <= nowSeconds);
  // Two versions from one instant: the later change (higher number) is the one in force.
  const inForce = started.reduce<GridModelVersion | undefined>(
    (best, v) =>
      !best || v.effectiveFrom > best.effectiveFrom || (v.effectiveFrom === best.effectiveFrom && v.number > best.number) ? v : best,
    undefined,
  );
  return [...versions]
    .sort((a, b) => b.number - a.number)
    .map((v) => ({
      ...v,
      state: v === inForce ? 'in force' : Date.parse(v.effectiveFrom) / 1000 > nowSeconds ? 'ahead' : 'replaced',
    }));
}
