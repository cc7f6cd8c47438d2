import { quietShimDebugLogging } from '../src/shim-logging';

interface WinstonLike {
  debug(message: string): unknown;
  warn(message: string): unknown;
  write(info: unknown): boolean;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const shimLogger = require('fabric-shim/lib/logger') as { getLogger(name: string): WinstonLike };

/** How many records reach the logger's stream (format pipeline and transports) for one call. */
function written(logger: WinstonLike, call: () => void): number {
  const spy = jest.spyOn(logger, 'write').mockImplementation(() => true);
  try {
    call();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe('quietShimDebugLogging (CORE_CHAINCODE_LOGGING_LEVEL=warning, test/quiet-logs.js)', () => {
  it('turns the debug calls of the shim’s loggers, existing and later ones, into no-ops, and keeps warnings', () => {
    const handler = shimLogger.getLogger('lib/handler.js');
    // Before: winston takes every debug record through its pipeline, only to drop it at the transport.
    expect(written(handler, () => handler.debug('before'))).toBe(1);
    expect(quietShimDebugLogging()).toBeGreaterThan(5);
    expect(written(handler, () => handler.debug('after'))).toBe(0);
    expect(written(handler, () => handler.warn('still logged'))).toBe(1);
    const later = shimLogger.getLogger('made-later');
    expect(written(later, () => later.debug('after'))).toBe(0);
    expect(quietShimDebugLogging()).toBeGreaterThan(5); // idempotent
  });
});
