import { GridLedgerError } from '../src/core';

/** The stable code a call fails with, or undefined when it succeeds; any other error is rethrown. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof GridLedgerError) return e.code;
    throw e;
  }
  return undefined;
}
