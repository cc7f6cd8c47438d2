/**
 * The regulator's audit of an interval in the browser: the clearing recomputed from the recorded book
 * (GET .../orders) with the core's own rules (clearMarket, the code the chaincode runs) and compared
 * field by field with the clearing record (clearingDifferences), as `npm run audit` does.
 */
import {
  clearingDifferences,
  clearMarket,
  type ClearingNetwork,
  type MarketClearing,
  type MarketParams,
  type Order,
} from '@gridledger/core/market';

export interface RecordedBook {
  params: Pick<MarketParams, 'feedInMicrosPerKwh' | 'retailMicrosPerKwh' | 'gridFeeMicrosPerKwh' | 'kPpm' | 'clearingMethod'>;
  orders: Order[];
  network?: ClearingNetwork;
}

export interface Verdict {
  matches: boolean;
  /** The fields of the record the recomputation does not reproduce. */
  differences: string[];
  orderCount: number;
  recomputed: MarketClearing;
}

export function auditClearing(book: RecordedBook, recorded: Record<string, unknown>): Verdict {
  const recomputed = clearMarket(book.orders, book.params, book.network ?? null);
  const differences = clearingDifferences(recomputed as unknown as Record<string, unknown>, recorded);
  return {
    matches: differences.length === 0,
    differences,
    orderCount: book.orders.length,
    recomputed,
  };
}
