import { ChaincodeError, isTransient } from '@gridledger/fabric-client';
import { ErrorCodes, GridLedgerError, type MeteringParams, type ReadingResult, type SignedReading } from '@gridledger/core';

/** A committed transaction of `metering:submitReadings`. */
export interface SubmitOutcome {
  txId: string;
  results: ReadingResult[];
  /** Where the transaction's time went, for the log: endorsement, then ordering and commit. */
  timings?: { endorseMs: number; commitMs: number };
}

/**
 * The ledger as the bridge sees it. An implementation resolves only once the transaction is
 * committed and valid; anything else is thrown as a GridLedgerError (LEDGER_UNAVAILABLE,
 * TRANSACTION_CONFLICT, READING_BATCH_INVALID, or the chaincode's own code).
 */
export interface LedgerSubmitter {
  submitReadings(readings: SignedReading[]): Promise<SubmitOutcome>;
  /** `metering:getParams`: the interval length readings must be aligned to is the bridge's concern. */
  getMeteringParams(): Promise<MeteringParams>;
  close?(): Promise<void> | void;
}

/**
 * Codes about the bridge's identity, not about any reading: every reading would fail alone too,
 * so they are retried (as the edge's transient codes are) rather than isolated.
 */
const IDENTITY_CODES = new Set<string>([ErrorCodes.ACCESS_DENIED, ErrorCodes.UNAUTHENTICATED]);

/**
 * What the bridge does when a whole transaction fails. Nothing that fails a whole batch drops
 * readings.
 * - `split`: the contract found the batch too large (READING_BATCH_INVALID): smaller batches.
 * - `isolate`: the chaincode refused the batch with a stable code that no retry can change (a
 *   reading it cannot process): the batch is halved until the reading(s) that fail alone are
 *   found; those are parked in the dead-letter file, the others submitted.
 * - `retry`: an outage, an MVCC conflict, a collection away (isTransient), a refused identity, or an error that is not the
 *   chaincode's own (INTERNAL made by the bridge of an unknown failure, an invalid commit):
 *   the same readings again after a backoff of their meters (resubmitting is a no-op on the ledger).
 */
export function failureAction(error: unknown): 'split' | 'retry' | 'isolate' {
  if (!(error instanceof GridLedgerError)) return 'retry';
  if (error.code === ErrorCodes.READING_BATCH_INVALID) return 'split';
  if (error instanceof ChaincodeError && !isTransient(error) && !IDENTITY_CODES.has(error.code)) return 'isolate';
  return 'retry';
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
    if (rec.status === 'duplicate' && typeof (rec.details as Record<string, unknown> | undefined)?.txId !== 'string') {
      throw bad('a duplicate without the txId of its first recording');
    }
  }
  return { txId: id, results: results as ReadingResult[] };
}

export { ChaincodeError };
