import { ErrorCodes, GridLedgerError, type SignedReading } from '@gridledger/core';

/** One reading's outcome in `metering:submitReadings`, as the chaincode returns it. */
export interface ReadingResult {
  /** Position of the reading in the submitted array. */
  index: number;
  meterId: string;
  intervalStart: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

/** A committed transaction of `metering:submitReadings`. */
export interface SubmitOutcome {
  txId: string;
  results: ReadingResult[];
}

/**
 * The ledger as the bridge sees it. An implementation resolves only once the transaction is
 * committed and valid; anything else is thrown as a GridLedgerError (LEDGER_UNAVAILABLE,
 * TRANSACTION_CONFLICT, READING_BATCH_INVALID, or the chaincode's own code).
 */
export interface LedgerSubmitter {
  submitReadings(readings: SignedReading[]): Promise<SubmitOutcome>;
  close?(): Promise<void> | void;
}

/**
 * What the bridge does when a whole transaction fails. Nothing that fails a whole batch drops
 * readings: an outage, an MVCC conflict, a refused identity or an unknown error are retried with
 * backoff (resubmitting is a no-op on the ledger). A batch the contract finds too large is split.
 */
export function failureAction(error: unknown): 'split' | 'retry' {
  return error instanceof GridLedgerError && error.code === ErrorCodes.READING_BATCH_INVALID ? 'split' : 'retry';
}

const STATUSES = new Set(['accepted', 'duplicate', 'rejected']);

/** Checks the chaincode's answer; throws INTERNAL (so the batch is retried) when it is not of the documented shape. */
export function parseSubmitOutcome(value: unknown, fallbackTxId?: string): SubmitOutcome {
  const bad = (why: string) => new GridLedgerError(ErrorCodes.INTERNAL, `submitReadings answered ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('no object');
  const { results, txId } = value as Record<string, unknown>;
  if (!Array.isArray(results)) throw bad('no results array');
  const id = typeof txId === 'string' && txId !== '' ? txId : fallbackTxId;
  if (id === undefined) throw bad('no txId');
  for (const r of results as unknown[]) {
    const rec = r as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || !Number.isSafeInteger(rec.index) || !STATUSES.has(rec.status as string)) {
      throw bad('a result of the wrong shape');
    }
  }
  return { txId: id, results: results as ReadingResult[] };
}
