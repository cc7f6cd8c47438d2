/**
 * Bundled claims cut back (docs/certificates.md, "A lowered figure"): when an asset's hour no longer
 * covers the P2P Wh its producer sold, the claims that no longer stand are cut, newest first, and
 * the cut is written on both sides, so that each reads it by the keys it already reads:
 *
 * - the producer's side, `bundledCut~producer~intervalStart~asset`: the cuts of the asset's moves
 *   of the interval, read with the interval's token moves when the hour is loaded (hour.ts), so the
 *   hour's bundled Wh and its account drop by the cut;
 * - the buyer's side, `bundledCutIn~buyer~intervalStart~producer~asset~moveNumber`: the Wh of that
 *   move that no longer carry the green attribute, read by the buyer's hourly matching.
 *
 * One key per asset and interval on the producer's side, written only by the transactions that cut
 * that asset's hour (a lowered-figure withdrawal, or the hour's issuance): no two items of one
 * transaction write the same key, and a second cut adds to the first.
 */
import { Context } from 'fabric-contract-api';
import { BundledClaim, BundledCut, compareIds } from '@gridledger/core';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, txInstant } from '../ledger';

/** One move's cut as written: which move of the producer's interval, whose claim, by how much, and why. */
export interface BundledCutRecord {
  producerId: string;
  buyerId: string;
  assetId: string;
  intervalStart: string;
  /** The producer's transfer-out move the claim came from (energy/tokens.ts). */
  moveNumber: number;
  /** The settlement's reference the move carried. */
  settlement: string;
  energyWh: number;
  reason: string;
  txId: string;
  at: string;
}

/** A bundled claim as the hour reads it: one transfer-out move of the producer, less its cuts. */
export interface StandingClaim extends BundledClaim {
  moveNumber: number;
  settlement: string;
}

const producerKey = (ctx: Context, producer: string, intervalStart: string, assetId: string) =>
  key(ctx, KeyTypes.bundledCut, producer, intervalStart, assetId);

const buyerKey = (ctx: Context, c: Pick<BundledCutRecord, 'buyerId' | 'intervalStart' | 'producerId' | 'assetId' | 'moveNumber'>) =>
  key(ctx, KeyTypes.bundledCutIn, c.buyerId, c.intervalStart, c.producerId, c.assetId, seqKeyPart(c.moveNumber));

/** The producer's key of an asset's cuts in an interval (for the issuance batch's read-ahead). */
export const bundledCutKey = producerKey;

/** The Wh cut from each of the asset's moves of the interval, by move number. */
export async function cutsOfMoves(ctx: Context, producer: string, intervalStart: string, assetId: string): Promise<Map<number, number>> {
  const stored = await getRecord<{ cuts: BundledCutRecord[] }>(ctx, producerKey(ctx, producer, intervalStart, assetId));
  const byMove = new Map<number, number>();
  for (const c of stored?.cuts ?? []) byMove.set(c.moveNumber, (byMove.get(c.moveNumber) ?? 0) + c.energyWh);
  return byMove;
}

/**
 * Writes the cuts of one asset's hour on both sides: `cuts` are core's cutBundledNewestFirst over
 * `claims` (matched by interval and reference). Answers what was written.
 */
export async function writeCuts(
  ctx: Context,
  producerId: string,
  assetId: string,
  claims: readonly StandingClaim[],
  cuts: readonly BundledCut[],
  reason: string,
): Promise<BundledCutRecord[]> {
  const txId = ctx.stub.getTxID();
  const at = txInstant(ctx);
  const records = cuts.map((cut) => {
    const claim = claims.find((c) => c.intervalStart === cut.intervalStart && c.reference === cut.reference);
    if (claim === undefined) throw new Error(`no bundled claim ${cut.reference} at ${cut.intervalStart} to cut`);
    const { buyerId, moveNumber, settlement } = claim;
    return {
      producerId,
      buyerId,
      assetId,
      intervalStart: cut.intervalStart,
      moveNumber,
      settlement,
      energyWh: cut.energyWh,
      reason,
      txId,
      at,
    };
  });
  const intervals = [...new Set(records.map((r) => r.intervalStart))].sort(compareIds);
  for (const intervalStart of intervals) {
    const k = producerKey(ctx, producerId, intervalStart, assetId);
    const stored = (await getRecord<{ cuts: BundledCutRecord[] }>(ctx, k))?.cuts ?? [];
    await putRecord(ctx, k, { cuts: [...stored, ...records.filter((r) => r.intervalStart === intervalStart)] });
  }
  for (const r of records) {
    const k = buyerKey(ctx, r);
    const earlier = (await getRecord<BundledCutRecord>(ctx, k))?.energyWh ?? 0;
    await putRecord(ctx, k, { ...r, energyWh: earlier + r.energyWh });
  }
  return records;
}
