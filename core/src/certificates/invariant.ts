/**
 * One claim per Wh across the market and the registry. Per asset and hour:
 *   bundled P2P Wh + certificate Wh in every state but withdrawn ≤ verified renewable export.
 * Anyone can evaluate it from the ledger (the audit command, a query). When a correction or a
 * resolved dispute lowers the verified figure, what no longer stands is withdrawn, newest first.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds } from '../core/identity';
import { CertificateBundle, certificateInputInvalid, compareBundles } from './bundle';
import { TokenShare } from '../metering/position';
import { CertifiableAsset, IssuanceRecord, RENEWABLE_SOURCES } from './issuance';
import { standingWh, withdrawRange } from './lifecycle';

/**
 * Energy of one asset and interval that a settled P2P trade moved to a buyer with its green
 * attribute: the tokens settlement transferred (reference: the settlement's posting or contract id).
 */
export interface BundledClaim {
  reference: string;
  buyerId: string;
  assetId: string;
  intervalStart: string;
  /** The Wh that still stand (after earlier withdrawals). */
  energyWh: number;
}

/** The bundled claims of one settlement move: one per asset whose tokens it moved to the buyer (`transferEnergyTokens`). */
export function bundledClaimsOf(
  move: { reference: string; buyerId: string; intervalStart: string },
  moved: readonly TokenShare[],
): BundledClaim[] {
  return moved.map((t) => ({ ...move, assetId: t.assetId, energyWh: t.energyWh }));
}

/**
 * Whether an asset's energy tokens carry a green attribute: the regulator verified the asset and
 * its source is renewable. Tokens of any other asset are energy only: they count in no matching
 * and in no certificate account.
 */
export function isGreenAsset(asset: Pick<CertifiableAsset, 'verified' | 'source'>): boolean {
  return asset.verified && (RENEWABLE_SOURCES as readonly string[]).includes(asset.source);
}

export interface HourAccount {
  verifiedExportWh: number;
  bundledWh: number;
  certificateWh: number;
  /** bundled + certificates − verified when positive: what must be withdrawn; else 0. */
  excessWh: number;
  holds: boolean;
}

function sumWh(claims: readonly Pick<BundledClaim, 'energyWh'>[]): number {
  let sum = 0;
  for (const c of claims) {
    if (!Number.isSafeInteger(c.energyWh) || c.energyWh < 0)
      throw certificateInputInvalid('energyWh', 'bundled Wh must be non-negative integers');
    sum += c.energyWh;
  }
  return sum;
}

/** The invariant for one asset and hour: the three figures and whether it holds. */
export function hourAccount(
  verifiedExportWh: number,
  bundled: readonly Pick<BundledClaim, 'energyWh'>[],
  bundles: readonly CertificateBundle[],
): HourAccount {
  if (!Number.isSafeInteger(verifiedExportWh) || verifiedExportWh < 0)
    throw certificateInputInvalid('verifiedExportWh', 'the verified export must be a non-negative integer');
  const bundledWh = sumWh(bundled);
  const certificateWh = standingWh(bundles);
  const excessWh = Math.max(0, bundledWh + certificateWh - verifiedExportWh);
  return { verifiedExportWh, bundledWh, certificateWh, excessWh, holds: excessWh === 0 };
}

/** A cut of a bundled claim: `energyWh` of it no longer stands. */
export type BundledCut = Pick<BundledClaim, 'reference' | 'buyerId' | 'intervalStart' | 'energyWh'>;

/**
 * Takes `wh` off bundled claims, newest first: from the latest interval back, and within an
 * interval from the highest reference (a zero-padded move number is newest at the top). Claims
 * are taken whole before the next is cut; at most all of them.
 */
