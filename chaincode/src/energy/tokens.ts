/**
 * Energy tokens: lots of Wh per owner, interval and asset (`energyToken~owner~interval~asset`),
 * so that no key is shared by owners; a balance is the sum of the owner's lots. Every change
 * leaves a move record (`tokenMove~owner~interval~number`, numbered in commit order): the token history.
 */
import { Context } from 'fabric-contract-api';
import { compareIds, ErrorCodes, GridLedgerError, TokenShare } from '@gridledger/core';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, txInstant } from '../ledger';
import { listRecords } from '../paging';

export interface TokenLot {
  owner: string;
  intervalStart: string;
  assetId: string;
  source: string;
  amountWh: number;
}

export type TokenMoveKind = 'mint' | 'burn' | 'transfer-in' | 'transfer-out';

export interface TokenMove {
  owner: string;
  intervalStart: string;
  assetId: string;
  source: string;
  kind: TokenMoveKind;
  amountWh: number;
  /** The move's number among its owner's moves of the interval, from 1, in commit order. */
  number: number;
  txId: string;
  at: string;
  /** Why: `window-close`, `correction`, `dispute`, or the market's settlement reference. */
  reason: string;
  counterparty?: string;
}

/** One value per transaction (context), made on first use. */
function perTransaction<T extends object>(make: () => T): (ctx: Context) => T {
  const values = new WeakMap<Context, T>();
  return (ctx) => {
    let v = values.get(ctx);
    if (v === undefined) {
      v = make();
      values.set(ctx, v);
    }
    return v;
  };
}
/** How many moves each owner has per interval, as this transaction sees them. */
const moveCountsOf = perTransaction(() => new Map<string, number>());

/**
 * Records a move under the next number of its owner and interval. The count is kept on the ledger
 * (`tokenMoveCount~owner~interval`), so the history is in commit order: the transaction's timestamp
 * is the submitter's, in whole seconds, and its id is random.
 */
async function recordMove(ctx: Context, move: Omit<TokenMove, 'number' | 'txId' | 'at'>): Promise<void> {
  const counts = moveCountsOf(ctx);
  const countKey = key(ctx, KeyTypes.tokenMoveCount, move.owner, move.intervalStart);
  const count = (counts.get(countKey) ?? (await getRecord<{ moves: number }>(ctx, countKey))?.moves ?? 0) + 1;
  counts.set(countKey, count);
  await putRecord(ctx, countKey, { moves: count });
  const record: TokenMove = { ...move, number: count, txId: ctx.stub.getTxID(), at: txInstant(ctx) };
  await putRecord(ctx, key(ctx, KeyTypes.tokenMove, move.owner, move.intervalStart, seqKeyPart(count)), record);
}

const lotKey = (ctx: Context, owner: string, intervalStart: string, assetId: string) =>
  key(ctx, KeyTypes.energyToken, owner, intervalStart, assetId);

/**
 * The lots as this transaction sees them, per owner and interval: those it has written (undefined:
 * deleted) and, once listed, the committed ones. A transaction cannot read its own writes, and a
 * settlement moves one seller's tokens to several buyers (and one buyer's from several sellers) in
 * one transaction: every lot read goes through this overlay, and each owner's lots of an
 * interval are range-read from the ledger at most once.
 */
const overlayOf = perTransaction(() => new Map<string, { listed: boolean; lots: Map<string, TokenLot | undefined> }>());
function groupOf(ctx: Context, owner: string, intervalStart: string) {
  const overlay = overlayOf(ctx);
  const k = `${owner}\u0000${intervalStart}`;
  let group = overlay.get(k);
  if (group === undefined) {
    group = { listed: false, lots: new Map() };
    overlay.set(k, group);
  }
  return group;
}

async function readLot(ctx: Context, owner: string, intervalStart: string, assetId: string): Promise<TokenLot | undefined> {
  const group = groupOf(ctx, owner, intervalStart);
  if (group.lots.has(assetId) || group.listed) return group.lots.get(assetId);
  return getRecord<TokenLot>(ctx, lotKey(ctx, owner, intervalStart, assetId));
}

/** Writes a lot, or deletes it when it holds nothing. */
async function writeLot(ctx: Context, lot: TokenLot): Promise<void> {
  const k = lotKey(ctx, lot.owner, lot.intervalStart, lot.assetId);
  if (lot.amountWh === 0) await ctx.stub.deleteState(k);
  else await putRecord(ctx, k, lot);
  groupOf(ctx, lot.owner, lot.intervalStart).lots.set(lot.assetId, lot.amountWh === 0 ? undefined : lot);
}

