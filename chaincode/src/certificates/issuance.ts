/**
 * Issuance on the ledger (docs/certificates.md, "Batched issuance"): one asset-hour, or a batch of
 * up to MAX_ISSUANCE_BATCH asset-hours in one transaction. Every item is worked out from the ledger
 * before anything of it is written, so an item refused with a stable code (an open hour, an hour
 * issued with nothing new, an estimated reading, an unverified asset...) writes nothing while the
 * others are issued. Each asset's issuance cursor is advanced once per transaction, over every
 * issuance of that asset in it: the write the Regulator's peer must endorse.
 */
import { Context } from 'fabric-contract-api';
import {
  BundledCut,
  bundleWh,
  CertificateBundle,
  certificateIdOf,
  cutBundledNewestFirst,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  issuanceIdOf,
  issueHour,
  IssuanceRecord,
  MeterRecord,
  parseHourStart,
} from '@gridledger/core';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, txInstant } from '../ledger';
import { readCache, ReadCache } from '../read-cache';
import { isGridLedgerError } from '../respond';
import { withWriteBatch } from '../state-batch';
import { AssetRecord } from '../energy/assets';
import { loadMeteringParams, windowKey } from '../energy/grid';
import { bundledCutKey, StandingClaim, writeCuts } from './bundled-cuts';
import { batchIssuedEvent, issuedEvent } from './events';
import { hourIntervals, loadHour, moveCountKey, moveKey } from './hour';
import { advanceIssuer, ISSUING_BODY_MSP, issuanceKey, issuerKey, readIssuance, StoredIssuance, writeBundles } from './store';

/** The most asset-hours one issuance transaction takes (docs/certificates.md, "Batched issuance"). */
export const MAX_ISSUANCE_BATCH = 100;

/** One asset-hour worked out and ready to write. */
interface Prepared {
  assetId: string;
  hourStart: string;
  producerId: string;
  stored: StoredIssuance;
  bundle: CertificateBundle | null;
  /** Bundled claims the hour's verified export no longer covers, to cut when it is written. */
  cut: { claims: StandingClaim[]; cuts: BundledCut[]; reason: string };
}

/** Reads an asset's hour and works out its issuance; writes nothing. Refused like issueHour, and for an asset without a cursor. */
async function prepare(ctx: Context, assetId: string, hourStart: string): Promise<Prepared> {
  const hour = await loadHour(ctx, checkId(assetId, 'assetId'), hourStart);
  const issuanceId = issuanceIdOf(assetId, hourStart);
  const previous = await readIssuance(ctx, assetId, issuanceId);
  const issue = (bundledWh: number) =>
    issueHour({
      asset: hour.asset,
      meterAssets: hour.meterAssets,
      hourStart,
      intervalSeconds: hour.intervalSeconds,
      intervals: hour.intervals,
      bundledWh,
      issuingBody: ISSUING_BODY_MSP,
      issuedAt: txInstant(ctx),
      ...(previous !== undefined ? { previous: previous.record } : {}),
    });
  let issued = issue(hour.bundledWh);
  // A figure lowered before issuance (a resolved dispute) may no longer cover the P2P Wh sold: those claims are cut, newest first.
  const excessWh = issued.record.bundledWh - issued.record.verifiedExportWh;
  const cuts = excessWh > 0 ? cutBundledNewestFirst(hour.claims, excessWh) : [];
  if (cuts.length > 0) issued = issue(issued.record.verifiedExportWh);
  // advanceIssuer refuses an asset without a cursor: checked here, before anything of the item is written.
  if ((await getRecord(ctx, issuerKey(ctx, assetId))) === undefined) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED, `asset ${assetId} has no issuance cursor: the regulator opens it`, {
      assetId,
    });
  }
  const txIds = [...(previous?.txIds ?? []), ctx.stub.getTxID()];
  const stored: StoredIssuance = { record: issued.record, attributes: issued.attributes, txIds };
  const reason = `the verified export of ${hourStart} is ${issued.record.verifiedExportWh} Wh, below the ${hour.bundledWh} Wh sold P2P`;
  return {
    assetId,
    hourStart,
    producerId: hour.record.participantId,
    stored,
    bundle: issued.bundle,
    cut: { claims: hour.claims, cuts, reason },
  };
}

