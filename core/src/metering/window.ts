/**
 * Window close: what the operator's (or scheduler's) transaction decides for one interval, purely.
 * The late window of an interval ends by this state change, not by a clock: after it, missing
 * readings are estimated, gaps that lie wholly before the closed interval are retired, and every
 * participant's position is fixed, classified and, where it is verified, tokenised.
 */
import { compareIds } from '../core/identity';
import { DAY_SECONDS, formatInstant, parseInstant } from '../core/units';
import { attributeSurplus, classifyPosition, IntervalBalance, MeteredAsset, netPosition, TokenShare } from './position';
import { SeqGap } from './validation';

/**
 * How a missing reading is estimated: the import of the same interval one day earlier when that
 * day has a verified reading, else zero; export is always estimated as zero, so an estimate
 * never claims production (it settles money only and backs no tokens or certificates).
 */
export type EstimateRule = 'previous-day-import' | 'zero';

export interface Estimate {
  meterId: string;
  intervalStart: string;
  importWh: number;
  exportWh: 0;
  rule: EstimateRule;
  /** The interval whose verified reading the estimate copies, or null. */
  basedOn: string | null;
}

export function previousDayOf(intervalStart: string): string {
  return formatInstant(parseInstant(intervalStart)! - DAY_SECONDS);
}

export function estimateReading(meterId: string, intervalStart: string, previousDay: { importWh: number } | undefined): Estimate {
  return previousDay === undefined
    ? { meterId, intervalStart, importWh: 0, exportWh: 0, rule: 'zero', basedOn: null }
    : {
        meterId,
        intervalStart,
        importWh: previousDay.importWh,
        exportWh: 0,
        rule: 'previous-day-import',
        basedOn: previousDayOf(intervalStart),
      };
}

/** One meter's values in a participant's position; `estimated` when no verified reading stands. */
export interface MeterContribution {
  meterId: string;
  importWh: number;
  exportWh: number;
  estimated: boolean;
}

export interface Position {
  participantId: string;
  intervalStart: string;
  productionWh: number;
  consumptionWh: number;
  netWh: number;
  balance: IntervalBalance;
  /** True while any meter's value is an estimate: such a position backs no tokens. */
  estimated: boolean;
  meters: MeterContribution[];
  /** Energy tokens this position backs: its verified surplus, by asset. */
  tokens: TokenShare[];
}

/**
 * What the chaincode announces of a position (window close, correction, resolved dispute) and the
 * bridge relays to MQTT: no consumption or net position, which are private to the
 * household-consumption collection.
 */
export interface PositionAnnouncement {
  /** The participant's community: a bridge relays only its own community's announcements. */
  communityId: string;
  participantId: string;
  intervalStart: string;
  balance: IntervalBalance;
  productionWh: number;
  estimated: boolean;
  tokensWh: number;
}

/**
 * A participant's position for an interval over all its meters, classified by the market's
 * threshold. Tokens: every Wh of positive net of a fully verified position, attributed to the
 * assets behind the exporting meters (position.ts: attributeSurplus); a meter that exports
 * without a registered asset stands for itself (assetId = meterId, source `unspecified`), so no
 * verified Wh goes untokenised.
 */
export function positionOf(
  participantId: string,
  intervalStart: string,
  meters: readonly MeterContribution[],
  assets: readonly MeteredAsset[],
  thresholdWh: number,
): Position {
  const sorted = [...meters].sort((a, b) => compareIds(a.meterId, b.meterId));
  const { productionWh, consumptionWh, netWh } = netPosition(sorted);
  const estimated = sorted.some((m) => m.estimated);
  let tokens: TokenShare[] = [];
  if (!estimated && netWh > 0) {
    const covered = new Set(assets.map((a) => a.meterId));
    const standIns: MeteredAsset[] = sorted
      .filter((m) => m.exportWh > 0 && !covered.has(m.meterId))
      .map((m) => ({ assetId: m.meterId, meterId: m.meterId, source: 'unspecified', capacityW: 1 }));
    tokens = attributeSurplus(netWh, sorted, [...assets, ...standIns]);
  }
  return {
    participantId,
    intervalStart,
    productionWh,
    consumptionWh,
    netWh,
    balance: classifyPosition(netWh, thresholdWh),
    estimated,
    meters: sorted.map(({ meterId, importWh, exportWh, estimated: e }) => ({ meterId, importWh, exportWh, estimated: e })),
    tokens,
  };
}

