/**
 * The records the certificate audit and the regulator's report read (docs/certificates.md, "Audit"):
 * the assets with an issuance cursor, an asset's chain log, issuance records and bundles (paged,
 * optionally by production hours), many hours' accounts in one call, and the index of transfers
 * and claims by transaction hour (`certAction~hour~txId`: one new key per transaction, never
 * rewritten, so no two transactions touch the same index key).
 */
import { Context } from 'fabric-contract-api';
import {
  AuditedBundle,
  CertificateAction,
  CertificateBundle,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  HOUR_SECONDS,
  hourAccount,
  issuanceIdOf,
  parseHourStart,
  verifiedHourExport,
} from '@gridledger/core';
import { checkId } from '../args';
import { key, KeyTypes } from '../keys';
import { putRecord, txInstant, txSeconds } from '../ledger';
import { MARKET_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { loadMeter } from '../registry';
import { isGridLedgerError } from '../respond';
import { loadAsset } from '../energy/assets';
import { loadHour } from './hour';
import { bundlesOf, hourPart, IssuerCursor, StoredIssuance } from './store';

const UNSETTLED_HOUR: string[] = [ErrorCodes.CERTIFICATE_HOUR_OPEN, ErrorCodes.CERTIFICATE_HOUR_ESTIMATED];

/** The most hours one getHourAccounts call answers (a week of one asset). */
export const MAX_ACCOUNT_HOURS = 168;

/** One asset's hour account: bundled P2P Wh + certificate Wh but withdrawn against its verified export. */
export async function hourAccountOf(ctx: Context, assetId: string, hourStart: string) {
  const hour = await loadHour(ctx, checkId(assetId, 'assetId'), String(hourStart));
  const verifiedExportWh = hour.asset.verified
    ? verifiedHourExport(hour.asset, hour.meterAssets, hourStart, hour.intervalSeconds, hour.intervals)
    : 0;
  const issuanceId = issuanceIdOf(assetId, hourStart);
  const bundles = await bundlesOf(ctx, assetId, issuanceId);
  return { assetId, hourStart, issuanceId, ...hourAccount(verifiedExportWh, hour.bundled, bundles), bundledByInterval: hour.bundled };
}

/** Indexes a transfer or claim under the acting transaction's hour and id. */
export async function recordAction(ctx: Context, kind: CertificateAction['kind'], producerId: string, bundle: CertificateBundle) {
  const at = txInstant(ctx);
  const hour = formatInstant(txSeconds(ctx) - (txSeconds(ctx) % HOUR_SECONDS));
  const action: CertificateAction = {
    kind,
    at,
    txId: ctx.stub.getTxID(),
    issuanceId: bundle.issuanceId,
    assetId: bundle.deviceId,
    producerId,
    source: bundle.energySource,
    quantityWh: bundle.rangeEnd - bundle.rangeStart + 1,
  };
  await putRecord(ctx, key(ctx, KeyTypes.certAction, hour, action.txId), action);
}

function hourField(value: unknown, field: string): string {
  parseHourStart(String(value), field);
  return String(value);
}

/** `{ from, to }` on the hour, to after from. */
function periodOf(r: Record<string, unknown>): { from: string; to: string } {
  const from = hourField(r.from, 'from');
  const to = hourField(r.to, 'to');
  if (to <= from) throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, 'to must be after from', { field: 'to' });
  return { from, to };
}

/** A bundle as the audit reads it: no holder, no claim or reservation details. */
const audited = (b: CertificateBundle): AuditedBundle => ({
  issuanceId: b.issuanceId,
  rangeStart: b.rangeStart,
  rangeEnd: b.rangeEnd,
  status: b.status,
  deviceId: b.deviceId,
  energySource: b.energySource,
  productionStart: b.productionStart,
  issuedAt: b.issuedAt,
  expiresAt: b.expiresAt,
  ...(b.withdrawal !== undefined ? { withdrawal: b.withdrawal } : {}),
});

/** A page of the assets with an issuance cursor, each with its producer, source and community. */
export async function listIssuers(ctx: Context, pageSize: string, bookmark: string) {
  const page = await readPage<IssuerCursor>(ctx, KeyTypes.certIssuer, [], {
    size: pageSizeOf(pageSize === '' ? undefined : pageSize, MARKET_MAX_PAGE),
    bookmark,
  });
  const items = [];
  for (const cursor of page.items) {
    const asset = await loadAsset(ctx, cursor.assetId);
    const meter = await loadMeter(ctx, asset.meterId);
    items.push({ ...cursor, producerId: asset.participantId, source: asset.source, communityId: meter.communityId });
  }
  return { items, bookmark: page.bookmark };
}

