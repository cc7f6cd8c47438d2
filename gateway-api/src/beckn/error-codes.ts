import type { BecknErrorObject } from './schemas';

/**
 * The error codes of BECKN-005 (a BPP's errors, in a NACK or in a callback's `error`), named here
 * by what they mean. The code travels as text, as the specification's Error object has it.
 */
export const BecknErrorCodes = {
  INVALID_REQUEST: '30000',
  PROVIDER_NOT_FOUND: '30001',
  PROVIDER_LOCATION_NOT_FOUND: '30002',
  ITEM_NOT_FOUND: '30004',
  FULFILLMENT_UNAVAILABLE: '30008',
  ORDER_NOT_FOUND: '30010',
  INVALID_CANCELLATION_REASON: '30011',
  INVALID_UPDATE_TARGET: '30012',
  UPDATE_INCONSISTENT: '30013',
  RATED_ENTITY_NOT_FOUND: '30014',
  INVALID_RATING_VALUE: '30015',
  BUSINESS_ERROR: '40000',
  ACTION_NOT_APPLICABLE: '40001',
  ITEM_QUANTITY_UNAVAILABLE: '40002',
  QUOTE_UNAVAILABLE: '40003',
  PAYMENT_NOT_SUPPORTED: '40004',
  TRACKING_NOT_SUPPORTED: '40005',
  POLICY_ERROR: '50000',
  CANCELLATION_NOT_POSSIBLE: '50001',
  UPDATE_NOT_POSSIBLE: '50002',
  UNSUPPORTED_RATING_CATEGORY: '50003',
  SUPPORT_UNAVAILABLE: '50004',
} as const;

export type BecknErrorCode = (typeof BecknErrorCodes)[keyof typeof BecknErrorCodes];

/**
 * What a provider (or result sink) throws to answer a request with a Beckn error: the router turns
 * it into the callback's `error` object.
 */
export class BecknError extends Error {
  constructor(
    readonly code: BecknErrorCode,
    message: string,
    readonly paths?: string,
  ) {
    super(message);
    this.name = 'BecknError';
  }

  toObject(): BecknErrorObject {
    return { code: this.code, message: this.message, ...(this.paths === undefined ? {} : { paths: this.paths }) };
  }
}
