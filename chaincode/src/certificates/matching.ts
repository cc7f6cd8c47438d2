/**
 * Hourly matching on the ledger (docs/certificates.md, "Hourly matching"): core's hourlyMatching
 * over what the ledger holds of one participant and a period of whole hours.
 *
 * - consumption: the participant's private positions (the consumption collection), one key per
 *   metering interval of the period, read in batches: members' peers and identities only;
 * - claims: the participant's bundles cancelled for a claim whose production hour is in the period
 *   (its holding index, then each such bundle);
 * - bundled: energy tokens settlement moved to the participant in the period (per interval and
 *   asset, transfers in less transfers out less the cuts of its claims, never below zero), green only for assets the regulator
 *   verified with a renewable source (isGreenAsset): other tokens never match.
 *
 * Cost of one participant's period: hours × intervals per hour private reads, plus its token moves
 * of the period, its holding index and its bundles of the period; a leap year of 15-minute
 * intervals is 35,136 private reads. A community's aggregate reads that for each participant and
 * is refused beyond MAX_COMMUNITY_PARTICIPANT_HOURS.
 *
 * The regulator's identity cannot read the collection (memberOnlyRead): the operator or the utility
 * records a community's totals of a day on the channel (`matchingDay~community~dayStart`, written
 * again when later claims change them), and the regulator sums the recorded days of a period.
 */
import { Context } from 'fabric-contract-api';
import {
  aggregateMatching,
  bundleWh,
  compareIds,
  CONSUMPTION_COLLECTION,
  DAY_SECONDS,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  HOUR_SECONDS,
  hourlyMatching,
  MatchingInput,
  MatchingResult,
  MAX_MATCHING_HOURS,
  parseCertificateId,
  parseHourStart,
  PrivatePosition,
} from '@gridledger/core';
import { key, KeyTypes, PrivateKeyTypes } from '../keys';
import { putRecord, txInstant } from '../ledger';
import { listRecords, readPage } from '../paging';
import { getStates } from '../state-batch';
import { isGreenToken } from '../energy/household';
import { loadMeteringParams } from '../energy/grid';
import { unavailable } from '../energy/privacy';
import { TokenMove } from '../energy/tokens';
import { BundledCutRecord } from './bundled-cuts';
import { loadBundle } from './store';

/** A community's aggregate reads at most this many participant-hours (four participants' leap years). */
export const MAX_COMMUNITY_PARTICIPANT_HOURS = 4 * MAX_MATCHING_HOURS;

interface Period {
  from: number;
  to: number;
  periodStart: string;
  periodEnd: string;
}

/** Whole hours, 1 to MAX_MATCHING_HOURS of them (core checks again), or CERTIFICATE_INPUT_INVALID. */
export function periodOf(periodStart: unknown, periodEnd: unknown): Period {
  const from = parseHourStart(String(periodStart), 'from');
  const to = parseHourStart(String(periodEnd), 'to');
  const hours = (to - from) / HOUR_SECONDS;
  if (hours < 1 || hours > MAX_MATCHING_HOURS) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, `a period is 1 to ${MAX_MATCHING_HOURS} whole hours`, {
      field: 'to',
    });
  }
  return { from, to, periodStart: formatInstant(from), periodEnd: formatInstant(to) };
}

async function consumptionOf(ctx: Context, participantId: string, p: Period): Promise<MatchingInput['consumption']> {
  const { intervalSeconds } = await loadMeteringParams(ctx);
  const keys: string[] = [];
  for (let t = p.from; t < p.to; t += intervalSeconds)
    keys.push(key(ctx, PrivateKeyTypes.positionPrivate, participantId, formatInstant(t)));
  let values: (Buffer | undefined)[];
  try {
    values = await getStates(ctx, keys, CONSUMPTION_COLLECTION);
  } catch (e) {
    throw unavailable(`the consumption of ${participantId}`, e instanceof Error ? e.message : String(e));
  }
  return values
    .filter((v): v is Buffer => v !== undefined)
    .map((v) => JSON.parse(v.toString('utf8')) as PrivatePosition)
    .map((x) => ({ intervalStart: x.intervalStart, consumptionWh: x.consumptionWh }));
}

