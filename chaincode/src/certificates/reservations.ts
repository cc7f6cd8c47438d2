/**
 * Transfers the recipient accepts (docs/certificates.md, "Reserved transfers"): the holder reserves
 * part of a bundle for a recipient, the recipient accepts it, or either side releases it. The
 * reservation's transferId is the reserving transaction's id. Each action touches the bundle and
 * the index entries of the two parties only.
 */
import { Context } from 'fabric-contract-api';
import { CertificateBundle, completeTransfer, releaseTransfer, reserveTransfer } from '@gridledger/core';
import { checkId } from '../args';
import { txInstant } from '../ledger';
import { loadParticipant } from '../registry';
import { loadBundle, writeBundles } from './store';

/** `{ to, quantityWh }`: the holder reserves the first quantityWh of the bundle for `to`. */
export async function reserveBundle(
  ctx: Context,
  actor: string,
  bundleId: string,
  r: Record<string, unknown>,
): Promise<{ reserved: CertificateBundle; rest: CertificateBundle | null }> {
  const bundle = await loadBundle(ctx, bundleId);
  const to = checkId(r.to, 'to');
  await loadParticipant(ctx, to);
  const result = reserveTransfer(bundle, { actor, to, quantityWh: r.quantityWh as number, transferId: ctx.stub.getTxID() }, txInstant(ctx));
  await writeBundles(ctx, bundle, result.rest === null ? [result.reserved] : [result.reserved, result.rest]);
  return result;
}

/** The recipient accepts the transfer pending on the bundle: it becomes its own. Returns the bundle before and after. */
export async function acceptReservation(ctx: Context, actor: string, bundleId: string): Promise<[CertificateBundle, CertificateBundle]> {
  const bundle = await loadBundle(ctx, bundleId);
  const transferId = bundle.reservation?.transferId ?? '';
  const accepted = completeTransfer(bundle, { actor, transferId }, txInstant(ctx));
  await writeBundles(ctx, bundle, [accepted]);
  return [bundle, accepted];
}

/** The holder or the recipient calls the transfer pending on the bundle off. Returns the bundle before and after. */
export async function releaseReservation(ctx: Context, actor: string, bundleId: string): Promise<[CertificateBundle, CertificateBundle]> {
  const bundle = await loadBundle(ctx, bundleId);
  const released = releaseTransfer(bundle, { actor, transferId: bundle.reservation?.transferId ?? '' });
  await writeBundles(ctx, bundle, [released]);
  return [bundle, released];
}
