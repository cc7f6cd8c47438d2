/**
 * What the certificate scheduler asks before it issues (certificates:listIssuable): of a
 * community's meters, a page at a time, the regulator-verified renewable assets and, for each, the
 * hours of a span whose metering windows are all closed and that have no issuance record yet.
 * Read only: the meters' index, each meter's assets, each asset, and one range of the asset's
 * issuance records over the span. Market settlement is left to issuance (CERTIFICATE_HOUR_OPEN).
 *
 * The same page also names the storage discharge hours to issue (`discharges`): of each
 * regulator-verified storage asset linked to a battery of the storage marketplace
 * (`batteryAsset~assetId`), the closed hours without an issuance record, read the same way.
 */
import { Context } from 'fabric-contract-api';
import {
  certificateInputInvalid,
  formatInstant,
  HOUR_SECONDS,
  issuanceIdOf,
  MeteredAsset,
  parseHourStart,
  RENEWABLE_SOURCES,
} from '@gridledger/core';
import { checkId } from '../args';
import { KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { ENERGY_MAX_PAGE, listRecords, pageSizeOf, readPage } from '../paging';
import { loadAsset } from '../energy/assets';
import { loadMeteringParams, windowKey } from '../energy/grid';
import { batteryOfAsset } from '../storage/batteries';
import { hourIntervals } from './hour';
import { issuanceKey, StoredIssuance } from './store';

/** The longest span one listing covers: a week of hours. */
export const MAX_LISTING_HOURS = 168;

/** The hours of [from, to) whose metering windows in the community are all closed. */
async function closedHours(ctx: Context, communityId: string, from: number, to: number): Promise<string[]> {
  const { intervalSeconds } = await loadMeteringParams(ctx);
  const out: string[] = [];
  for (let h = from; h < to; h += HOUR_SECONDS) {
    let closed = true;
    for (const t of hourIntervals(h, intervalSeconds)) {
      closed = (await getRecord(ctx, windowKey(ctx, communityId, formatInstant(t), intervalSeconds))) !== undefined;
      if (!closed) break;
    }
    if (closed) out.push(formatInstant(h));
  }
  return out;
}

/** The hours of the span the asset has an issuance record for: one range read over its records, from fromHour. */
async function issuedHours(ctx: Context, assetId: string, fromHour: string, toHour: string): Promise<Set<string>> {
  const page = await readPage<StoredIssuance>(ctx, KeyTypes.certIssuance, [assetId], {
    size: MAX_LISTING_HOURS,
    bookmark: '',
    startKey: issuanceKey(ctx, assetId, issuanceIdOf(assetId, fromHour)),
    stop: (s) => s.record.hourStart >= toHour,
  });
  return new Set(page.items.map((s) => s.record.hourStart));
}

/** Which issuance an asset's closed hours take: production (items), storage discharge of a linked battery (discharges), or none. */
async function issuanceKind(ctx: Context, a: MeteredAsset): Promise<'items' | 'discharges' | undefined> {
  const renewable = (RENEWABLE_SOURCES as readonly string[]).includes(a.source);
  if (!renewable && a.source !== 'storage') return undefined;
  if ((await loadAsset(ctx, a.assetId)).verification === null) return undefined;
  if (renewable) return 'items';
  return (await batteryOfAsset(ctx, a.assetId)) === undefined ? undefined : 'discharges';
}

/**
 * A community's verified renewable assets (on a page of its meters) with their hours of
 * [fromHour, toHour) whose windows are all closed and that have no issuance record (`items`), and
 * the same hours of its verified storage assets linked to a battery (`discharges`); closedHours
 * names those hours (when none is closed, no meter is read and the bookmark is '').
 */
export async function listIssuable(
  ctx: Context,
  communityId: string,
  fromHour: string,
  toHour: string,
  pageSize: string,
  bookmark: string,
) {
  checkId(communityId, 'communityId');
  const from = parseHourStart(fromHour, 'fromHour');
  const to = parseHourStart(toHour, 'toHour');
  if (to <= from || to - from > MAX_LISTING_HOURS * HOUR_SECONDS)
    throw certificateInputInvalid('toHour', `toHour must be 1 to ${MAX_LISTING_HOURS} hours after fromHour`);
  const size = pageSizeOf(pageSize === '' ? undefined : pageSize, ENERGY_MAX_PAGE);
  const hours = await closedHours(ctx, communityId, from, to);
  if (hours.length === 0) return { closedHours: hours, items: [], discharges: [], bookmark: '' };
  const page = await readPage<{ meterId: string }>(ctx, KeyTypes.meterByCommunity, [communityId], {
    size,
    bookmark,
  });
  const out = { items: [] as { assetId: string; hourStart: string }[], discharges: [] as { assetId: string; hourStart: string }[] };
  for (const { meterId } of page.items) {
    for (const a of await listRecords<MeteredAsset>(ctx, KeyTypes.assetByMeter, [meterId])) {
      const kind = await issuanceKind(ctx, a);
      if (kind === undefined) continue;
      const issued = await issuedHours(ctx, a.assetId, fromHour, toHour);
      for (const hourStart of hours) if (!issued.has(hourStart)) out[kind].push({ assetId: a.assetId, hourStart });
    }
  }
  return { closedHours: hours, ...out, bookmark: page.bookmark };
}