async function claimsOf(ctx: Context, participantId: string, p: Period): Promise<MatchingInput['claims']> {
  const claims: { productionStart: string; energyWh: number }[] = [];
  const iterator = await ctx.stub.getStateByPartialCompositeKey(KeyTypes.certHolding, [participantId]);
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const entry = JSON.parse(Buffer.from(next.value.value).toString('utf8')) as { issuanceId: string; rangeStart: number };
      const hour = parseCertificateId(entry.issuanceId)?.hourStart;
      if (hour === undefined || hour < p.periodStart || hour >= p.periodEnd) continue;
      const bundle = await loadBundle(ctx, `${entry.issuanceId}-${entry.rangeStart}`);
      if (bundle.status === 'cancelled' && bundle.cancellation?.kind === 'claim')
        claims.push({ productionStart: bundle.productionStart, energyWh: bundleWh(bundle) });
    }
  } finally {
    await iterator.close();
  }
  return claims;
}

const PAGE = 1000;

/**
 * The participant's records of a type keyed `type~participant~intervalStart~...` in the period (its
 * token moves, the cuts of its bundled claims): in pages from the period's first key for a query
 * (one range however long the period); one range per interval in a transaction, where Fabric
 * allows no paginated query and a range without pages would start at the participant's first record.
 */
async function periodRecords<T extends { intervalStart: string }>(
  ctx: Context,
  type: typeof KeyTypes.tokenMove | typeof KeyTypes.bundledCutIn,
  participantId: string,
  p: Period,
  paged: boolean,
): Promise<T[]> {
  const records: T[] = [];
  if (!paged) {
    const { intervalSeconds } = await loadMeteringParams(ctx);
    for (let t = p.from; t < p.to; t += intervalSeconds)
      records.push(...(await listRecords<T>(ctx, type, [participantId, formatInstant(t)])));
    return records;
  }
  let bookmark = '';
  do {
    const page = await readPage<T>(ctx, type, [participantId], {
      size: PAGE,
      bookmark,
      startKey: key(ctx, type, participantId, p.periodStart),
      stop: (r) => r.intervalStart >= p.periodEnd,
    });
    records.push(...page.items);
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return records;
}

async function bundledOf(ctx: Context, participantId: string, p: Period, paged: boolean): Promise<MatchingInput['bundled']> {
  const net = new Map<string, { intervalStart: string; assetId: string; energyWh: number }>();
  const add = (intervalStart: string, assetId: string, wh: number) => {
    const k = `${intervalStart} ${assetId}`;
    const entry = net.get(k) ?? { intervalStart, assetId, energyWh: 0 };
    entry.energyWh += wh;
    net.set(k, entry);
  };
  for (const m of await periodRecords<TokenMove>(ctx, KeyTypes.tokenMove, participantId, p, paged)) {
    if (m.kind === 'transfer-in' || m.kind === 'transfer-out')
      add(m.intervalStart, m.assetId, m.kind === 'transfer-in' ? m.amountWh : -m.amountWh);
  }
  // Claims cut back because their hour's verified export was lowered (bundled-cuts.ts) are no longer green energy of the buyer.
  for (const c of await periodRecords<BundledCutRecord>(ctx, KeyTypes.bundledCutIn, participantId, p, paged))
    add(c.intervalStart, c.assetId, -c.energyWh);
  const green = new Map<string, boolean>();
  const out: { intervalStart: string; energyWh: number; green: boolean }[] = [];
  for (const e of [...net.values()].sort((a, b) => compareIds(a.intervalStart, b.intervalStart) || compareIds(a.assetId, b.assetId))) {
    if (e.energyWh <= 0) continue;
    if (!green.has(e.assetId)) green.set(e.assetId, await isGreenToken(ctx, e.assetId));
    out.push({ intervalStart: e.intervalStart, energyWh: e.energyWh, green: green.get(e.assetId)! });
  }
  return out;
}

/** One participant's hours of the period (the caller checks who may see them); `paged` false inside a transaction that writes. */
export async function participantMatching(ctx: Context, participantId: string, p: Period, paged = true): Promise<MatchingResult> {
  return hourlyMatching({
    periodStart: p.periodStart,
    periodEnd: p.periodEnd,
    consumption: await consumptionOf(ctx, participantId, p),
    claims: await claimsOf(ctx, participantId, p),
    bundled: await bundledOf(ctx, participantId, p, paged),
  });
}

/** The community's participants with a meter in it, by id. */
async function communityParticipants(ctx: Context, communityId: string): Promise<string[]> {
  const ids = new Set<string>();
  const iterator = await ctx.stub.getStateByPartialCompositeKey(KeyTypes.meterByCommunity, [communityId]);
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      ids.add(ctx.stub.splitCompositeKey(next.value.key).attributes[1]);
  } finally {
    await iterator.close();
  }
  return [...ids].sort();
}

