/**
 * A community's island mode on the ledger (docs/islanding.md): the utility records that the
 * connection opened (islanded from an interval) or closed again (connected from one), each change
 * kept with its author, time, reason and cause (the utility's own word, or telemetry's alert it
 * confirms). Chained like the grid model (island~community~since with the since of the record
 * before, islandLatest~community, islandChange~community~number): changes are rare and only the
 * utility's write these keys, so none is hot. The market reads the record in force at an interval
 * when it clears it (market/clearing.ts).
 */
import { Context } from 'fabric-contract-api';
import {
  changeIsland,
  ErrorCodes,
  formatInstant,
  GridAlert,
  GridLedgerError,
  IslandState,
  LoadPriorities,
  parseInstant,
  validateIslandChange,
} from '@gridledger/core';
import { actorOf, requireRole, requireUtility } from '../access';
import { checkId, instantOf, parseObjectArgument } from '../args';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { paramsFor } from '../market/params';

/** One change of a community's mode: in force from `since` until the next record's. */
export interface IslandRecord extends IslandState {
  communityId: string;
  cause: 'utility' | 'telemetry';
  reason: string;
  /** The CONNECTION_OPEN alert the utility confirmed (cause telemetry), else null. */
  alertId: string | null;
  /** The loads that are not `standard` while islanded (kept from the record before when a change names none). */
  loadPriorities: LoadPriorities;
  /** The record before (null for the community's first). */
  previousSince: string | null;
  number: number;
  changedBy: string;
  mspId: string;
  changedAt: string;
  txId: string;
}

/** A community that never had a change is connected. */
const INITIAL: IslandState = { mode: 'connected', since: '1970-01-01T00:00:00Z', cause: 'initial' };

const latestKey = (ctx: Context, communityId: string) => key(ctx, KeyTypes.islandLatest, communityId);
const recordKey = (ctx: Context, communityId: string, since: string) => key(ctx, KeyTypes.island, communityId, since);

/** The record in force for the interval starting at `seconds` (undefined: connected, never changed); one point read per newer record. */
export async function islandAt(ctx: Context, communityId: string, seconds: number): Promise<IslandRecord | undefined> {
  let record = await getRecord<IslandRecord>(ctx, latestKey(ctx, communityId));
  while (record !== undefined && parseInstant(record.since)! > seconds) {
    record =
      record.previousSince === null ? undefined : await getRecord<IslandRecord>(ctx, recordKey(ctx, communityId, record.previousSince));
  }
  return record;
}

/**
 * `{ mode, since, reason, alertId?, loadPriorities? }` by the utility of UtilityMSP: the community
 * is islanded from the interval at `since`, at the earliest the one in delivery (the connection
 * opened while it was delivered or its book was closed), or connected again from an interval
 * whose gate has not closed (ISLAND_CHANGE_NOT_FUTURE otherwise): a settled interval never changes.
 * Only a change of mode (ISLAND_MODE_UNCHANGED); a change from the same interval as the latest
 * replaces it in force (both stay in the history). With `alertId` the utility confirms telemetry's
 * CONNECTION_OPEN alert of the community: the cause is `telemetry`.
 */
