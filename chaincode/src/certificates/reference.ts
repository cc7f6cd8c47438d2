/**
 * Idempotent certificate actions (transfer, claim, reservation and its acceptance or release): a
 * request with a `reference` runs once per caller and reference, as credit operations do
 * (../once.ts); its retry answers the first result, the reference reused for another action, bundle
 * or content is CLIENT_ID_REUSED. The key is the caller's own (certRef~actor~reference): no hot key.
 * A request without a reference runs as before and is not idempotent.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes } from '@gridledger/core';
import { checkId } from '../args';
import { key, KeyTypes } from '../keys';
import { once } from '../once';

export async function onceByReference(
  ctx: Context,
  actor: string,
  action: string,
  bundleId: string,
  request: Record<string, unknown>,
  body: () => Promise<unknown>,
): Promise<unknown> {
  const { reference: given, ...content } = request;
  if (given === undefined) return body();
  const reference = checkId(given, 'reference', ErrorCodes.CERTIFICATE_INPUT_INVALID);
  return once(ctx, key(ctx, KeyTypes.certRef, actor, reference), reference, { action, bundleId: String(bundleId), ...content }, body);
}
