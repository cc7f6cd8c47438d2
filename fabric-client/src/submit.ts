import { performance } from 'node:perf_hooks';
import type { Contract } from '@hyperledger/fabric-gateway';
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { ChaincodeError, fromFabricError, GrpcStatus, MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT, refusedOnlyElsewhere } from './errors';
import type { FabricMetrics } from './metrics';

/** What a submission may add to a proposal. */
export interface SubmitOptions {
  transient?: Record<string, Uint8Array>;
  endorsingOrganizations?: string[];
  /** The endorsement's deadline instead of the connection's (the peer gateway's own endorsementTimeout, 30 s, still applies). */
  endorseDeadlineMs?: number;
  /**
   * The MSP of the gateway's own peer, which has committed every transaction this process waited
   * for. A refusal by the chaincode on other organizations' peers only may come from a peer a block
   * behind (a record just written is not there yet), so it is proposed again, at most twice.
   */
  localMspId?: string;
}

/** Proposals of a transaction refused only by other organizations' peers, and the first wait before the next. */
const STALE_ATTEMPTS = 3;
const STALE_BACKOFF_MS = 250;

/** Attempts of a transaction invalidated by an MVCC or phantom read conflict (or an aborted endorsement), and the first backoff. */
export interface RetryOptions {
  attempts?: number;
  backoffMs?: number;
}

/** A committed, valid transaction: the chaincode's result bytes, and where the last attempt's time went. */
export interface Submitted {
  result: Uint8Array;
  txId: string;
  blockNumber: bigint;
  timings: { endorseMs: number; commitMs: number };
}

/** The part of a fabric-gateway Contract a submission uses. */
export type ProposalMaker = Pick<Contract, 'newProposal'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The wait before attempt `attempt + 1`: doubling from `backoffMs`, with jitter that spreads transactions that conflicted. */
export function retryDelayMs(attempt: number, backoffMs: number, random: () => number = Math.random): number {
  const base = backoffMs * 2 ** (attempt - 1);
  return base + Math.floor(random() * base);
}

/**
 * Endorses, submits and waits for the commit status. A transaction invalidated by an MVCC or
 * phantom read conflict is proposed again (a new transaction id, the same arguments, so the same
 * business ids) after a growing, jittered backoff; after the last attempt it is TRANSACTION_CONFLICT.
 * An endorsement that failed without a code of the chaincode's (gRPC ABORTED: the endorsing peers
 * answered differently, as when a concurrent transaction committed on one of them between their
 * reads, or the chaincode did not run) is proposed again the same way: nothing was ordered, so
 * the retry cannot do anything twice. After the last attempt its LEDGER_UNAVAILABLE goes out.
 * A chaincode refusal from other organizations' peers only (see SubmitOptions.localMspId) is
 * proposed again too, after 250 to 500 ms and then 500 to 1,000 ms; after that it goes out as it is.
 * Every failure leaves as a GridLedgerError (fromFabricError) with the transaction id in its details.
 */
export async function submitWithRetry(
  contract: ProposalMaker,
  fn: string,
  args: string[],
  retry: RetryOptions = {},
  options: SubmitOptions = {},
  metrics?: FabricMetrics,
): Promise<Submitted> {
  const attempts = retry.attempts ?? 4;
  const backoffMs = retry.backoffMs ?? 100;
  let txId = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let endorsed = false;
    let conflicted = false;
    try {
      const proposal = contract.newProposal(fn, {
        arguments: args,
        ...(options.transient !== undefined ? { transientData: options.transient } : {}),
        ...(options.endorsingOrganizations !== undefined ? { endorsingOrganizations: options.endorsingOrganizations } : {}),
      });
      txId = proposal.getTransactionId();
      const started = performance.now();
      const submitTimer = metrics?.submitSeconds.startTimer({ transaction: fn });
      const deadline = options.endorseDeadlineMs !== undefined ? { deadline: Date.now() + options.endorseDeadlineMs } : undefined;
      const transaction = await proposal.endorse(deadline);
      endorsed = true;
      const result = transaction.getResult();
      const submitted = await transaction.submit();
      submitTimer?.();
      const endorsedAt = performance.now();
      const commitTimer = metrics?.commitSeconds.startTimer({ transaction: fn });
      const status = await submitted.getStatus();
      commitTimer?.();
      const timings = { endorseMs: Math.round(endorsedAt - started), commitMs: Math.round(performance.now() - endorsedAt) };
      if (status.successful) return { result, txId, blockNumber: status.blockNumber, timings };
      if (status.code !== MVCC_READ_CONFLICT && status.code !== PHANTOM_READ_CONFLICT) {
        const details = { txId, validationCode: status.code };
        throw new GridLedgerError(ErrorCodes.INTERNAL, `transaction ${txId} was invalidated at commit`, details);
      }
      conflicted = true;
    } catch (e) {
      const error = fromFabricError(e);
      if (txId && error.details.txId === undefined) error.details.txId = txId;
      const endorsementAborted = !endorsed && error.code === ErrorCodes.LEDGER_UNAVAILABLE && error.details.grpcCode === GrpcStatus.ABORTED;
      const staleElsewhere =
        !endorsed &&
        error instanceof ChaincodeError &&
        options.localMspId !== undefined &&
        refusedOnlyElsewhere(e, options.localMspId) &&
        attempt < Math.min(attempts, STALE_ATTEMPTS);
      if (staleElsewhere) {
        await sleep(retryDelayMs(attempt, STALE_BACKOFF_MS));
        continue;
      }
      if (!endorsementAborted || attempt >= attempts) throw error;
    }
    if (attempt < attempts) {
      if (conflicted) metrics?.mvccRetries.inc({ transaction: fn });
      await sleep(retryDelayMs(attempt, backoffMs));
    }
  }
  const message = `read conflicts in ${attempts} attempts; retry with the same ids`;
  throw new GridLedgerError(ErrorCodes.TRANSACTION_CONFLICT, message, { txId, attempts });
}
