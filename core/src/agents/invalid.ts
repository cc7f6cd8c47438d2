import { ErrorCodes, GridLedgerError } from '../core/errors';

/** The agents' one refusal of bad input: AGENT_INPUT_INVALID naming the field. */
export const agentInputInvalid = (field: string, message: string): GridLedgerError =>
  new GridLedgerError(ErrorCodes.AGENT_INPUT_INVALID, message, { field });

/** A safe integer in [min, max], or AGENT_INPUT_INVALID for `field`. */
export function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw agentInputInvalid(field, `${field} must be an integer in [${min}, ${max}]`);
  return value;
}
