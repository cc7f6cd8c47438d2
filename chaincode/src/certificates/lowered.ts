/**
 * Withdrawal for a lowered figure (docs/certificates.md, "A lowered figure"): a resolved dispute
 * lowered a meter's export of a closed interval, so the verified export of the hour holding it may
 * no longer cover the certificates issued for each of the meter's assets. What no longer stands is
 * withdrawn newest first (core's withdrawForLoweredFigure), the issuance record takes the new
 * figure, and the asset's issuance cursor advances, so the Regulator's peer endorses this as it
 * endorses issuance. Bundled claims the new figure no longer covers are cut (bundled-cuts.ts). A
 * separate transaction from the resolution: that one is endorsed by the consumption collection's
 * members only, which the Regulator is not. Running it again changes nothing.
 */
import { Context } from 'fabric-contract-api';
import {
  CertificateBundle,
  formatInstant,
  HOUR_SECONDS,
  HourAccount,
  issuanceIdOf,
  MeteredAsset,
  parseInstant,
  verifiedHourExport,
  withdrawForLoweredFigure,
} from '@gridledger/core';
import { KeyTypes } from '../keys';
import { putRecord, txInstant } from '../ledger';
import { listRecords } from '../paging';
import { loadHour } from './hour';
import { writeCuts } from './bundled-cuts';
import { advanceIssuer, bundlesOf, issuanceKey, readIssuance, writeBundles } from './store';

export interface LoweredHour {
  assetId: string;
  producerId: string;
  issuanceId: string;
  hourStart: string;
  previousExportWh: number;
  verifiedExportWh: number;
  withdrawn: CertificateBundle[];
  /** Bundled P2P Wh the lowered figure no longer covers, cut from the buyers' claims newest first (the tokens stay theirs). */
  bundledWithdrawn: { intervalStart: string; buyerId: string; settlement: string; energyWh: number }[];
  account: HourAccount;
}

/** The hour holding an interval start (UTC, on the hour). */
function hourOf(intervalStart: string): string {
  const t = parseInstant(intervalStart) ?? NaN;
  return formatInstant(t - (t % HOUR_SECONDS));
}

/** One asset's hour: undefined when it was never issued or its figure was not lowered. */
async function lowerHour(ctx: Context, assetId: string, hourStart: string): Promise<LoweredHour | undefined> {
  const issuanceId = issuanceIdOf(assetId, hourStart);
  const stored = await readIssuance(ctx, assetId, issuanceId);
  if (stored === undefined) return undefined;
  const hour = await loadHour(ctx, assetId, hourStart);
  const verifiedExportWh = verifiedHourExport(hour.asset, hour.meterAssets, hourStart, hour.intervalSeconds, hour.intervals);
  if (verifiedExportWh >= stored.record.verifiedExportWh) return undefined;
  const reason = `the verified export of ${hourStart} was lowered to ${verifiedExportWh} Wh`;
  const now = txInstant(ctx);
  const result = withdrawForLoweredFigure(
    { record: stored.record, verifiedExportWh, bundled: hour.claims, bundles: await bundlesOf(ctx, assetId, issuanceId), reason },
    now,
  );
  await writeBundles(ctx, undefined, result.bundles);
  const cut = await writeCuts(ctx, hour.record.participantId, assetId, hour.claims, result.withdrawnBundled, reason);
  await putRecord(ctx, issuanceKey(ctx, assetId, issuanceId), { ...stored, record: result.record });
  await advanceIssuer(ctx, assetId, { loweredFigure: result.record, txId: ctx.stub.getTxID() });
  return {
    assetId,
    producerId: hour.record.participantId,
    issuanceId,
    hourStart,
    previousExportWh: stored.record.verifiedExportWh,
    verifiedExportWh,
    withdrawn: result.withdrawnCertificates,
    bundledWithdrawn: cut.map(({ intervalStart, buyerId, settlement, energyWh }) => ({ intervalStart, buyerId, settlement, energyWh })),
    account: result.account,
  };
}

/** Every asset of the meter whose hour holding `intervalStart` was issued and is now lowered, in asset id order. */
export async function withdrawLoweredHours(ctx: Context, meterId: string, intervalStart: string): Promise<LoweredHour[]> {
  const hourStart = hourOf(intervalStart);
  const out: LoweredHour[] = [];
  for (const { assetId } of await listRecords<MeteredAsset>(ctx, KeyTypes.assetByMeter, [meterId])) {
    const lowered = await lowerHour(ctx, assetId, hourStart);
    if (lowered !== undefined) out.push(lowered);
  }
  return out;
}
