const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { fabricBinDir } = require('../../network/dist/binaries');
const { upPlatform } = require('../../network/dist/platform');
const { down } = require('../../network/dist/up');
const { startOnFreeOffset } = require('../../network/dist/port-lease');
const { clearLocks } = require('./file-lock');

/**
 * One platform for the whole run; its state directory and port offset reach the test files through
 * the environment. The offset is leased unless GRIDLEDGER_TEST_OFFSET fixes it (network/src/port-lease.ts),
 * so that a second run, a development platform or a killed run's remains move this run elsewhere.
 */
module.exports = async () => {
  const started = Date.now();
  process.env.GRIDLEDGER_FABRIC_BIN = fabricBinDir();
  // The certificate scheduler works in one community of its own (test/e2e/45-certificates-batch.test.ts reads it here),
  // on a short tick, so that it issues nothing another file issues by hand and its test does not wait long.
  process.env.GRIDLEDGER_CERTIFICATE_COMMUNITIES ??= 'cert-scheduled';
  process.env.GRIDLEDGER_CERTIFICATE_TICK_MS ??= '3000';
  process.env.GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS ??= '24';
  const wanted = process.env.GRIDLEDGER_TEST_OFFSET;
  let stateDir;
  const { lease } = await startOnFreeOffset(
    async (offset) => {
      stateDir = process.env.GRIDLEDGER_TEST_STATE || mkdtempSync(join(tmpdir(), 'gl-e2e-'));
      const lines = [];
      try {
        return await upPlatform({ stateDir, offset, log: (m) => lines.push(m) });
      } catch (e) {
        process.stderr.write(`\n${lines.join('\n')}\nports +${offset}: ${e.message.split('\n')[0]}\n`);
        throw e;
      }
    },
    // jest runs no teardown after a failed setup: stop what came up, so that no node outlives the run.
    async () => {
      if (!process.env.GRIDLEDGER_TEST_KEEP) await down(stateDir, { purge: true, log: () => undefined }).catch(() => undefined);
    },
    wanted ? { fixed: Number(wanted) } : {},
  );
  globalThis.gridledgerPortLease = lease; // released by global-teardown.js, which jest runs in this process
  process.env.GRIDLEDGER_TEST_STATE = stateDir;
  clearLocks();
  process.env.GRIDLEDGER_TEST_OFFSET = String(lease.offset);
  writeFileSync(join(stateDir, 'e2e-started.txt'), `${Date.now() - started} ms\n`);
  process.stdout.write(`\ne2e platform up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stateDir} (ports +${lease.offset})\n`);
};