export async function changeIslandMode(ctx: Context, communityId: string, request: string): Promise<IslandRecord> {
  const caller = requireUtility(ctx, 'changing the island mode');
  checkId(communityId, 'communityId');
  const input = parseObjectArgument(request, 'the change of island mode');
  const named = typeof input.since === 'string' ? parseInstant(input.since) : undefined;
  const now = txSeconds(ctx);
  const params = await paramsFor(ctx, communityId, named ?? now);
  const change = validateIslandChange(input, params.intervalSeconds);
  const since = formatInstant(change.since);
  const latest = await getRecord<IslandRecord>(ctx, latestKey(ctx, communityId));
  const replaces = latest !== undefined && latest.since === since;
  const current = replaces ? ((await islandAt(ctx, communityId, change.since - 1)) ?? INITIAL) : (latest ?? INITIAL);
  if (change.alertId !== undefined) {
    const alert = await getRecord<GridAlert>(ctx, key(ctx, KeyTypes.gridAlert, communityId, change.alertId));
    if (alert === undefined || (alert.kind as string) !== 'CONNECTION_OPEN')
      throw new GridLedgerError(ErrorCodes.ISLAND_INPUT_INVALID, `${change.alertId} is no CONNECTION_OPEN alert of ${communityId}`, {
        field: 'alertId',
      });
  }
  const cause = change.alertId !== undefined ? 'telemetry' : 'utility';
  // An opening reaches back to the interval in delivery (its delivery has not ended): the intervals from it whose book
  // cleared already keep their clearing but settle islanded (settlesIslanded). A reconnection needs the interval's gate
  // open, so an islanded clearing's curtailment always stands: the pure rule's "not started", moved by either lead.
  const fromEpoch = change.mode === 'islanded' ? change.since + params.intervalSeconds : change.since - params.gateClosureSeconds;
  const next = changeIsland(current, change.mode, { intervalStart: since, fromEpoch, nowEpoch: now }, cause);
  if (latest !== undefined && parseInstant(latest.since)! > change.since)
    throw new GridLedgerError(
      ErrorCodes.ISLAND_INPUT_INVALID,
      `a change from ${latest.since} is recorded: a change takes effect after it`,
      {
        field: 'since',
      },
    );
  const record: IslandRecord = {
    ...next,
    cause,
    communityId,
    reason: change.reason,
    alertId: change.alertId ?? null,
    loadPriorities: change.loadPriorities ?? latest?.loadPriorities ?? {},
    previousSince: latest === undefined ? null : replaces ? latest.previousSince : latest.since,
    number: (latest?.number ?? 0) + 1,
    changedBy: actorOf(ctx, caller),
    mspId: caller.mspId,
    changedAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, recordKey(ctx, communityId, since), record);
  await putRecord(ctx, latestKey(ctx, communityId), record);
  await putRecord(ctx, key(ctx, KeyTypes.islandChange, communityId, seqKeyPart(record.number)), record);
  setEvent(ctx, 'IslandModeChanged', record);
  return record;
}

/** The mode in force at `at` ('' for now) with its record (null: never changed), and every change, oldest first. */
export async function getIsland(ctx: Context, communityId: string, at: string): Promise<unknown> {
  requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading the island mode');
  checkId(communityId, 'communityId');
  const seconds = at ? instantOf(at, 'at') : txSeconds(ctx);
  const record = await islandAt(ctx, communityId, seconds);
  const { mode, since, cause } = record ?? INITIAL;
  return {
    communityId,
    at: formatInstant(seconds),
    mode,
    since: record === undefined ? null : since,
    cause,
    record: record ?? null,
    changes: await listRecords<IslandRecord>(ctx, KeyTypes.islandChange, [communityId]),
  };
}

/** The island record in force at the interval when it is islanded, else undefined (connected). */
export async function islandedAt(ctx: Context, communityId: string, seconds: number): Promise<IslandRecord | undefined> {
  const record = await islandAt(ctx, communityId, seconds);
  return record?.mode === 'islanded' ? record : undefined;
}

/**
 * Whether an interval settles islanded: it cleared islanded, or an opening recorded after its
 * clearing reaches it (the connection opened while its book was closed or being delivered: it
 * keeps its connected clearing but the utility can neither buy nor sell in it). Settlement comes
 * after delivery, when no change can reach the interval any more, so every page answers the same.
 */
export async function settlesIslanded(
  ctx: Context,
  communityId: string,
  clearing: { island?: unknown } | undefined,
  startSeconds: number,
): Promise<boolean> {
  return clearing?.island !== undefined || (await islandedAt(ctx, communityId, startSeconds)) !== undefined;
}
