/**
 * A household's metered detail: positions, energy tokens, estimates and consumption. Positions,
 * tokens and consumption are for the participant itself, the operator and the utility; the
 * regulator sees zone totals and verifies disclosed values instead.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, isGreenAsset } from '@gridledger/core';
import { meterOwner, requireOwnRecords, requireRole, requireSelfOrRoles } from '../access';
import { checkId, checkIntervalStart, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { ENERGY_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { loadMeteringParams } from './grid';
import { PositionRecord, positionView, readConsumption, verifyDisclosed } from './positions';
import { EstimateRecord, estimateView } from './privacy';
import { tokenBalance, TokenMove } from './tokens';
import { AssetRecord } from './assets';

/** Who sees a household's detail: the participant itself, the operator and the utility. */
const DETAIL_ROLES = ['operator', 'utility'] as const;

export function requireDetailAccess(ctx: Context, participantId: string, what: string): void {
  requireSelfOrRoles(ctx, participantId, DETAIL_ROLES, `reading ${what}`);
}

/**
 * Whether tokens of an asset carry a green attribute (isGreenAsset): the regulator verified the
 * asset and its source is renewable. Tokens of any other asset are energy only: every token read
 * says which (`green`), and no matching or certificate account counts them.
 */
export async function isGreenToken(ctx: Context, assetId: string): Promise<boolean> {
  // A meter without registered assets mints tokens under its own id: no asset, no green attribute.
  const asset = await getRecord<AssetRecord>(ctx, key(ctx, KeyTypes.asset, assetId));
  return asset !== undefined && isGreenAsset({ verified: asset.verification !== null, source: asset.source });
}

/** Token shares (lots, moves, a position's tokens) with `green`, each asset looked up once. */
export async function withGreen<T extends { assetId: string }>(ctx: Context, shares: readonly T[]): Promise<(T & { green: boolean })[]> {
  const green = new Map<string, boolean>();
  const out: (T & { green: boolean })[] = [];
  for (const s of shares) {
    if (!green.has(s.assetId)) green.set(s.assetId, await isGreenToken(ctx, s.assetId));
    out.push({ ...s, green: green.get(s.assetId)! });
  }
  return out;
}

/** A position as a query shows it, its tokens with `green`. */
async function positionWithGreen(ctx: Context, p: PositionRecord): Promise<unknown> {
  const view = await positionView(ctx, p);
  return { ...view, tokens: await withGreen(ctx, view.tokens) };
}

const intervalSecondsOf = async (ctx: Context): Promise<number> => (await loadMeteringParams(ctx)).intervalSeconds;

export async function getPosition(ctx: Context, participantId: string, intervalStart: string): Promise<unknown> {
  requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'positions');
  checkIntervalStart(intervalStart, await intervalSecondsOf(ctx));
  const position = await getRecord<PositionRecord>(ctx, key(ctx, KeyTypes.position, participantId, intervalStart));
  if (position === undefined) {
    throw new GridLedgerError(
      ErrorCodes.POSITION_NOT_FOUND,
      `no position of ${participantId} for ${intervalStart} (is its window closed?)`,
      { participantId, intervalStart },
    );
  }
  return positionWithGreen(ctx, position);
}

/** `{ participantId, from, to, pageSize?, bookmark? }`: positions by interval, one page. */
export async function listPositions(ctx: Context, query: string): Promise<unknown> {
  const q = parseObjectArgument(query, 'the query');
  const participantId = checkId(q.participantId, 'participantId');
  requireDetailAccess(ctx, participantId, 'positions');
  const intervalSeconds = await intervalSecondsOf(ctx);
  checkIntervalStart(q.from, intervalSeconds, 'from');
  checkIntervalStart(q.to, intervalSeconds, 'to');
  const to = q.to as string;
  const found = await readPage<PositionRecord>(ctx, KeyTypes.position, [participantId], {
    size: pageSizeOf(q.pageSize, ENERGY_MAX_PAGE),
    bookmark: q.bookmark,
    startKey: key(ctx, KeyTypes.position, participantId, q.from as string),
    stop: (p) => p.intervalStart > to,
  });
  const items = [];
  for (const p of found.items) items.push(await positionWithGreen(ctx, p));
  return { ...found, items };
}

export async function getTokenBalance(ctx: Context, participantId: string): Promise<unknown> {
  requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'tokens');
  const balance = await tokenBalance(ctx, participantId);
  return { ...balance, lots: await withGreen(ctx, balance.lots) };
}

/** `{ participantId, pageSize?, bookmark? }`: every mint, burn and transfer of the participant's tokens, by interval. */
export async function listTokenMoves(ctx: Context, query: string): Promise<unknown> {
  const q = parseObjectArgument(query, 'the query');
  const participantId = checkId(q.participantId, 'participantId');
  requireDetailAccess(ctx, participantId, 'tokens');
  const page = await readPage<TokenMove>(ctx, KeyTypes.tokenMove, [participantId], {
    size: pageSizeOf(q.pageSize, ENERGY_MAX_PAGE),
    bookmark: q.bookmark,
  });
  return { ...page, items: await withGreen(ctx, page.items) };
}

/** A meter's estimate of an interval: for the meter's participant and the roles that read every meter. */
export async function getEstimate(ctx: Context, meterId: string, intervalStart: string): Promise<unknown> {
  const caller = requireRole(ctx, 'any', 'reading an estimate');
  const owner = await meterOwner(ctx, checkId(meterId, 'meterId'));
  requireOwnRecords(caller, owner, 'read the estimates of meters');
  checkIntervalStart(intervalStart, await intervalSecondsOf(ctx));
  const estimate = await getRecord<EstimateRecord>(ctx, key(ctx, KeyTypes.estimate, meterId, intervalStart));
  if (estimate === undefined)
    throw new GridLedgerError(ErrorCodes.READING_NOT_FOUND, `no estimate of ${meterId} for ${intervalStart}`, { meterId, intervalStart });
  return estimateView(ctx, estimate, owner ?? '');
}

/** A household's consumption with its salt (what it may disclose) and the hash on the channel: for the household, the operator and the
 * utility (their peers hold it). */
export async function getConsumption(ctx: Context, participantId: string, intervalStart: string): Promise<unknown> {
  requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'consumption');
  checkIntervalStart(intervalStart, await intervalSecondsOf(ctx));
  return readConsumption(ctx, participantId, intervalStart);
}

/** Anyone (the regulator included) checks a disclosed value against the hash on the channel. */
export async function verifyConsumption(ctx: Context, participantId: string, intervalStart: string, disclosed: string): Promise<unknown> {
  requireRole(ctx, 'any', 'verifying a disclosed consumption');
  checkIntervalStart(intervalStart, await intervalSecondsOf(ctx));
  return verifyDisclosed(
    ctx,
    checkId(participantId, 'participantId'),
    intervalStart,
    parseObjectArgument(disclosed, 'the disclosed value'),
  );
}