/**
 * `{ assetId, records: 'chain' | 'issuances' | 'bundles', from?, to?, pageSize?, bookmark? }`: a page
 * of one asset's chain log, issuance records or bundles (issuances and bundles of the production
 * hours in [from, to) when given), with the asset's cursor (null when it has none).
 */
export async function listIssuerRecords(ctx: Context, r: Record<string, unknown>) {
  const assetId = checkId(r.assetId, 'assetId');
  const size = pageSizeOf(r.pageSize, MARKET_MAX_PAGE);
  const cursor = (await ctx.stub.getState(key(ctx, KeyTypes.certIssuer, assetId))) as Uint8Array | undefined;
  const answer = (page: { items: unknown[]; bookmark: string }) => ({
    assetId,
    cursor: cursor === undefined || cursor.length === 0 ? null : (JSON.parse(Buffer.from(cursor).toString('utf8')) as IssuerCursor),
    ...page,
  });
  const period = r.from === undefined && r.to === undefined ? undefined : periodOf(r);
  const startKey = (type: typeof KeyTypes.certIssuance | typeof KeyTypes.certBundle) =>
    period === undefined ? undefined : key(ctx, type, assetId, hourPart(issuanceIdOf(assetId, period.from)));
  switch (r.records) {
    case 'chain':
      return answer(await readPage(ctx, KeyTypes.certChain, [assetId], { size, bookmark: r.bookmark }));
    case 'issuances': {
      const page = await readPage<StoredIssuance>(ctx, KeyTypes.certIssuance, [assetId], {
        size,
        bookmark: r.bookmark,
        startKey: startKey(KeyTypes.certIssuance),
        stop: (s) => period !== undefined && s.record.hourStart >= period.to,
      });
      return answer({ items: page.items.map((s) => ({ record: s.record, txIds: s.txIds })), bookmark: page.bookmark });
    }
    case 'bundles': {
      const page = await readPage<CertificateBundle>(ctx, KeyTypes.certBundle, [assetId], {
        size,
        bookmark: r.bookmark,
        startKey: startKey(KeyTypes.certBundle),
        stop: (b) => period !== undefined && b.productionStart >= period.to,
      });
      return answer({ items: page.items.map(audited), bookmark: page.bookmark });
    }
    default:
      throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, 'records must be chain, issuances or bundles', { field: 'records' });
  }
}

/** `{ assetId, from, to }`: the accounts of an asset's hours in [from, to), at most MAX_ACCOUNT_HOURS. */
export async function hourAccountsOf(ctx: Context, r: Record<string, unknown>) {
  const assetId = checkId(r.assetId, 'assetId');
  const { from, to } = periodOf(r);
  const first = parseHourStart(from);
  const hours = (parseHourStart(to) - first) / HOUR_SECONDS;
  if (hours > MAX_ACCOUNT_HOURS)
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, `one call answers at most ${MAX_ACCOUNT_HOURS} hours`, { field: 'to' });
  const items = [];
  const skipped: { hourStart: string; code: string }[] = [];
  for (let k = 0; k < hours; k++) {
    const hourStart = formatInstant(first + k * HOUR_SECONDS);
    try {
      items.push(await hourAccountOf(ctx, assetId, hourStart));
    } catch (e) {
      // An hour with an open window or an estimated reading has no verified figure yet: named, not failed.
      if (!isGridLedgerError(e) || !UNSETTLED_HOUR.includes(e.code)) throw e;
      skipped.push({ hourStart, code: e.code });
    }
  }
  return { assetId, from, to, items, skipped };
}

/** `{ from, to, pageSize?, bookmark? }`: a page of the transfers and claims whose transaction hour is in [from, to), by hour. */
export async function listActions(ctx: Context, r: Record<string, unknown>) {
  const { from, to } = periodOf(r);
  return readPage<CertificateAction>(ctx, KeyTypes.certAction, [], {
    size: pageSizeOf(r.pageSize, MARKET_MAX_PAGE),
    bookmark: r.bookmark,
    startKey: key(ctx, KeyTypes.certAction, from),
    stop: (a) => a.at >= to,
  });
}