export function cutBundledNewestFirst(claims: readonly BundledClaim[], wh: number): BundledCut[] {
  if (!Number.isSafeInteger(wh) || wh < 0) throw certificateInputInvalid('energyWh', 'the Wh to cut must be a non-negative integer');
  const cuts: BundledCut[] = [];
  let left = wh;
  const newestFirst = [...claims].sort((a, b) => compareIds(b.intervalStart, a.intervalStart) || compareIds(b.reference, a.reference));
  for (const c of newestFirst) {
    if (left === 0) break;
    const take = Math.min(left, c.energyWh);
    if (take === 0) continue;
    cuts.push({ reference: c.reference, buyerId: c.buyerId, intervalStart: c.intervalStart, energyWh: take });
    left -= take;
  }
  return cuts;
}

export interface LoweredFigureWithdrawal {
  /** Every bundle of the issuance after the withdrawal, to write. */
  bundles: CertificateBundle[];
  /** The certificate parts withdrawn, each with its previous status and holder. */
  withdrawnCertificates: CertificateBundle[];
  /** The bundled claims cut back, by how much. */
  withdrawnBundled: BundledCut[];
  /** The hour's record with the withdrawn certificates counted as corrected. */
  record: IssuanceRecord;
  account: HourAccount;
}

/**
 * The verified figure of an asset's hour went down to `verifiedExportWh`: withdraws the excess,
 * newest first. Certificates are newer than the hour's bundled claims (an hour is issued only once
 * its markets are settled), and among them a higher number is newer; so the highest standing
 * numbers go first, whatever their state (a claim that no longer stands is withdrawn too, and said
 * so), then bundled claims from the latest interval back (equal intervals: reference descending).
 */
export function withdrawForLoweredFigure(
  input: {
    record: IssuanceRecord;
    verifiedExportWh: number;
    bundled: readonly BundledClaim[];
    bundles: readonly CertificateBundle[];
    reason: string;
  },
  now: string,
): LoweredFigureWithdrawal {
  const { record } = input;
  if (input.bundles.some((b) => b.issuanceId !== record.issuanceId))
    throw certificateInputInvalid('bundles', 'a bundle of another issuance');
  if (input.bundled.some((c) => c.assetId !== record.assetId)) throw certificateInputInvalid('bundled', 'a bundled claim of another asset');
  const before = hourAccount(input.verifiedExportWh, input.bundled, input.bundles);
  if (input.verifiedExportWh > record.verifiedExportWh) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, 'the verified figure was not lowered: a raised one issues more', {
      field: 'verifiedExportWh',
    });
  }
  let left = before.excessWh;
  let bundles = [...input.bundles].sort(compareBundles);
  const withdrawnCertificates: CertificateBundle[] = [];
  const standing = bundles.filter((b) => b.status !== 'withdrawn').reverse();
  for (const b of standing) {
    if (left === 0) break;
    const take = Math.min(left, b.rangeEnd - b.rangeStart + 1);
    const result = withdrawRange(
      bundles,
      { issuanceId: b.issuanceId, rangeStart: b.rangeEnd - take + 1, rangeEnd: b.rangeEnd },
      { cause: 'lowered-figure', reason: input.reason },
      now,
    );
    bundles = result.bundles;
    withdrawnCertificates.push(...result.withdrawn);
    left -= take;
  }
  const withdrawnBundled = cutBundledNewestFirst(input.bundled, left);
  const certificatesWithdrawn = withdrawnCertificates.reduce((s, b) => s + b.rangeEnd - b.rangeStart + 1, 0);
  const bundledWithdrawn = withdrawnBundled.reduce((s, c) => s + c.energyWh, 0);
  const remainingBundled = [{ energyWh: before.bundledWh - bundledWithdrawn }];
  return {
    bundles,
    withdrawnCertificates,
    withdrawnBundled,
    record: {
      ...record,
      verifiedExportWh: input.verifiedExportWh,
      bundledWh: before.bundledWh - bundledWithdrawn,
      correctedWh: record.correctedWh + certificatesWithdrawn,
    },
    account: hourAccount(input.verifiedExportWh, remainingBundled, bundles),
  };
}
