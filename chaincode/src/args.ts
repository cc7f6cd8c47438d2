/**
 * Transaction arguments: JSON objects, ids, instants, interval starts. Every refusal is a
 * GridLedgerError naming the field (REQUEST_INVALID unless the domain has a code of its own).
 */
import { ErrorCode, ErrorCodes, GridLedgerError, ID_PATTERN, ID_RULE, isIntervalStart, parseInstant } from '@gridledger/core';

/** A JSON object argument; anything else is REQUEST_INVALID. */
export function parseObjectArgument(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${what} must be JSON`, { field: '' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${what} must be a JSON object`, { field: '' });
  }
  return value as Record<string, unknown>;
}

/** Refuses (REQUEST_INVALID) a field of `input` that is not one of `fields`. */
export function checkFields(input: Record<string, unknown>, fields: readonly string[], what = 'the request'): void {
  for (const field of Object.keys(input).sort()) {
    if (!fields.includes(field)) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${field} is not a field of ${what}`, { field });
  }
}

/** An id argument (participant, meter, asset, site...): `code` (REQUEST_INVALID by default) naming the field otherwise. */
export function checkId(value: unknown, field: string, code: ErrorCode = ErrorCodes.REQUEST_INVALID): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw new GridLedgerError(code, `${field} must be ${ID_RULE}`, { field });
  return value;
}

/** A UTC instant argument in epoch seconds: `code` (REQUEST_INVALID by default) naming the field and the value otherwise. */
export function checkInstant(value: unknown, field: string, code: ErrorCode = ErrorCodes.REQUEST_INVALID): number {
  const seconds = typeof value === 'string' ? parseInstant(value) : undefined;
  if (seconds === undefined)
    throw new GridLedgerError(code, `${field} must be a UTC instant like 2026-11-21T10:15:00Z`, { field, [field]: String(value) });
  return seconds;
}

/** A market interval's start (epoch seconds): INTERVAL_INVALID unless it is an instant. */
export const instantOf = (value: unknown, field: string): number => checkInstant(value, field, ErrorCodes.INTERVAL_INVALID);

/** A metering interval start on the grid of `intervalSeconds`, as epoch seconds. */
export function checkIntervalStart(value: unknown, intervalSeconds: number, field = 'intervalStart'): number {
  const seconds = typeof value === 'string' ? parseInstant(value) : undefined;
  if (seconds === undefined || !isIntervalStart(seconds, intervalSeconds)) {
    throw new GridLedgerError(
      ErrorCodes.REQUEST_INVALID,
      `${field} must be the start of a ${intervalSeconds}s interval, like 2026-11-21T10:15:00Z`,
      { field },
    );
  }
  return seconds;
}