async function write(ctx: Context, p: Prepared): Promise<void> {
  await putRecord(ctx, issuanceKey(ctx, p.assetId, p.stored.record.issuanceId), p.stored);
  if (p.bundle !== null) await writeBundles(ctx, undefined, [p.bundle]);
  if (p.cut.cuts.length > 0) await writeCuts(ctx, p.producerId, p.assetId, p.cut.claims, p.cut.cuts, p.cut.reason);
}

/** One asset's hour (certificates:issue): the issuance, its bundle (null when nothing was left) and the asset's cursor. */
export async function issueOne(ctx: Context, assetId: string, hourStart: string) {
  const p = await prepare(ctx, assetId, hourStart);
  await write(ctx, p);
  const cursor = await advanceIssuer(ctx, assetId, { issuance: p.stored.record, txId: ctx.stub.getTxID() });
  issuedEvent(ctx, p.producerId, p.stored.record.issuanceId, hourStart, p.bundle);
  return { ...p.stored, bundle: p.bundle, cursor };
}

export interface BatchItem {
  assetId: string;
  hourStart: string;
}

/** The items of a batch request `{ items: [{ assetId, hourStart }, ...] }`: 1 to MAX_ISSUANCE_BATCH, each asset-hour once. */
export function batchItems(request: string): BatchItem[] {
  const invalid = (message: string) => new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, message, { field: 'items' });
  const { items } = parseObjectArgument(request, 'the issuance batch');
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_ISSUANCE_BATCH)
    throw invalid(`items must be a list of 1 to ${MAX_ISSUANCE_BATCH} asset-hours`);
  const seen = new Set<string>();
  return items.map((item: unknown) => {
    const { assetId, hourStart } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof assetId !== 'string' || typeof hourStart !== 'string') throw invalid('each item has an assetId and an hourStart');
    // Fabric reads committed state only: an asset-hour twice in one transaction would be issued twice.
    if (seen.has(`${assetId} ${hourStart}`)) throw invalid(`${assetId} at ${hourStart} is in the batch twice`);
    seen.add(`${assetId} ${hourStart}`);
    return { assetId, hourStart };
  });
}

export type BatchResult =
  | { assetId: string; hourStart: string; status: 'issued'; record: IssuanceRecord; bundleId: string | null; quantityWh: number }
  | { assetId: string; hourStart: string; status: 'refused'; error: { code: string; message: string; details: Record<string, unknown> } };

/**
 * What the batch's items will read by key, fetched ahead in three GET_STATE_MULTIPLE messages (assets,
 * records and cursors; meters, positions and token move counts; token moves, cut records, windows and
 * market parameters), so that each item's
 * own reads are answered from the transaction's read cache. Items that cannot name their keys (a
 * bad id or hour) are left out: prepare refuses them.
 */
