/**
 * A market interval while the community is islanded (docs/islanding.md), pure: the curtailment its
 * clearing records (the demand its book's local supply cannot serve, cut in priority order) and its
 * settlement without the utility's last-resort leg (deviations settled among the participants).
 * The chaincode runs both; the audit command recomputes the curtailment from the book.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { parseInstant } from '../core/units';
import { compareIds, ID_PATTERN } from '../core/identity';
import { Order, safeMicros } from '../market/order';
import {
  checkPostingTotals,
  MeteredPosition,
  netBalances,
  Posting,
  settleInterval,
  SettlementParams,
  SettlementResult,
} from '../market/settlement';
import { Curtailment, curtail, IslandDeviation, IslandState, LOAD_PRIORITIES, LoadPriority, settleIslandDeviations } from './island';

/** At most this many loads may carry a priority other than `standard` in one island record. */
export const MAX_LOAD_PRIORITIES = 1000;

/** The priority of a load nobody named: a household. */
export const DEFAULT_LOAD_PRIORITY: LoadPriority = 'standard';

/** Participants whose loads are not `standard`, by id; e.g. `{ "clinic-1": "critical" }`. */
export type LoadPriorities = Record<string, LoadPriority>;

/** What an islanded clearing records besides the auction: the mode it ran in and its curtailment. */
export interface IslandClearing {
  mode: 'islanded';
  since: string;
  cause: IslandState['cause'];
  /** The book's buy and sell energy: the demand and what local supply offered for it. */
  demandWh: number;
  supplyWh: number;
  /** max(0, demand − supply): what is curtailed. */
  curtailedWh: number;
  /** Every buyer of the interval with its priority, demand and cut, by participant id. */
  curtailments: Curtailment[];
}

const invalid = (field: string, reason: string) => new GridLedgerError(ErrorCodes.ISLAND_INPUT_INVALID, reason, { field });

/** A priority map of the documented shape (ids, known classes, at most MAX_LOAD_PRIORITIES), or ISLAND_INPUT_INVALID. */
export function validateLoadPriorities(value: unknown): LoadPriorities {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('loadPriorities', 'loadPriorities is an object');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_LOAD_PRIORITIES) throw invalid('loadPriorities', `at most ${MAX_LOAD_PRIORITIES} loads carry a priority`);
  const out: LoadPriorities = {};
  for (const [participantId, priority] of entries.sort(([a], [b]) => compareIds(a, b))) {
    if (!ID_PATTERN.test(participantId)) throw invalid('loadPriorities', `${participantId} is not a participant id`);
    if (!(LOAD_PRIORITIES as readonly unknown[]).includes(priority))
      throw invalid(`loadPriorities.${participantId}`, `priority must be one of ${LOAD_PRIORITIES.join(', ')}`);
    out[participantId] = priority as LoadPriority;
  }
  return out;
}

/**
 * The curtailment of an islanded interval from its book: each buyer is a load with its buy orders'
 * energy as demand and its priority (`standard` unless named); what the sell orders offer serves
 * the demand, the rest (max(0, demand − supply)) is curtailed with `curtail`, lowest class first.
 * Local-only: the utility supplies nothing, whatever the prices.
 */
export function islandClearing(
  orders: readonly Pick<Order, 'participantId' | 'side' | 'energyWh'>[],
  state: Pick<IslandState, 'since' | 'cause'> & { loadPriorities: LoadPriorities },
): IslandClearing {
  const demand = new Map<string, number>();
  let supplyWh = 0;
  for (const o of orders) {
    if (o.side === 'sell') supplyWh += o.energyWh;
    else demand.set(o.participantId, (demand.get(o.participantId) ?? 0) + o.energyWh);
  }
  const demandWh = [...demand.values()].reduce((s, wh) => s + wh, 0);
  const curtailedWh = Math.max(0, demandWh - supplyWh);
  const loads = [...demand].map(([loadId, demandWh]) => ({
    loadId,
    priority: state.loadPriorities[loadId] ?? DEFAULT_LOAD_PRIORITY,
    demandWh,
  }));
  return {
    mode: 'islanded',
    since: state.since,
    cause: state.cause,
    demandWh,
    supplyWh,
    curtailedWh,
    curtailments: curtail(loads, curtailedWh),
  };
}

/** The island price: the interval's clearing price; with nothing traded, the midpoint of feed-in and retail (rounded down). */
export function islandPriceOf(
  clearing: { priceMicrosPerKwh: number | null },
  params: Pick<SettlementParams, 'feedInMicrosPerKwh' | 'retailMicrosPerKwh'>,
): number {
  return clearing.priceMicrosPerKwh ?? Math.floor((params.feedInMicrosPerKwh + params.retailMicrosPerKwh) / 2);
}

