import { decodeErrorEnvelope, ErrorCodes, GridLedgerError, type ErrorDetails } from '@gridledger/core/core';

/** gRPC status codes the edge branches on (numbers, from the gRPC specification). */
export const GrpcStatus = {
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

/** Fabric transaction validation codes that mean "read something another transaction changed". */
export const MVCC_READ_CONFLICT = 11;
export const PHANTOM_READ_CONFLICT = 12;

/**
 * gRPC statuses that mean "the ledger cannot answer right now", not "this request is wrong": the
 * peer is away or overloaded, the call ran out of time or was cut, or the endorsement failed
 * without a code of the chaincode's (ABORTED: the chaincode did not run, or the endorsing peers
 * answered differently). UNKNOWN is not among them: a failure nobody can name is not known to pass.
 */
const TRANSIENT_GRPC: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.CANCELLED,
]);

/** Codes after which the same call can succeed later: the ledger or a collection is away for now, or a concurrent transaction won. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  ErrorCodes.LEDGER_UNAVAILABLE,
  ErrorCodes.TRANSACTION_CONFLICT,
  ErrorCodes.PRIVATE_DATA_UNAVAILABLE,
]);

/** Whether the same call may succeed when made again later, unchanged. */
export function isTransient(error: unknown): boolean {
  return error instanceof GridLedgerError && TRANSIENT_CODES.has(error.code);
}

/**
 * An error the chaincode itself answered with (its error envelope, decoded), as opposed to one the
 * network, the peer or this edge made of a failure. Only these can blame the request's content.
 */
export class ChaincodeError extends GridLedgerError {
  static of(error: GridLedgerError): ChaincodeError {
    return new ChaincodeError(error.code, error.message, error.details);
  }
}

interface FabricLikeError {
  message?: unknown;
  code?: unknown;
  details?: unknown;
  transactionId?: unknown;
}

/** The texts a Fabric error carries: its message and each endorser's detail message. */
function textsOf(e: FabricLikeError): string[] {
  const texts: string[] = [];
  if (typeof e.message === 'string') texts.push(e.message);
  if (Array.isArray(e.details)) {
    for (const d of e.details) {
      if (d && typeof (d as { message?: unknown }).message === 'string') texts.push((d as { message: string }).message);
    }
  } else if (typeof e.details === 'string') {
    texts.push(e.details);
  }
  return texts;
}

/**
 * The stable error in anything a Fabric call throws. A chaincode error crosses Fabric only as text,
 * so the core's envelope is looked for in the error's message and in each endorser's detail message
 * (found: a ChaincodeError); without one, only the gRPC status code decides (never the text):
 * transient statuses are LEDGER_UNAVAILABLE, every other INTERNAL. The original error is the
 * result's `cause` (not enumerable, so never in an HTTP body or a receipt), for the logs.
 */
export function fromFabricError(error: unknown): GridLedgerError {
  if (error instanceof GridLedgerError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as FabricLikeError;
  for (const text of textsOf(e)) {
    const decoded = decodeErrorEnvelope(text);
    if (decoded) return ChaincodeError.of(decoded);
  }
  const details: ErrorDetails = {};
  if (typeof e.transactionId === 'string' && e.transactionId) details.txId = e.transactionId;
  if (typeof e.code === 'number') details.grpcCode = e.code;
  const mapped =
    e.code === GrpcStatus.ABORTED
      ? new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'the chaincode could not endorse the transaction', details)
      : typeof e.code === 'number' && TRANSIENT_GRPC.has(e.code)
        ? new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'the ledger did not answer in time or cannot be reached', details)
        : new GridLedgerError(ErrorCodes.INTERNAL, 'unexpected ledger error', details);
  Object.defineProperty(mapped, 'cause', { value: error, enumerable: false });
  return mapped;
}

/**
 * Whether an endorsement failure names the peers that refused and none of them is of `mspId`: the
 * gateway's own organization either endorsed or was not asked.
 */
export function refusedOnlyElsewhere(error: unknown, mspId: string): boolean {
  const details = (error as FabricLikeError | undefined)?.details;
  if (!Array.isArray(details) || details.length === 0) return false;
  return details.every((d: { mspId?: unknown } | null) => typeof d?.mspId === 'string' && d.mspId !== mspId);
}

/** The text of what a Fabric call threw, for a log line: the mapped error's message and the original's. */
export function describeFabricError(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const own = error instanceof Error ? error.message : String(error);
  return cause instanceof Error && cause.message !== own ? `${own}: ${cause.message}` : own;
}
