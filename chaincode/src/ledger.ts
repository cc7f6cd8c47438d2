/**
 * The few things every contract does with the stub: canonical JSON values, events and the
 * transaction's time. Keys are built in keys.ts, access is checked in access.ts, arguments are
 * parsed in args.ts, ranges are read in paging.ts, and respond.ts wraps every transaction.
 */
import { Context } from 'fabric-contract-api';
import { canonicalJson, formatInstant } from '@gridledger/core';

export async function getRecord<T>(ctx: Context, stateKey: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(stateKey);
  if (bytes === undefined || bytes === null || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export async function putRecord(ctx: Context, stateKey: string, value: unknown): Promise<void> {
  await ctx.stub.putState(stateKey, Buffer.from(canonicalJson(value), 'utf8'));
}

export function setEvent(ctx: Context, name: string, payload: unknown): void {
  ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload), 'utf8'));
}

/** The transaction's timestamp (set by the client, the same on every endorser) in epoch seconds. */
export function txSeconds(ctx: Context): number {
  const { seconds } = ctx.stub.getTxTimestamp();
  return Number(seconds.toString());
}

export const txInstant = (ctx: Context): string => formatInstant(txSeconds(ctx));
