/**
 * The regulator's audit of an interval in the browser: the clearing recomputed from the recorded book
 * (GET .../orders) with the core's own rules (recomputeClearing: the auction the chaincode runs, and the
 * island's curtailment and the load shedding when the book names them) and compared field by field with
 * the clearing record (clearingDifferences), as `npm run audit` does.
 */
import { recomputeClearing, type RecomputedClearing, type RecordedBook } from '@gridledger/core/grid';
import { clearingDifferences } from '@gridledger/core/market';

export type { RecordedBook };

export interface Verdict {
  matches: boolean;
  /** The fields of the record the recomputation does not reproduce. */
  differences: string[];
  orderCount: number;
  recomputed: RecomputedClearing;
}

export function auditClearing(book: RecordedBook, recorded: Record<string, unknown>): Verdict {
  const recomputed = recomputeClearing(book);
  const differences = clearingDifferences(recomputed as unknown as Record<string, unknown>, recorded);
  return {
    matches: differences.length === 0,
    differences,
    orderCount: book.orders.length,
    recomputed,
  };
}
