/**
 * Islanding and emergencies, pure (docs/islanding.md): the community's connection to the
 * utility opens, so nothing can be bought from or sold to it. What cannot be served locally is
 * curtailed in a fixed priority order (critical loads last), and the deviations that the utility
 * would otherwise take or supply are settled among the participants. Emergency load shedding uses
 * the same order. Integers only; ties by id.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds, ID_PATTERN } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { costMicros } from '../market/order';

/** Load priority classes, curtailed first to last. */
export const LOAD_PRIORITIES = ['deferrable', 'standard', 'essential', 'critical'] as const;
export type LoadPriority = (typeof LOAD_PRIORITIES)[number];

/** A load that may be curtailed: a meter (or a participant) with its priority and its demand in the interval. */
export interface Load {
  loadId: string;
  priority: LoadPriority;
  demandWh: number;
}

export interface Curtailment {
  loadId: string;
  priority: LoadPriority;
  demandWh: number;
  servedWh: number;
  curtailedWh: number;
}

function invalid(field: string, reason: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.ISLAND_INPUT_INVALID, reason, { field });
}

/**
 * Curtails `curtailWh` of the loads' demand: the lowest priority class first, a class only once
 * every class below it is curtailed whole; within the class that is cut in part, pro rata to the
 * demand in whole Wh (the Wh left by rounding go to the largest remainders, equal ones by load id).
 * Asking for more than the total demand curtails everything. Answers the loads in id order.
 */
export function curtail(loads: readonly Load[], curtailWh: number): Curtailment[] {
  if (!Number.isSafeInteger(curtailWh) || curtailWh < 0) throw invalid('curtailWh', 'curtailWh must be a non-negative integer');
  const seen = new Set<string>();
  for (const l of loads) {
    if (typeof l.loadId !== 'string' || !ID_PATTERN.test(l.loadId)) throw invalid('loadId', 'a load id is invalid');
    if (seen.has(l.loadId)) throw invalid('loadId', `load ${l.loadId} repeats`);
    seen.add(l.loadId);
    if (!LOAD_PRIORITIES.includes(l.priority)) throw invalid('priority', `priority must be one of ${LOAD_PRIORITIES.join(', ')}`);
    if (!Number.isSafeInteger(l.demandWh) || l.demandWh < 0) throw invalid('demandWh', 'demandWh must be a non-negative integer');
  }
  const sorted = [...loads].sort((a, b) => compareIds(a.loadId, b.loadId));
  const curtailed = new Map<string, number>();
  let left = curtailWh;
  for (const priority of LOAD_PRIORITIES) {
    const cls = sorted.filter((l) => l.priority === priority);
    const demand = cls.reduce((s, l) => s + l.demandWh, 0);
    const cut = Math.min(left, demand);
    const shares =
      cut === demand
        ? cls.map((l) => l.demandWh)
        : shareProRata(
            cut,
            cls.map((l) => l.demandWh),
          );
    cls.forEach((l, k) => curtailed.set(l.loadId, shares[k]));
    left -= cut;
  }
  return sorted.map((l) => {
    const c = curtailed.get(l.loadId)!;
    return { loadId: l.loadId, priority: l.priority, demandWh: l.demandWh, servedWh: l.demandWh - c, curtailedWh: c };
  });
}

/** Whether the community is connected to the utility, from which interval, and who said so. */
export interface IslandState {
  mode: 'connected' | 'islanded';
  /** The first interval in this mode (an interval start, UTC). */
  since: string;
  cause: 'utility' | 'telemetry' | 'initial';
}

/**
 * The next state when the connection opens (`islanded`) or closes again (`connected`): only a
 * change of mode, effective from an interval that has not started (`fromEpoch` > `nowEpoch`, in
 * seconds; the caller checks it is an interval boundary).
 */
export function changeIsland(
  current: IslandState,
  mode: IslandState['mode'],
  from: { intervalStart: string; fromEpoch: number; nowEpoch: number },
  cause: 'utility' | 'telemetry',
): IslandState {
  if (current.mode === mode) throw new GridLedgerError(ErrorCodes.ISLAND_MODE_UNCHANGED, `the community is already ${mode}`, { mode });
  if (from.fromEpoch <= from.nowEpoch)
    throw new GridLedgerError(ErrorCodes.ISLAND_CHANGE_NOT_FUTURE, 'a change of mode takes effect from an interval that has not started', {
      intervalStart: from.intervalStart,
    });
  return { mode, since: from.intervalStart, cause };
}

/** A telemetry sample at the connection point: power through it (W, + export) and the frequency (mHz). */
export interface ConnectionSample {
  powerW: number;
  frequencyMHz: number;
}