/** An owner's lots of one interval as this transaction sees them, by asset id. */
async function lotsOf(ctx: Context, owner: string, intervalStart: string): Promise<TokenLot[]> {
  const group = groupOf(ctx, owner, intervalStart);
  if (!group.listed) {
    for (const lot of await listRecords<TokenLot>(ctx, KeyTypes.energyToken, [owner, intervalStart]))
      if (!group.lots.has(lot.assetId)) group.lots.set(lot.assetId, lot);
    group.listed = true;
  }
  return [...group.lots.values()].filter((l): l is TokenLot => l !== undefined).sort((a, b) => compareIds(a.assetId, b.assetId));
}

async function addToLot(ctx: Context, owner: string, intervalStart: string, share: TokenShare): Promise<void> {
  const lot = await readLot(ctx, owner, intervalStart, share.assetId);
  await writeLot(ctx, {
    owner,
    intervalStart,
    assetId: share.assetId,
    source: share.source,
    amountWh: (lot?.amountWh ?? 0) + share.energyWh,
  });
}

/** The Wh of tokens `owner` holds for one interval, as this transaction sees them. */
export async function heldTokensWh(ctx: Context, owner: string, intervalStart: string): Promise<number> {
  return (await lotsOf(ctx, owner, intervalStart)).reduce((s, l) => s + l.amountWh, 0);
}

/**
 * Mints (energyWh > 0) or burns (< 0) an owner's tokens of one interval, per asset. A burn takes
 * at most what the owner still holds of that asset (the rest may have been sold): the Wh it could
 * not take are returned, for the caller to record.
 */
export async function adjustTokens(
  ctx: Context,
  owner: string,
  intervalStart: string,
  delta: readonly TokenShare[],
  reason: string,
): Promise<number> {
  let unburnt = 0;
  for (const d of delta) {
    if (d.energyWh > 0) {
      await addToLot(ctx, owner, intervalStart, d);
      await recordMove(ctx, { owner, intervalStart, assetId: d.assetId, source: d.source, kind: 'mint', amountWh: d.energyWh, reason });
      continue;
    }
    const lot = await readLot(ctx, owner, intervalStart, d.assetId);
    const take = Math.min(lot?.amountWh ?? 0, -d.energyWh);
    unburnt += -d.energyWh - take;
    if (take === 0) continue;
    await writeLot(ctx, { ...lot!, amountWh: lot!.amountWh - take });
    await recordMove(ctx, { owner, intervalStart, assetId: d.assetId, source: d.source, kind: 'burn', amountWh: take, reason });
  }
  return unburnt;
}

/**
 * Moves `amountWh` of `from`'s tokens of one interval to `to`, taking lots in asset-id order: what
 * the market calls at settlement, inside its own transaction (the caller checks access). Throws
 * TOKENS_INSUFFICIENT, writing nothing, when `from` holds less.
 */
export async function transferEnergyTokens(
  ctx: Context,
  from: string,
  to: string,
  intervalStart: string,
  amountWh: number,
  reason: string,
): Promise<TokenShare[]> {
  if (!Number.isSafeInteger(amountWh) || amountWh <= 0 || from === to) {
    throw new GridLedgerError(ErrorCodes.TOKENS_INSUFFICIENT, 'a transfer moves a positive whole number of Wh between two owners', {
      amountWh,
    });
  }
  const lots = await lotsOf(ctx, from, intervalStart);
  const held = lots.reduce((s, l) => s + l.amountWh, 0);
  if (held < amountWh) {
    throw new GridLedgerError(ErrorCodes.TOKENS_INSUFFICIENT, `${from} holds ${held} Wh of tokens for ${intervalStart}, not ${amountWh}`, {
      held,
      amountWh,
      intervalStart,
    });
  }
  const moved: TokenShare[] = [];
  let left = amountWh;
  for (const lot of lots) {
    if (left === 0) break;
    const take = Math.min(lot.amountWh, left);
    left -= take;
    await writeLot(ctx, { ...lot, amountWh: lot.amountWh - take });
    const share = { assetId: lot.assetId, source: lot.source, energyWh: take };
    await addToLot(ctx, to, intervalStart, share);
    await recordMove(ctx, {
      owner: from,
      intervalStart,
      assetId: lot.assetId,
      source: lot.source,
      kind: 'transfer-out',
      amountWh: take,
      reason,
      counterparty: to,
    });
    await recordMove(ctx, {
      owner: to,
      intervalStart,
      assetId: lot.assetId,
      source: lot.source,
      kind: 'transfer-in',
      amountWh: take,
      reason,
      counterparty: from,
    });
    moved.push(share);
  }
  return moved;
}

/** An owner's lots and their total (a safe integer up to 9 PWh, far beyond any community). */
export async function tokenBalance(ctx: Context, owner: string): Promise<{ owner: string; balanceWh: number; lots: TokenLot[] }> {
  const lots = await listRecords<TokenLot>(ctx, KeyTypes.energyToken, [owner]);
  return { owner, balanceWh: lots.reduce((s, l) => s + l.amountWh, 0), lots };
}
