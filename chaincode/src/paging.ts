/**
 * Range reads under a partial composite key: every record (listRecords), or one page of them
 * (readPage) for the queries that page. A page's bookmark is the key of the first record of the
 * next page, base64url-encoded, or '' when none follows; a bookmark outside the query's range is
 * refused, so that no page reaches another participant's records.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError } from '@gridledger/core';
import { key, KeyType } from './keys';

/** The page size when a query names none. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest page of the market's and credits' queries (listOrders, listResults, getStatement), as their OpenAPI says. */
export const MARKET_MAX_PAGE = 1000;
/** The largest page of the energy queries (listPositions, listTokenMoves), as their OpenAPI says. */
export const ENERGY_MAX_PAGE = 500;
/** The largest page of the lists (chaincode/src/lists) and of an index backfill page, as their OpenAPI says. */
export const LIST_MAX_PAGE = 500;

/** A page size: a safe integer from 1 to `max` (a number, or its decimal text as string arguments carry it); DEFAULT_PAGE_SIZE when
 * absent. */
export function pageSizeOf(value: unknown, max: number): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `pageSize must be 1 to ${max}`, { field: 'pageSize' });
  }
  return n;
}

/** Every record under `type` and the leading `attributes`, in key order. */
export async function listRecords<T>(ctx: Context, type: KeyType, attributes: string[]): Promise<T[]> {
  const out: T[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(type, attributes)) {
    out.push(JSON.parse(Buffer.from(entry.value).toString('utf8')) as T);
  }
  return out;
}

export interface PageQuery<T> {
  size: number;
  /** From the previous page; '' or undefined: the first page. */
  bookmark: unknown;
  /** Where the first page starts (a key inside the range); default: the range's first key. */
  startKey?: string;
  /** The page ends before the first record this holds for, with no bookmark (a range with an upper bound). */
  stop?: (value: T) => boolean;
}

const encodeBookmark = (k: string): string => Buffer.from(k, 'utf8').toString('base64url');

function decodeBookmark(bookmark: unknown, prefix: string): string | undefined {
  if (bookmark === undefined || bookmark === '') return undefined;
  const k =
    typeof bookmark === 'string' && /^[A-Za-z0-9_-]{1,1024}$/.test(bookmark) ? Buffer.from(bookmark, 'base64url').toString('utf8') : '';
  if (!k.startsWith(prefix))
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'bookmark is not one this ledger returned', { field: 'bookmark' });
  return k;
}

/** One page of the records under `type` and the leading `attributes`, in key order, and the bookmark of the next. */
export async function readPage<T>(
  ctx: Context,
  type: KeyType,
  attributes: string[],
  query: PageQuery<T>,
): Promise<{ items: T[]; bookmark: string }> {
  const from = decodeBookmark(query.bookmark, key(ctx, type, ...attributes)) ?? query.startKey ?? '';
  const items: T[] = [];
  let next = '';
  for await (const entry of ctx.stub.getStateByPartialCompositeKeyWithPagination(type, attributes, query.size + 1, from)) {
    const value = JSON.parse(Buffer.from(entry.value).toString('utf8')) as T;
    if (query.stop?.(value)) break;
    if (items.length === query.size) {
      next = encodeBookmark(entry.key);
      break;
    }
    items.push(value);
  }
  return { items, bookmark: next };
}

/**
 * One page of the records an index names: up to `size` records that `load` keeps (undefined: left
 * out, as a filtered-out record), reading at most `scan` index entries under `type` and the leading
 * `attributes`, so a page of a sparse filter may hold fewer than `size` with a bookmark still to
 * follow; the bookmark is the next index entry's key.
 */
export async function readIndexPage<R, T>(
  ctx: Context,
  type: KeyType,
  attributes: string[],
  query: { size: number; scan: number; bookmark: unknown },
  load: (entry: R) => Promise<T | undefined>,
): Promise<{ items: T[]; bookmark: string }> {
  const from = decodeBookmark(query.bookmark, key(ctx, type, ...attributes)) ?? '';
  const items: T[] = [];
  let scanned = 0;
  let next = '';
  for await (const entry of ctx.stub.getStateByPartialCompositeKeyWithPagination(type, attributes, query.scan + 1, from)) {
    if (items.length === query.size || scanned === query.scan) {
      next = encodeBookmark(entry.key);
      break;
    }
    scanned += 1;
    const value = await load(JSON.parse(Buffer.from(entry.value).toString('utf8')) as R);
    if (value !== undefined) items.push(value);
  }
  return { items, bookmark: next };
}
