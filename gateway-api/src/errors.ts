import { decodeErrorEnvelope, ErrorCode, ErrorCodes, ErrorDetails, GridLedgerError } from '@gridledger/core/core';

/**
 * The one table from stable error code to HTTP status. Typed as a Record over every code, so a code
 * added to the core does not build until it has a status here.
 */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  READING_MALFORMED: 400,
  READING_INTERVAL_MISALIGNED: 400,
  READING_BAD_SIGNATURE: 422,
  METER_NOT_REGISTERED: 404,
  METER_INACTIVE: 409,
  READING_CONFLICT: 409,
  READING_IN_FUTURE: 422,
  READING_TOO_LATE: 422,
  READING_EXPORT_IMPLAUSIBLE: 422,
  READING_SEQ_NOT_INCREASING: 422,
  READING_REGISTER_DECREASED: 422,
  READING_REGISTER_INCONSISTENT: 422,
  READING_IMPORT_IMPLAUSIBLE: 422,
  ASSET_INVALID: 400,
  ASSET_EXISTS: 409,
  ASSET_NOT_FOUND: 404,
  WINDOW_STATE_INVALID: 409,
  POSITION_NOT_FOUND: 404,
  TOKENS_INSUFFICIENT: 409,
  DISPUTE_INVALID: 409,
  DISPUTE_NOT_FOUND: 404,
  PRIVATE_DATA_UNAVAILABLE: 503,
  METER_KEY_INVALID: 400,
  PARTICIPANT_ID_INVALID: 400,
  PARTICIPANT_ROLE_INVALID: 400,
  PARTICIPANT_EXISTS: 409,
  CA_REQUEST_FAILED: 502,
  ORDER_ID_INVALID: 400,
  ORDER_PLACED_AT_INVALID: 400,
  ORDER_SIDE_INVALID: 400,
  ORDER_ENERGY_INVALID: 400,
  ORDER_PRICE_OUT_OF_BAND: 422,
  MARKET_PARAMS_INVALID: 400,
  METERING_PARAMS_INVALID: 400,
  CLEARING_BOOK_INVALID: 422,
  SETTLEMENT_INPUT_INVALID: 422,
  SETTLEMENT_METERING_INCOMPLETE: 409,
  AMOUNT_OUT_OF_RANGE: 422,
  INSUFFICIENT_CREDITS: 422,
  SELLER_CAPACITY_EXCEEDED: 422,
  INTERVAL_CLOSED: 409,
  INTERVAL_NOT_OPEN: 422,
  INTERVAL_INVALID: 400,
  INTERVAL_STATE_CONFLICT: 409,
  INTERVAL_NOT_FOUND: 404,
  CONTRACT_INVALID: 400,
  CONTRACT_NOT_FOUND: 404,
  CONTRACT_STATE_CONFLICT: 409,
  CLIENT_ID_REUSED: 409,
  ORDER_NOT_FOUND: 404,
  ORDER_SIDE_CONFLICT: 409,
  MARKET_NOT_FOUND: 404,
  BECKN_SIGNATURE_MISSING: 401,
  BECKN_SIGNATURE_MALFORMED: 401,
  BECKN_SIGNATURE_NOT_YET_VALID: 401,
  BECKN_SIGNATURE_EXPIRED: 401,
  BECKN_SIGNATURE_UNKNOWN_KEY: 401,
  BECKN_SIGNATURE_INVALID: 401,
  BECKN_KEY_INVALID: 400,
  CERTIFICATE_INPUT_INVALID: 400,
  CERTIFICATE_ASSET_UNVERIFIED: 422,
  CERTIFICATE_ASSET_NOT_RENEWABLE: 422,
  CERTIFICATE_HOUR_OPEN: 409,
  CERTIFICATE_HOUR_ESTIMATED: 409,
  CERTIFICATE_HOUR_ISSUED: 409,
  CERTIFICATE_NOT_FOUND: 404,
  CERTIFICATE_QUANTITY_EXCEEDED: 409,
  CERTIFICATE_CANCELLED: 409,
  CERTIFICATE_EXPIRED: 409,
  CERTIFICATE_WITHDRAWN: 409,
  CERTIFICATE_RESERVED: 409,
  CERTIFICATE_NOT_RESERVED: 409,
  CERTIFICATE_PERIOD_MISMATCH: 422,
  STORAGE_CHARGE_EXCEEDS_METERED: 422,
  ACCESS_DENIED: 403,
  UNAUTHENTICATED: 401,
  API_KEY_EXPIRED: 401,
  API_KEY_REVOKED: 401,
  API_KEY_NOT_FOUND: 404,
  REQUEST_INVALID: 400,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PARTICIPANT_NOT_FOUND: 404,
  METER_EXISTS: 409,
  METER_COMMUNITY_CONFLICT: 409,
  METER_INVALID: 400,
  READING_NOT_FOUND: 404,
  READING_BATCH_INVALID: 400,
  TRANSACTION_CONFLICT: 409,
  LEDGER_UNAVAILABLE: 503,
  BROKER_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const httpStatusOf = (code: ErrorCode): number => HTTP_STATUS[code] ?? 500;

/** gRPC status codes the gateway branches on (numbers, from the gRPC specification). */
export const GrpcStatus = {
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

/** Fabric transaction validation codes that mean "read something another transaction changed". */
export const MVCC_READ_CONFLICT = 11;
export const PHANTOM_READ_CONFLICT = 12;

interface FabricLikeError {
  message?: unknown;
  code?: unknown;
  details?: unknown;
  transactionId?: unknown;
}

/**
 * The stable error in anything a Fabric call throws. A chaincode error crosses Fabric only as text,
 * so the core's envelope is looked for in the error's message and in each endorser's detail message;
 * without one, only the gRPC status code decides (never the text).
 */
export function fromFabricError(error: unknown): GridLedgerError {
  if (error instanceof GridLedgerError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as FabricLikeError;
  const texts: string[] = [];
  if (typeof e.message === 'string') texts.push(e.message);
  if (Array.isArray(e.details)) {
    for (const d of e.details) {
      if (d && typeof (d as { message?: unknown }).message === 'string') texts.push((d as { message: string }).message);
    }
  } else if (typeof e.details === 'string') {
    texts.push(e.details);
  }
  for (const text of texts) {
    const decoded = decodeErrorEnvelope(text);
    if (decoded) return decoded;
  }
  const details: ErrorDetails = {};
  if (typeof e.transactionId === 'string' && e.transactionId) details.txId = e.transactionId;
  if (typeof e.code === 'number') details.grpcCode = e.code;
  switch (e.code) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'the ledger did not answer in time or cannot be reached', details);
    case GrpcStatus.ABORTED:
      // Endorsement failed without a GridLedger error: the chaincode did not run (not reachable,
      // not started, or it failed before it could answer with a code of its own).
      return new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'the chaincode could not endorse the transaction', details);
    default:
      return new GridLedgerError(ErrorCodes.INTERNAL, 'unexpected ledger error', details);
  }
}

/** The HTTP error body every endpoint uses. */
export function errorBody(error: GridLedgerError): { error: { code: ErrorCode; message: string; details: ErrorDetails } } {
  return { error: error.toJSON() };
}

export { ErrorCodes, GridLedgerError };
