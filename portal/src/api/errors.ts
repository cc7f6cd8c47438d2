/**
 * Errors as a person reads them: the gateway's stable code (docs/api.md "Error codes") picks the
 * message; the code stays visible beside it for support. Codes without a message of their own get
 * one by their HTTP status.
 */
import type { components } from './schema.gen';

export type ErrorCode = components['schemas']['Error']['error']['code'];

/** A refusal from the gateway, or NETWORK when it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const MESSAGES: Partial<Record<ErrorCode | 'NETWORK', string>> = {
  NETWORK: 'The gateway cannot be reached. Check your connection; the page retries on its own.',
  UNAUTHENTICATED: 'This API key is not known to this gateway. Check that you pasted the whole key.',
  API_KEY_EXPIRED: 'This API key has expired. Ask your operator for a new one.',
  API_KEY_REVOKED: 'This API key was revoked or replaced. Sign in with your current key.',
  ACCESS_DENIED: 'Your role may not do this.',
  REQUEST_INVALID: 'The request was not understood: a value is missing or not in the expected form.',
  ORDER_ENERGY_INVALID: 'The amount of energy must be a whole number of Wh, at least 1 Wh.',
  ORDER_PRICE_OUT_OF_BAND: 'The price must lie between the feed-in tariff and the retail tariff.',
  INSUFFICIENT_CREDITS: 'You do not have enough credits for this order (price plus grid fee).',
  SELLER_CAPACITY_EXCEEDED: 'You cannot sell more than your meter can export in the interval.',
  INTERVAL_CLOSED: 'The gate of this interval has closed: orders can no longer be placed or cancelled.',
  INTERVAL_NOT_OPEN: 'This interval is not open for trading yet.',
  INTERVAL_INVALID: 'This is not the start of a market interval.',
  ORDER_SIDE_CONFLICT: 'You already have orders on the other side of this interval.',
  ORDER_NOT_FOUND: 'This order does not exist (any more).',
  MARKET_NOT_FOUND: 'Your community has no market yet.',
  CLIENT_ID_REUSED: 'This order was already placed with different terms.',
  PARTICIPANT_NOT_FOUND: 'This participant is not registered on the ledger.',
  POSITION_NOT_FOUND: 'No position yet: the metering window of the interval is not closed.',
  PRIVATE_DATA_UNAVAILABLE: "Household data is not available to your organization: it stays in the households' private collection.",
  TRANSACTION_CONFLICT: 'Someone changed the same record at the same moment. Please try again.',
  LEDGER_UNAVAILABLE: 'The ledger is not reachable right now. Please try again in a moment.',
  TELEMETRY_UNAVAILABLE: 'Live telemetry is not available right now.',
  MANDATE_INVALID: 'A limit of the mandate is not valid: prices inside the price band, amounts in whole Wh.',
  MANDATE_NOT_FOUND: 'No mandate yet: your agent trades with no limits set by you.',
  MANDATE_AUTOMATION_OFF: 'Automation is off in your mandate: your agent may not trade for you.',
  MANDATE_PRICE_BELOW_MINIMUM: "The price is below your mandate's minimum selling price.",
  MANDATE_PRICE_ABOVE_MAXIMUM: "The price is above your mandate's maximum buying price.",
  MANDATE_ENERGY_EXCEEDED: 'This would trade more energy in the interval than your mandate allows.',
  MANDATE_RESERVE_BREACHED: 'This would take your battery below the reserve your mandate keeps.',
  MANDATE_SOURCE_REFUSED: 'The energy is not from a source your mandate prefers.',
  MANDATE_LOCALITY_REFUSED: 'The other party is outside the area your mandate trades in.',
  P2P_INPUT_INVALID: 'The offer or request is not valid: check the amounts and the interval.',
  P2P_OFFER_NOT_FOUND: 'This offer does not exist.',
  P2P_REQUEST_NOT_FOUND: 'This request does not exist.',
  P2P_OFFER_EXPIRED: 'This offer has expired or was cancelled.',
  P2P_STATE_CONFLICT: 'This request was already answered or withdrawn.',
  P2P_BELOW_MINIMUM: 'The request is below the minimum the seller sells.',
  P2P_QUANTITY_UNAVAILABLE: 'The offer has not that much energy left.',
  FLEX_EVENT_INVALID: 'The event is not valid: check the window, the zones and the amounts.',
  FLEX_EVENT_IN_PAST: 'The event would start in the past.',
  FLEX_NOTICE_TOO_SHORT: 'The event starts too soon: give at least 30 s notice.',
  FLEX_EVENT_EXISTS: 'An event with this id exists already.',
  FLEX_EVENT_NOT_FOUND: 'This demand-response event does not exist.',
  FLEX_OPT_IN_CLOSED: 'The deadline to answer this event has passed.',
  FLEX_EVENT_OVERLAP: 'You have opted in to another event at the same time.',
  FLEX_NOT_ELIGIBLE: 'You have no active meter in the zones of this event.',
  FLEX_STATE_INVALID: 'The event is not at the step this needs (deadline, start or end).',
  FLEX_BASELINE_NOT_FOUND: 'No baseline yet: it is fixed after the opt-in deadline, before the start.',
  STORAGE_INPUT_INVALID: 'The storage request is not valid: check the amounts and the window.',
  BATTERY_NOT_FOUND: 'This battery is not registered.',
  STORAGE_CONTRACT_NOT_FOUND: 'This storage contract does not exist.',
  STORAGE_CONTRACT_STATE_CONFLICT: 'The storage contract is not at the step this needs.',
  INTERNAL: 'Something went wrong on the gateway. The error was logged; please try again.',
};

/** The message for an error's code (falling back on its HTTP status), with the code for reference. */
export function describeError(e: unknown): { message: string; code: string } {
  if (!(e instanceof ApiError)) return { message: MESSAGES.NETWORK!, code: 'NETWORK' };
  const known = MESSAGES[e.code];
  if (known) return { message: known, code: e.code };
  if (e.status === 404) return { message: 'Not found.', code: e.code };
  if (e.status === 409) return { message: 'This conflicts with the current state; reload and try again.', code: e.code };
  if (e.status >= 500) return { message: MESSAGES.INTERNAL!, code: e.code };
  return { message: 'The request was refused.', code: e.code };
}
