import { canonicalJson } from '../core/canonical';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { clearAuction, ClearingResult } from './clearing';
import { Order, PriceParams } from './order';

/**
 * An interval's order book as the ledger gives it to an auditor (market:getClearingOrders) and as
 * `npm run audit -- --book FILE` reads it: the price parameters in force and the orders the
 * clearing took.
 */
export interface OrderBook {
  params: PriceParams;
  orders: Order[];
}

/** What an audit prints: the recomputed clearing, and where it differs from the recorded one. */
export interface AuditReport {
  /** null when there was no recorded clearing to compare with. */
  matches: boolean | null;
  /** One line per field that differs, e.g. `priceMicrosPerKwh: recorded 55, recomputed 56`. */
  differences: string[];
  recomputed: ClearingResult;
}

const COMPARED = [
  'inputDigest',
  'volumeWh',
  'priceMicrosPerKwh',
  'lowerMicrosPerKwh',
  'upperMicrosPerKwh',
  'marginalBidMicrosPerKwh',
  'marginalAskMicrosPerKwh',
] as const;

/** Reads a book from untrusted JSON (a file, or a ledger answer), refusing anything but its two fields. */
export function parseOrderBook(input: unknown): OrderBook {
  const record = input as Record<string, unknown>;
  if (typeof input !== 'object' || input === null || Array.isArray(input) || typeof record.params !== 'object' || record.params === null || !Array.isArray(record.orders)) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'an order book is { "params": {...}, "orders": [...] }', { path: 'book' });
  }
  return { params: record.params as PriceParams, orders: record.orders as Order[] };
}

/**
 * Recomputes a clearing from its book with the pure auction (which validates every order and
 * parameter) and compares it, field by field and trade by trade, with the recorded one.
 */
export function auditClearing(book: OrderBook, recorded?: ClearingResult): AuditReport {
  const recomputed = clearAuction(book.orders, book.params);
  if (recorded === undefined) return { matches: null, differences: [], recomputed };
  const differences: string[] = [];
  for (const field of COMPARED) {
    if (recorded[field] !== recomputed[field]) differences.push(`${field}: recorded ${String(recorded[field])}, recomputed ${String(recomputed[field])}`);
  }
  const listDiff = (name: 'fills' | 'trades') => {
    const a = recorded[name] ?? [];
    const b = recomputed[name];
    if (a.length !== b.length) differences.push(`${name}: recorded ${a.length}, recomputed ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (canonicalJson(a[i]) !== canonicalJson(b[i])) differences.push(`${name}[${i}]: recorded ${canonicalJson(a[i])}, recomputed ${canonicalJson(b[i])}`);
    }
  };
  listDiff('fills');
  listDiff('trades');
  return { matches: differences.length === 0, differences, recomputed };
}
