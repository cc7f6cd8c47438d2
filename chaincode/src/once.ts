/**
 * Idempotent retries under a client's reference (credits, certificate actions): the first request
 * under a reference is run and its result kept on a key of the caller's own (never a global one);
 * a retry with the same request gets that result back, the same reference for another request is
 * CLIENT_ID_REUSED.
 */
import { Context } from 'fabric-contract-api';
import { canonicalJson, ErrorCodes, GridLedgerError } from '@gridledger/core';
import { getRecord, putRecord } from './ledger';

/** Runs `body` once per `refKey`: the key names the caller and its `reference` (for example creditRef~actor~reference). */
export async function once(
  ctx: Context,
  refKey: string,
  reference: string,
  request: unknown,
  body: () => Promise<unknown>,
): Promise<unknown> {
  const previous = await getRecord<{ request: string; result: unknown }>(ctx, refKey);
  const text = canonicalJson(request);
  if (previous !== undefined) {
    if (previous.request !== text)
      throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `reference ${reference} was used for another request`, { reference });
    return previous.result;
  }
  const result = await body();
  await putRecord(ctx, refKey, { request: text, result });
  return result;
}
