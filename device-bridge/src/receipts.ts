import { ErrorCodes, GridLedgerError } from '@gridledger/core';
import type { JournalEntry } from './journal';
import type { SubmitOutcome } from './ledger';

/**
 * What a meter gets back on `gridledger/v1/{communityId}/meters/{meterId}/receipts` (QoS 1):
 * accepted with the id of the transaction that carried the reading, duplicate with the id of the
 * transaction that recorded it first (not the resubmitting one), or rejected
 * with the stable error code (with the txId of the transaction that rejected it, none when the
 * bridge refused the payload before the ledger).
 */
export interface Receipt {
  meterId: string;
  intervalStart?: string;
  seq?: number;
  status: 'accepted' | 'duplicate' | 'rejected';
  txId?: string;
  code?: string;
  message?: string;
  /** A rejection the bridge found by isolating a refused batch: the reading is kept in its dead-letter file. */
  parked?: boolean;
}

/**
 * Receipt for a payload the bridge refuses itself (not JSON, not a reading, topic and reading
 * disagree). The meter comes from the topic; intervalStart and seq are echoed when the payload
 * has them in the right type, so the meter can tell which reading it was.
 */
export function rejectedReceipt(topicMeterId: string, payload: unknown, error: unknown): Receipt {
  const e = error instanceof GridLedgerError ? error : new GridLedgerError(ErrorCodes.READING_MALFORMED, 'reading is not valid JSON');
  const receipt: Receipt = { meterId: topicMeterId, status: 'rejected', code: e.code, message: e.message };
  if (typeof payload === 'object' && payload !== null) {
    const { intervalStart, seq } = payload as Record<string, unknown>;
    if (typeof intervalStart === 'string' && intervalStart.length <= 64) receipt.intervalStart = intervalStart;
    if (typeof seq === 'number' && Number.isSafeInteger(seq)) receipt.seq = seq;
  }
  return receipt;
}

export interface OutcomeReceipts {
  receipts: Receipt[];
  /** Journal ids with a result: finished once their receipts are out. */
  doneIds: number[];
  /** Journal ids the answer said nothing about (or named wrongly): they stay pending and are resubmitted. */
  retryIds: number[];
}

/** Pairs a transaction's per-reading results with the batch that was submitted, by index. */
export function receiptsForOutcome(batch: readonly JournalEntry[], outcome: SubmitOutcome): OutcomeReceipts {
  const byIndex = new Map(outcome.results.map((r) => [r.index, r]));
  const receipts: Receipt[] = [];
  const doneIds: number[] = [];
  const retryIds: number[] = [];
  batch.forEach((entry, index) => {
    const result = byIndex.get(index);
    const { meterId, intervalStart, seq } = entry.reading;
    if (!result || result.meterId !== meterId || result.intervalStart !== intervalStart) {
      retryIds.push(entry.id);
      return;
    }
    // A duplicate names the transaction that recorded the reading first (parseSubmitOutcome checked
    // it is there); a reading the contract rejected names the transaction that judged it, for the audit trail.
    const txId = result.status === 'duplicate' ? String(result.details!.txId) : outcome.txId;
    const receipt: Receipt = { meterId, intervalStart, seq, status: result.status, txId };
    if (result.status === 'rejected') {
      receipt.code = result.code ?? ErrorCodes.INTERNAL;
      if (result.message !== undefined) receipt.message = result.message;
    }
    receipts.push(receipt);
    doneIds.push(entry.id);
  });
  return { receipts, doneIds, retryIds };
}

/** Receipt for a reading parked in the dead-letter file: no transaction carried it, the chaincode's code says why. */
export function parkedReceipt(entry: JournalEntry, error: GridLedgerError): Receipt {
  const { meterId, intervalStart, seq } = entry.reading;
  return { meterId, intervalStart, seq, status: 'rejected', code: error.code, message: error.message, parked: true };
}
