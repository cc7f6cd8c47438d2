/**
 * Response schemas from the transaction catalogue (core/src/catalogue): a route that answers with a
 * transaction's result documents exactly the catalogue's result type, with the transaction id a
 * write adds (`{ ...result, txId }`, as the routes answer).
 */
import type { Transaction } from '@gridledger/core/catalogue';

type ObjectSchema = { type?: string; properties?: Record<string, object>; required?: string[] };

/** The JSON a route answers with for `tx`: its result, and for a submitted one its txId too. */
export function answerSchema(tx: Transaction): object {
  if (tx.kind === 'evaluate') return tx.result;
  const result = tx.result as ObjectSchema;
  if (result.type !== 'object' || result.properties === undefined)
    throw new Error(`${tx.fn}: a write's result must be an object to carry txId`);
  const required = [...new Set([...(result.required ?? []), 'txId'])];
  return { ...result, properties: { ...result.properties, txId: { type: 'string' } }, required };
}

/** An OpenAPI response of `tx`'s answer. */
export const answer = (tx: Transaction, description = 'OK') => ({
  description,
  content: { 'application/json': { schema: answerSchema(tx) } },
});