/**
 * When telemetry says the connection is open: `samples` in a row with |power| ≤ `maxPowerW` and the
 * frequency off nominal by more than `bandMHz`.
 */
export interface OpeningRule {
  samples: number;
  maxPowerW: number;
  nominalMHz: number;
  bandMHz: number;
}

export const DEFAULT_OPENING_RULE: OpeningRule = { samples: 3, maxPowerW: 50, nominalMHz: 50_000, bandMHz: 200 };

/**
 * Whether the newest samples (oldest first) show the connection open: the last `rule.samples` all
 * carry (almost) no power through the connection point while the frequency has left its band (a
 * community running on its own drifts; a connected one is held at nominal by the grid).
 */
export function connectionOpen(samples: readonly ConnectionSample[], rule: OpeningRule = DEFAULT_OPENING_RULE): boolean {
  if (samples.length < rule.samples) return false;
  return samples.slice(-rule.samples).every((s) => looksOpen(s, rule));
}

/** One sample as an open connection shows it: (almost) no power through it, the frequency out of its band. */
const looksOpen = (s: ConnectionSample, rule: OpeningRule): boolean =>
  Math.abs(s.powerW) <= rule.maxPowerW && Math.abs(s.frequencyMHz - rule.nominalMHz) > rule.bandMHz;

/**
 * The connection's state from the newest samples (oldest first): `open` as connectionOpen says,
 * `closed` when none of the last `rule.samples` looks open (power through it, or the frequency in
 * band), else `unclear`. A CONNECTION_OPEN alert is raised on open and cleared only on closed.
 */
export function connectionState(
  samples: readonly ConnectionSample[],
  rule: OpeningRule = DEFAULT_OPENING_RULE,
): 'open' | 'closed' | 'unclear' {
  if (connectionOpen(samples, rule)) return 'open';
  if (samples.length < rule.samples) return 'unclear';
  return samples.slice(-rule.samples).some((s) => looksOpen(s, rule)) ? 'unclear' : 'closed';
}

/** A participant's deviation from its contracted position in an islanded interval (Wh, + exported more than sold). */
export interface IslandDeviation {
  participantId: string;
  deviationWh: number;
}

/** A movement of credits between two participants for island imbalance. */
export interface IslandPosting {
  from: string;
  to: string;
  amountMicros: number;
  energyWh: number;
}

/**
 * Islanded settlement of deviations, without the utility: each participant that consumed beyond
 * its position (deviation < 0) pays for it at the island price, and what they pay is shared among
 * those that delivered beyond theirs (deviation > 0) pro rata to their excess, to the micro-unit
 * (largest remainders, equal ones by participant id), so credits are conserved. The excess energy
 * is what served the shortfall inside the island: when the metered shortfall is larger than the
 * excess (losses, metering noise), only as much as the excess is charged, shared over the short
 * participants pro rata; with no excess nothing is. Postings from each short participant to each
 * long one, in id order of payer then payee; zero amounts left out.
 */
export function settleIslandDeviations(deviations: readonly IslandDeviation[], priceMicrosPerKwh: number): IslandPosting[] {
  if (!Number.isSafeInteger(priceMicrosPerKwh) || priceMicrosPerKwh < 0)
    throw invalid('priceMicrosPerKwh', 'price must be a non-negative integer');
  const sorted = [...deviations].sort((a, b) => compareIds(a.participantId, b.participantId));
  for (const d of sorted)
    if (!Number.isSafeInteger(d.deviationWh)) throw invalid('deviationWh', `the deviation of ${d.participantId} must be an integer`);
  const long = sorted.filter((d) => d.deviationWh > 0);
  const short = sorted.filter((d) => d.deviationWh < 0);
  const excess = long.reduce((s, d) => s + d.deviationWh, 0);
  const shortfall = short.reduce((s, d) => s - d.deviationWh, 0);
  // What the excess served: all of the shortfall, or (metering noise, losses) no more than the excess.
  const served = shareProRata(
    Math.min(excess, shortfall),
    short.map((d) => -d.deviationWh),
  );
  const weights = long.map((d) => d.deviationWh);
  const postings: IslandPosting[] = [];
  short.forEach((payer, i) => {
    const energy = shareProRata(served[i], weights);
    const money = shareProRata(costMicros(served[i], priceMicrosPerKwh), weights);
    long.forEach((payee, k) => {
      if (money[k] > 0 || energy[k] > 0)
        postings.push({ from: payer.participantId, to: payee.participantId, amountMicros: money[k], energyWh: energy[k] });
    });
  });
  return postings;
}
