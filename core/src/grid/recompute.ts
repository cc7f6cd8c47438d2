/**
 * An interval's clearing recomputed from its recorded book (`GET …/intervals/{start}/orders`, or a
 * book file) with the rules the chaincode ran: the auction over the book (zonal over the recorded
 * network when the interval cleared zonal), the island's curtailment when the book names the island
 * (docs/islanding.md) and the load shedding when it names the orders in force. The audit command
 * and the portal's audit in the browser compare the result with the record (clearingDifferences).
 */
import { clearMarket, ClearingNetwork, MarketClearing } from '../market/clearing-method';
import { Order } from '../market/order';
import { MarketParams } from '../market/params';
import { IslandClearing, islandClearing } from './island-interval';
import { SheddingBook, SheddingClearing, sheddingClearing } from './shedding';

/** A book as the ledger answers it: the prices in force, the orders, and what the clearing read besides them. */
export interface RecordedBook {
  params: Pick<MarketParams, 'feedInMicrosPerKwh' | 'retailMicrosPerKwh' | 'gridFeeMicrosPerKwh' | 'kPpm' | 'clearingMethod'>;
  orders: Order[];
  network?: ClearingNetwork;
  island?: Parameters<typeof islandClearing>[1];
  shedding?: SheddingBook;
}

export interface RecomputedClearing extends MarketClearing {
  island?: IslandClearing;
  shedding?: SheddingClearing;
}

export function recomputeClearing(book: RecordedBook): RecomputedClearing {
  return {
    ...clearMarket(book.orders, book.params, book.network ?? null),
    ...(book.island !== undefined ? { island: islandClearing(book.orders, book.island) } : {}),
    ...(book.shedding !== undefined ? { shedding: sheddingClearing(book.orders, book.shedding) } : {}),
  };
}