/** Tokens to mint (> 0) or burn (< 0) per asset when a position's tokens change from `before` to `after`. */
export function tokenDelta(before: readonly TokenShare[], after: readonly TokenShare[]): TokenShare[] {
  const byAsset = new Map<string, TokenShare>();
  for (const t of before) byAsset.set(t.assetId, { ...t, energyWh: -t.energyWh });
  for (const t of after) {
    const d = byAsset.get(t.assetId);
    byAsset.set(t.assetId, { ...t, energyWh: t.energyWh + (d?.energyWh ?? 0) });
  }
  return [...byAsset.values()].filter((t) => t.energyWh !== 0).sort((a, b) => compareIds(a.assetId, b.assetId));
}

/** A zone's totals for an interval: what the regulator and the community view see. Zones are a community's own. */
export interface ZoneTotals {
  intervalStart: string;
  communityId: string;
  zone: string;
  productionWh: number;
  consumptionWh: number;
  /** productionWh − consumptionWh: > 0 the zone fed the utility's grid, < 0 it drew from it. */
  netWh: number;
  meters: number;
  estimatedMeters: number;
}

/** Meters without a site count in zone `unassigned`. */
export const UNASSIGNED_ZONE = 'unassigned';

/** The totals per community and zone of the meters' contributions, ordered by community, then zone. */
export function zoneTotals(
  intervalStart: string,
  meters: readonly (MeterContribution & { communityId: string; zone?: string })[],
): ZoneTotals[] {
  const zones = new Map<string, ZoneTotals>();
  for (const m of meters) {
    const zone = m.zone ?? UNASSIGNED_ZONE;
    const k = `${m.communityId}\u0000${zone}`;
    const z = zones.get(k) ?? {
      intervalStart,
      communityId: m.communityId,
      zone,
      productionWh: 0,
      consumptionWh: 0,
      netWh: 0,
      meters: 0,
      estimatedMeters: 0,
    };
    z.productionWh += m.exportWh;
    z.consumptionWh += m.importWh;
    z.netWh = z.productionWh - z.consumptionWh;
    z.meters += 1;
    if (m.estimated) z.estimatedMeters += 1;
    zones.set(k, z);
  }
  return [...zones.values()].sort((a, b) => compareIds(a.communityId, b.communityId) || compareIds(a.zone, b.zone));
}

/**
 * Whether a meter counts for an interval at its window close (gets a value in its participant's
 * position: its reading, else an estimate). It counts when it has a reading for the interval; else
 * when it was in service at the interval's end (not retired before it) and either was registered
 * before that end or had already reported (an accepted reading of an earlier interval, of any
 * epoch). The third answer leaves that last question to the caller, which reads the ledger for it.
 */
export type MeterCounting = 'counts' | 'not' | 'if-reported-before';

export function meterCounting(
  meter: { active: boolean; registeredAt: string; retiredAt?: string },
  intervalStart: string,
  intervalSeconds: number,
  hasReading: boolean,
): MeterCounting {
  if (hasReading) return 'counts';
  const end = parseInstant(intervalStart)! + intervalSeconds;
  // A meter retired without a recorded time (none is) is taken as retired before every interval.
  if (!meter.active && (meter.retiredAt === undefined || parseInstant(meter.retiredAt)! < end)) return 'not';
  return parseInstant(meter.registeredAt)! < end ? 'counts' : 'if-reported-before';
}

/**
 * The intervals a seq gap misses: those strictly between its two readings. A gap stays open while
 * the window of any of them is open, and no longer: it is retired by the first transaction that
 * finds all of them closed or closing, either the window close (page) that handles its meter,
 * the window being closed counting as closed, or, when every interval it misses is closed already
 * (a correction landing in a retired gap leaves such pieces, and a gap between adjacent intervals
 * misses none), the reading transaction that opens it. Windows may close in any order.
 */
export function gapSpan(gap: SeqGap, intervalSeconds: number): string[] {
  const out: string[] = [];
  for (let t = parseInstant(gap.afterIntervalStart)! + intervalSeconds; t < parseInstant(gap.beforeIntervalStart)!; t += intervalSeconds)
    out.push(formatInstant(t));
  return out;
}
