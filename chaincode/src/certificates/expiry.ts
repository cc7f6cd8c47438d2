/**
 * The optional expiry record (docs/certificates.md, "Expiry"): a holder's bundles past their expiry
 * get the stored status `expired` and one CertificatesExpired event says so. Reads are right
 * without it (effectiveStatus); it only makes expiry visible as an event. At most
 * MAX_EXPIRIES_PER_TX bundles per transaction (`more` says to call again); running it again
 * changes nothing. Touches the holder's own bundles and index entries only.
 */
import { Context } from 'fabric-contract-api';
import { CertificateBundle, certificateIdOf, recordedExpiry } from '@gridledger/core';
import { KeyTypes } from '../keys';
import { txInstant } from '../ledger';
import { listRecords } from '../paging';
import { loadBundle, writeBundles } from './store';

export const MAX_EXPIRIES_PER_TX = 500;

/** The holder's bundles (and those reserved for it) whose expiry this transaction recorded, in key order. */
export async function recordHolderExpiry(ctx: Context, owner: string): Promise<{ expired: CertificateBundle[]; more: boolean }> {
  const now = txInstant(ctx);
  const expired: CertificateBundle[] = [];
  for (const { issuanceId, rangeStart } of await listRecords<{ issuanceId: string; rangeStart: number }>(ctx, KeyTypes.certHolding, [
    owner,
  ])) {
    const bundle = await loadBundle(ctx, certificateIdOf(issuanceId, rangeStart));
    const due = recordedExpiry(bundle, now);
    if (due === undefined) continue;
    if (expired.length === MAX_EXPIRIES_PER_TX) return { expired, more: true };
    await writeBundles(ctx, bundle, [due]);
    expired.push(due);
  }
  return { expired, more: false };
}