async function prefetch(cache: ReadCache, items: readonly BatchItem[]): Promise<void> {
  const { ctx } = cache;
  const keysOf = (f: () => string[]): string[] => {
    try {
      return f();
    } catch {
      return [];
    }
  };
  await cache.prefetch(
    items.flatMap((i) =>
      keysOf(() => [
        key(ctx, KeyTypes.asset, i.assetId),
        issuanceKey(ctx, i.assetId, issuanceIdOf(i.assetId, i.hourStart)),
        issuerKey(ctx, i.assetId),
      ]),
    ),
  );
  const { intervalSeconds } = await loadMeteringParams(ctx);
  const assets = new Map<string, AssetRecord>();
  for (const i of items) {
    const [assetKey] = keysOf(() => [key(ctx, KeyTypes.asset, i.assetId)]);
    const asset = assetKey === undefined ? undefined : await getRecord<AssetRecord>(ctx, assetKey);
    if (asset !== undefined) assets.set(i.assetId, asset);
  }
  const intervalsOf = (hourStart: string) => keysOf(() => hourIntervals(parseHourStart(hourStart), intervalSeconds).map(formatInstant));
  const producerIntervals = items.flatMap((i) => {
    const asset = assets.get(i.assetId);
    return asset === undefined ? [] : intervalsOf(i.hourStart).map((t) => [asset.participantId, t] as const);
  });
  await cache.prefetch([
    ...[...assets.values()].map((a) => key(ctx, KeyTypes.meter, a.meterId)),
    ...producerIntervals.flatMap(([producer, t]) => [key(ctx, KeyTypes.position, producer, t), moveCountKey(ctx, producer, t)]),
  ]);
  const moveKeys: string[] = [];
  const moved = new Set<string>();
  for (const [producer, t] of new Map(producerIntervals.map((pi) => [pi.join(' '), pi])).values()) {
    const count = (await getRecord<{ moves: number }>(ctx, moveCountKey(ctx, producer, t)))?.moves ?? 0;
    for (let n = 1; n <= count; n++) moveKeys.push(moveKey(ctx, producer, t, n));
    if (count > 0) moved.add(`${producer} ${t}`);
  }
  // An asset's cut record is read when its producer moved tokens in the interval (hour.ts).
  for (const i of items) {
    const asset = assets.get(i.assetId);
    if (asset === undefined) continue;
    for (const t of intervalsOf(i.hourStart))
      if (moved.has(`${asset.participantId} ${t}`)) moveKeys.push(bundledCutKey(ctx, asset.participantId, t, i.assetId));
  }
  const communities = new Map<string, Set<string>>();
  for (const i of items) {
    const asset = assets.get(i.assetId);
    const meter = asset && (await getRecord<MeterRecord>(ctx, key(ctx, KeyTypes.meter, asset.meterId)));
    if (meter === undefined) continue;
    const starts = communities.get(meter.communityId) ?? new Set<string>();
    for (const t of intervalsOf(i.hourStart)) starts.add(t);
    communities.set(meter.communityId, starts);
  }
  await cache.prefetch([
    ...moveKeys,
    ...[...communities].flatMap(([communityId, starts]) => [
      key(ctx, KeyTypes.marketParamsLatest, communityId),
      ...[...starts].map((t) => windowKey(ctx, communityId, t, intervalSeconds)),
    ]),
  ]);
}

/**
 * A batch of asset-hours (certificates:issueBatch): each item issued, or refused with its stable
 * code and nothing of it written; the results in the request's order. Each asset's cursor moves
 * once, over the records of all its hours in the batch. The batch's reads go through one read
 * cache (fetched ahead), its writes in one WRITE_BATCH_STATE message.
 */
export async function issueBatch(txCtx: Context, items: readonly BatchItem[]) {
  return withWriteBatch(txCtx, async () => {
    const cache = readCache(txCtx);
    const { ctx } = cache;
    await prefetch(cache, items);
    const results: BatchResult[] = [];
    const issued: Prepared[] = [];
    for (const { assetId, hourStart } of items) {
      try {
        const p = await prepare(ctx, assetId, hourStart);
        issued.push(p);
        const { bundle } = p;
        const bundleId = bundle === null ? null : certificateIdOf(bundle.issuanceId, bundle.rangeStart);
        results.push({
          assetId,
          hourStart,
          status: 'issued',
          record: p.stored.record,
          bundleId,
          quantityWh: bundle ? bundleWh(bundle) : 0,
        });
      } catch (e) {
        if (!isGridLedgerError(e)) throw e;
        results.push({ assetId, hourStart, status: 'refused', error: { code: e.code, message: e.message, details: e.details ?? {} } });
      }
    }
    for (const p of issued) await write(ctx, p);
    const txId = ctx.stub.getTxID();
    const assets = [...new Set(issued.map((p) => p.assetId))].sort();
    const cursors = [];
    for (const assetId of assets) {
      const records = issued.filter((p) => p.assetId === assetId).map((p) => p.stored.record);
      cursors.push(await advanceIssuer(ctx, assetId, { issuances: records, txId }));
    }
    if (issued.length > 0) batchIssuedEvent(ctx, issued);
    return { items: results, issuedCount: issued.length, refusedCount: results.length - issued.length, cursors };
  });
}
