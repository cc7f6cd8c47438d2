/**
 * fabric-shim and fabric-contract-api log through winston, which runs every `debug` call through
 * its whole format pipeline (timestamp, metadata, colours, printf) before the transport drops it
 * for being below the level. The shim makes several such calls per getState/putState, so at the
 * readings load that was about a tenth of the chaincode server's CPU (profile in docs/benchmarks.md,
 * "Readings throughput"). Below the debug level, this turns the loggers' `debug` into a no-op;
 * with CORE_CHAINCODE_LOGGING_LEVEL=DEBUG nothing changes.
 */

interface ShimLogger {
  isDebugEnabled(): boolean;
  debug: (...args: unknown[]) => unknown;
}

interface ShimLoggerModule {
  getLogger(name?: string): ShimLogger;
}

/** The names both libraries create their module loggers under (created already, or on first use). */
const NAMES: Record<string, readonly string[]> = {
  'fabric-shim/lib/logger': [
    'lib/handler.js',
    'lib/stub.js',
    'lib/iterators.js',
    'lib/chaincode.js',
    'lib/server.js',
    'contracts-spi/chaincodefromcontract.js',
    'contracts-spi/bootstrap.js',
    'contracts-spi/datamarshall.js',
  ],
  'fabric-contract-api/lib/logger': ['./lib/jsontransactionserializer.js', './lib/contract.js'],
};

function quiet(logger: ShimLogger): ShimLogger {
  if (!logger.isDebugEnabled()) logger.debug = () => logger;
  return logger;
}

/** Makes the shim's debug logging free when it is off; idempotent. Returns how many loggers it saw. */
export function quietShimDebugLogging(): number {
  let seen = 0;
  for (const [path, names] of Object.entries(NAMES)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path) as ShimLoggerModule & { quieted?: true };
    if (!mod.quieted) {
      const getLogger = mod.getLogger.bind(mod);
      // Loggers made later (per contract and transaction) get the same treatment.
      mod.getLogger = (name?: string) => quiet(getLogger(name));
      mod.quieted = true;
    }
    for (const name of names) {
      quiet(mod.getLogger(name));
      seen += 1;
    }
  }
  return seen;
}