/**
 * Settles an islanded interval: the trades (and their grid fees) as in a connected one, and the
 * deviations among the participants with settleIslandDeviations at the island price instead of
 * with the utility at retail and feed-in. Postings `island:<payer>:<payee>` (reason
 * `island-imbalance`, zero amounts left out) replace every `deviation:` posting; the participants'
 * balance changes are summed again, so every posting still balances to the micro-unit.
 */
export function settleIslandedInterval(
  clearing: Parameters<typeof settleInterval>[0],
  params: SettlementParams,
  metered: readonly MeteredPosition[],
): SettlementResult {
  const connected = settleInterval(clearing, params, metered);
  const { postings, netMicrosOf } = shareInIsland(connected.postings, connected.participants, islandPriceOf(clearing, params), 'island');
  const participants = connected.participants.map((p) => ({ ...p, netMicros: netMicrosOf(p.participantId) }));
  return { postings, participants, tokenTransfers: connected.tokenTransfers };
}

/**
 * The postings of a settlement with the utility's deviation postings replaced by
 * `<prefix>:<payer>:<payee>` postings (reason `island-imbalance`, zero amounts left out) from
 * settleIslandDeviations at `priceMicrosPerKwh`, checked to balance, and each participant's
 * balance change over them.
 */
export function shareInIsland(
  settled: readonly Posting[],
  deviations: readonly IslandDeviation[],
  priceMicrosPerKwh: number,
  prefix: string,
): { postings: Posting[]; netMicrosOf: (participantId: string) => number } {
  const island: Posting[] = settleIslandDeviations(deviations, priceMicrosPerKwh)
    .filter((p) => p.amountMicros > 0)
    .map((p) => ({
      postingId: `${prefix}:${p.from}:${p.to}`,
      from: p.from,
      to: p.to,
      amountMicros: p.amountMicros,
      energyWh: p.energyWh,
      reason: 'island-imbalance',
      orderIds: [],
    }));
  const postings = [...settled.filter((p) => p.reason !== 'deviation-supplied' && p.reason !== 'deviation-taken'), ...island];
  checkPostingTotals(postings);
  const balance = netBalances(postings);
  return { postings, netMicrosOf: (id) => safeMicros(balance.get(id) ?? 0n, `the balance change of ${id}`) };
}

/** The longest reason a change of mode may give. */
export const MAX_ISLAND_REASON = 200;

/** A change of island mode as the utility asks for it (POST /communities/{c}/island-changes). */
export interface IslandChangeRequest {
  mode: IslandState['mode'];
  /** Epoch seconds of the first interval in the new mode. */
  since: number;
  reason: string;
  /** The CONNECTION_OPEN alert the utility confirms: the change's cause is then `telemetry`. */
  alertId?: string;
  loadPriorities?: LoadPriorities;
}

const CHANGE_FIELDS = ['mode', 'since', 'reason', 'alertId', 'loadPriorities'];

/**
 * A change request of the documented shape, or ISLAND_INPUT_INVALID naming the field: a mode, an
 * instant on the market's interval grid, a reason of 1 to 200 visible characters, optionally the
 * alert it confirms (an islanding only) and the loads' priorities.
 */
export function validateIslandChange(input: Record<string, unknown>, intervalSeconds: number): IslandChangeRequest {
  const extra = Object.keys(input).find((k) => !CHANGE_FIELDS.includes(k));
  if (extra !== undefined) throw invalid(extra, `${extra} is not a field of a change of island mode`);
  const mode = input.mode;
  if (mode !== 'islanded' && mode !== 'connected') throw invalid('mode', 'mode must be islanded or connected');
  const since = typeof input.since === 'string' ? parseInstant(input.since) : undefined;
  if (since === undefined || since % intervalSeconds !== 0)
    throw invalid('since', `since must be a UTC instant on the market's ${intervalSeconds} s interval grid`);
  const reason = input.reason;
  // eslint-disable-next-line no-control-regex
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_ISLAND_REASON || /[\u0000-\u001f\u007f]/.test(reason))
    throw invalid('reason', `reason must be 1 to ${MAX_ISLAND_REASON} characters without control characters`);
  const out: IslandChangeRequest = { mode, since, reason };
  if (input.alertId !== undefined) {
    if (typeof input.alertId !== 'string' || !ID_PATTERN.test(input.alertId)) throw invalid('alertId', 'alertId must be an alert id');
    if (mode !== 'islanded') throw invalid('alertId', 'an alert confirms an opening only');
    out.alertId = input.alertId;
  }
  if (input.loadPriorities !== undefined) out.loadPriorities = validateLoadPriorities(input.loadPriorities);
  return out;
}
