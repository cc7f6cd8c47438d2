/**
 * The stable code a call fails with, or undefined when it succeeds; any other error is rethrown.
 * Recognised by name, not class: a workspace may load the core from dist while a test loads src.
 */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error && e.name === 'GridLedgerError' && typeof (e as { code?: unknown }).code === 'string') {
      return (e as Error & { code: string }).code;
    }
    throw e;
  }
  return undefined;
}