/** The totals over the community's participants, no participant's hours (aggregateMatching). */
export async function communityMatching(ctx: Context, communityId: string, p: Period, paged = true) {
  const participants = await communityParticipants(ctx, communityId);
  const hours = (p.to - p.from) / HOUR_SECONDS;
  if (participants.length * hours > MAX_COMMUNITY_PARTICIPANT_HOURS) {
    throw new GridLedgerError(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
      `${participants.length} participants × ${hours} hours exceed ${MAX_COMMUNITY_PARTICIPANT_HOURS} participant-hours`,
      { field: 'to' },
    );
  }
  const results: MatchingResult[] = [];
  for (const participantId of participants) results.push(await participantMatching(ctx, participantId, p, paged));
  return { communityId, periodStart: p.periodStart, periodEnd: p.periodEnd, ...aggregateMatching(results) };
}

/** A community's totals of one day as recorded on the channel. */
export interface MatchingDay {
  communityId: string;
  dayStart: string;
  participants: number;
  consumptionWh: number;
  matchedWh: number;
  scorePpm: number | null;
  recordedAt: string;
  txId: string;
}

function dayOf(value: unknown, field: string): number {
  const t = parseHourStart(String(value), field);
  if (t % DAY_SECONDS !== 0) throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, `${field} must be a UTC midnight`, { field });
  return t;
}

/** Records the community's totals of the day starting at `dayStart` (UTC midnight), replacing an earlier record of it. */
export async function recordDay(ctx: Context, communityId: string, dayStart: string): Promise<MatchingDay> {
  const from = dayOf(dayStart, 'dayStart');
  const totals = await communityMatching(ctx, communityId, periodOf(formatInstant(from), formatInstant(from + DAY_SECONDS)), false);
  const { participants, consumptionWh, matchedWh, scorePpm } = totals;
  const day: MatchingDay = {
    communityId,
    dayStart: totals.periodStart,
    participants,
    consumptionWh,
    matchedWh,
    scorePpm,
    recordedAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, key(ctx, KeyTypes.matchingDay, communityId, day.dayStart), day);
  return day;
}

/** The recorded days of [from, to) (UTC midnights, at most a leap year) and their sums: the regulator's view. */
export async function recordedMatching(ctx: Context, communityId: string, periodStart: unknown, periodEnd: unknown) {
  const from = dayOf(periodStart, 'from');
  const to = dayOf(periodEnd, 'to');
  const p = periodOf(formatInstant(from), formatInstant(to));
  const page = await readPage<MatchingDay>(ctx, KeyTypes.matchingDay, [communityId], {
    size: MAX_MATCHING_HOURS / 24,
    bookmark: '',
    startKey: key(ctx, KeyTypes.matchingDay, communityId, p.periodStart),
    stop: (d) => d.dayStart >= p.periodEnd,
  });
  const days = page.items.map(({ dayStart, participants, consumptionWh, matchedWh, scorePpm, recordedAt }) => ({
    dayStart,
    participants,
    consumptionWh,
    matchedWh,
    scorePpm,
    recordedAt,
  }));
  const totals = aggregateMatching(days);
  return {
    communityId,
    periodStart: p.periodStart,
    periodEnd: p.periodEnd,
    daysInPeriod: (to - from) / DAY_SECONDS,
    days,
    consumptionWh: totals.consumptionWh,
    matchedWh: totals.matchedWh,
    scorePpm: totals.scorePpm,
  };
}
