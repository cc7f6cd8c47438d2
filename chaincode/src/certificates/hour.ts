/**
 * What core's issuance and invariant need of one asset's hour, read from the ledger: the asset as
 * registered and verified, its meter's assets, each metering interval's window state, market
 * settlement and the meter's public position values, and the Wh of the asset's tokens that settled
 * trades moved from its producer to buyers (the bundled claims).
 */
import { Context } from 'fabric-contract-api';
import {
  CertifiableAsset,
  cutBundledNewestFirst,
  ErrorCodes,
  formatInstant,
  HOUR_SECONDS,
  HourInterval,
  MeteredAsset,
  parseHourStart,
} from '@gridledger/core';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord } from '../ledger';
import { listRecords } from '../paging';
import { isGridLedgerError } from '../respond';
import { loadMeter } from '../registry';
import { AssetRecord, loadAsset } from '../energy/assets';
import { loadMeteringParams, windowKey } from '../energy/grid';
import { PositionRecord } from '../energy/positions';
import { TokenMove } from '../energy/tokens';
import { loadInterval } from '../market/interval';
import { cutsOfMoves, StandingClaim } from './bundled-cuts';
import { paramsFor } from '../market/params';

export interface HourInputs {
  record: AssetRecord;
  asset: CertifiableAsset;
  meterAssets: MeteredAsset[];
  intervalSeconds: number;
  intervals: HourInterval[];
  /** The bundled P2P Wh of the hour, per metering interval (intervals without any left out). */
  bundled: { intervalStart: string; energyWh: number }[];
  /** The same Wh per claim (the producer's transfer-out moves, less cuts), for cutting newest first. */
  claims: StandingClaim[];
  bundledWh: number;
}

/**
 * Whether the market interval holding a metering interval is settled: a community without market
 * parameters has no market, so nothing to settle; else the interval's record must say settled.
 */
async function isSettled(ctx: Context, communityId: string, seconds: number): Promise<boolean> {
  let marketSeconds: number;
  try {
    marketSeconds = (await paramsFor(ctx, communityId, seconds)).intervalSeconds;
  } catch (e) {
    if (isGridLedgerError(e) && e.code === ErrorCodes.MARKET_NOT_FOUND) return true;
    throw e;
  }
  const start = formatInstant(seconds - (seconds % marketSeconds));
  return (await loadInterval(ctx, communityId, start))?.status === 'settled';
}

/** The key of a producer's count of token moves in an interval, and of its move number n (numbered from 1, energy/tokens.ts). */
export const moveCountKey = (ctx: Context, producer: string, intervalStart: string): string =>
  key(ctx, KeyTypes.tokenMoveCount, producer, intervalStart);
export const moveKey = (ctx: Context, producer: string, intervalStart: string, n: number): string =>
  key(ctx, KeyTypes.tokenMove, producer, intervalStart, seqKeyPart(n));

/** A producer's token moves of one interval, read by key (its count, then each number): no range read, so a batch can fetch them ahead. */
async function movesOf(ctx: Context, producer: string, intervalStart: string): Promise<TokenMove[]> {
  const count = (await getRecord<{ moves: number }>(ctx, moveCountKey(ctx, producer, intervalStart)))?.moves ?? 0;
  const out: TokenMove[] = [];
  for (let n = 1; n <= count; n++) {
    const move = await getRecord<TokenMove>(ctx, moveKey(ctx, producer, intervalStart, n));
    if (move !== undefined) out.push(move);
  }
  return out;
}

/**
 * The bundled claims of `assetId`'s tokens its producer moved to others in one interval: one per
 * transfer-out move, less what was cut from it (bundled-cuts.ts), less the asset's transfers back
 * in, taken newest first (never below zero). The cut record is read only when there is a move out.
 */
async function claimsOf(ctx: Context, producer: string, assetId: string, intervalStart: string): Promise<StandingClaim[]> {
  const moves = (await movesOf(ctx, producer, intervalStart)).filter((m) => m.assetId === assetId);
  const out = moves.filter((m) => m.kind === 'transfer-out');
  if (out.length === 0) return [];
  const cut = await cutsOfMoves(ctx, producer, intervalStart, assetId);
  const claims = out.map((m) => ({
    reference: seqKeyPart(m.number),
    moveNumber: m.number,
    settlement: m.reason,
    buyerId: m.counterparty ?? '',
    assetId,
    intervalStart,
    energyWh: Math.max(0, m.amountWh - (cut.get(m.number) ?? 0)),
  }));
  const backIn = moves.filter((m) => m.kind === 'transfer-in').reduce((s, m) => s + m.amountWh, 0);
  const taken = new Map(
    cutBundledNewestFirst(
      claims,
      Math.min(
        backIn,
        claims.reduce((s, c) => s + c.energyWh, 0),
      ),
    ).map((c) => [c.reference, c.energyWh]),
  );
  return claims.map((c) => ({ ...c, energyWh: c.energyWh - (taken.get(c.reference) ?? 0) })).filter((c) => c.energyWh > 0);
}

/** The starts (epoch seconds) of the metering intervals of the hour from `start`; the hour itself when the grid does not divide it. */
export function hourIntervals(start: number, intervalSeconds: number): number[] {
  const step = HOUR_SECONDS % intervalSeconds === 0 ? intervalSeconds : HOUR_SECONDS;
  return Array.from({ length: HOUR_SECONDS / step }, (_, k) => start + k * step);
}

export async function loadHour(ctx: Context, assetId: string, hourStart: string): Promise<HourInputs> {
  const start = parseHourStart(hourStart);
  const record = await loadAsset(ctx, assetId);
  const meter = await loadMeter(ctx, record.meterId);
  const { intervalSeconds } = await loadMeteringParams(ctx);
  const meterAssets = await listRecords<MeteredAsset>(ctx, KeyTypes.assetByMeter, [record.meterId]);
  const intervals: HourInterval[] = [];
  const bundled: HourInputs['bundled'] = [];
  const claims: StandingClaim[] = [];
  for (const t of hourIntervals(start, intervalSeconds)) {
    const intervalStart = formatInstant(t);
    const windowClosed = (await getRecord(ctx, windowKey(ctx, meter.communityId, intervalStart, intervalSeconds))) !== undefined;
    const settled = windowClosed && (await isSettled(ctx, meter.communityId, t));
    const position = await getRecord<PositionRecord>(ctx, key(ctx, KeyTypes.position, record.participantId, intervalStart));
    const m = position?.meters.find((x) => x.meterId === record.meterId);
    // The channel's position holds the meter's export (import is private); the asset's share needs the export only.
    intervals.push({
      intervalStart,
      windowClosed,
      settled,
      ...(m !== undefined ? { meter: { meterId: m.meterId, importWh: 0, exportWh: m.exportWh, estimated: m.estimated } } : {}),
    });
    const ofInterval = await claimsOf(ctx, record.participantId, assetId, intervalStart);
    const energyWh = ofInterval.reduce((s, c) => s + c.energyWh, 0);
    claims.push(...ofInterval);
    if (energyWh > 0) bundled.push({ intervalStart, energyWh });
  }
  const asset: CertifiableAsset = {
    assetId: record.assetId,
    participantId: record.participantId,
    meterId: record.meterId,
    source: record.source,
    capacityW: record.capacityW,
    zone: record.zone,
    location: record.location,
    commissionedOn: record.commissionedOn,
    verified: record.verification !== null,
  };
  return {
    record,
    asset,
    meterAssets,
    intervalSeconds,
    intervals,
    bundled,
    claims,
    bundledWh: bundled.reduce((s, b) => s + b.energyWh, 0),
  };
}
