/**
 * Energy tokens at settlement: what a trade or a bilateral contract delivered moves from the
 * seller's token lots of the metering intervals inside the market interval to the buyer. A seller
 * may hold fewer tokens than that (an estimated position mints none): what it holds moves, the
 * rest is recorded as undeliveredWh; no balance goes negative.
 */
import { Context } from 'fabric-contract-api';
import { SettledTrade, shareProRata, TokenTransfer } from '@gridledger/core';
import { KeyTypes } from '../keys';
import { listRecords } from '../paging';
import { heldTokensWh, transferEnergyTokens as moveTokens } from '../energy/tokens';
import { loadClearing } from './clearing';
import { IntervalRecord } from './interval';

/** A trade's energy tokens as settlement moved them. */
export interface SettledTokenTransfer extends TokenTransfer {
  /** Tokens moved from seller to buyer: at most energyWh (the seller's delivered share of the trade). */
  movedWh: number;
  /** energyWh − movedWh: delivered by the position but not backed by tokens the seller held (an estimated position mints none). */
  undeliveredWh: number;
}

/** What a settlement page records of its token transfers (settlePage keys). */
export interface SettledPage {
  tokenTransfers: SettledTokenTransfer[];
}

/** Moves up to `energyWh` of the seller's tokens of the metering intervals (earliest first) to the buyer; returns the Wh moved (at most
 * what it held). */
async function moveHeldTokens(
  ctx: Context,
  sellerId: string,
  buyerId: string,
  meteringIntervals: readonly string[],
  energyWh: number,
  reason: string,
): Promise<number> {
  let movedWh = 0;
  for (const start of meteringIntervals) {
    const take = Math.min(energyWh - movedWh, await heldTokensWh(ctx, sellerId, start));
    if (take > 0) {
      await moveTokens(ctx, sellerId, buyerId, start, take, reason);
      movedWh += take;
    }
  }
  return movedWh;
}

/** Moves what the seller holds of a delivery of `energyWh` to the buyer, recording the rest as undelivered. */
export async function settleTokens<T extends { sellerId: string; buyerId: string; energyWh: number }>(
  ctx: Context,
  transfer: T,
  meteringIntervals: readonly string[],
  reason: string,
): Promise<T & { movedWh: number; undeliveredWh: number }> {
  const movedWh = await moveHeldTokens(ctx, transfer.sellerId, transfer.buyerId, meteringIntervals, transfer.energyWh, reason);
  return { ...transfer, movedWh, undeliveredWh: transfer.energyWh - movedWh };
}

/**
 * For each trade (clearing order), the seller's delivered share (the core's tokenTransfers:
 * min(delivered, sold) pro rata) moves from the seller's lots, earliest metering interval first.
 */
export async function transferTradeTokens(
  ctx: Context,
  communityId: string,
  intervalStart: string,
  meteringIntervals: readonly string[],
  transfers: readonly TokenTransfer[],
): Promise<SettledTokenTransfer[]> {
  const out: SettledTokenTransfer[] = [];
  for (const t of transfers)
    out.push(await settleTokens(ctx, t, meteringIntervals, `${communityId}/${intervalStart}/trade:${t.buyOrderId}:${t.sellOrderId}`));
  return out;
}

/**
 * Tokens a corrected seller owes its buyers: its verified delivery min(max(net, 0), sold) shared
 * over its trades as at settlement, less what settlement moved for each trade; what it holds now
 * (metering minted the verified surplus with the correction) moves, the rest stays undelivered.
 */
export async function correctionTokens(
  ctx: Context,
  interval: IntervalRecord,
  meteringIntervals: readonly string[],
  sellerId: string,
  netWh: number,
  tradedWh: number,
): Promise<SettledTokenTransfer[]> {
  const { communityId, intervalStart } = interval;
  const clearing = await loadClearing(ctx, communityId, intervalStart);
  // The interval is settled: its settlement pages can no longer change.
  const pages = await listRecords<SettledPage>(ctx, KeyTypes.settlePage, [communityId, intervalStart]);
  const moved = new Map(pages.flatMap((p) => p.tokenTransfers).map((t) => [`${t.buyOrderId}:${t.sellOrderId}`, t.movedWh]));
  const trades = clearing.trades.filter((t) => t.sellerId === sellerId);
  const shares = shareProRata(
    Math.min(Math.max(netWh, 0), tradedWh),
    trades.map((t) => t.energyWh),
  );
  const out: SettledTokenTransfer[] = [];
  for (const [k, t] of trades.entries()) {
    const energyWh = shares[k] - (moved.get(`${t.buyOrderId}:${t.sellOrderId}`) ?? 0);
    // A share sold to a feeder (zonal clearing) stays with the seller, as at settlement.
    if (energyWh <= 0 || typeof (t as SettledTrade).buyerFeederZoneId === 'string') continue;
    const transfer = { sellOrderId: t.sellOrderId, buyOrderId: t.buyOrderId, sellerId, buyerId: t.buyerId, energyWh };
    out.push(
      await settleTokens(ctx, transfer, meteringIntervals, `${communityId}/${intervalStart}/correction:${t.buyOrderId}:${t.sellOrderId}`),
    );
  }
  return out;
}
