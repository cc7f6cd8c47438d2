const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { fabricBinDir } = require('../../network/dist/binaries');
const { upPlatform } = require('../../network/dist/platform');
const { down } = require('../../network/dist/up');
const { leasePortOffset, RUN_OFFSETS } = require('../../network/dist/ports');

/** One platform for the whole run; its state directory reaches the test files through the environment. */
module.exports = async () => {
  const started = Date.now();
  process.env.GRIDLEDGER_FABRIC_BIN = fabricBinDir();
  const stateDir = process.env.GRIDLEDGER_TEST_STATE || mkdtempSync(join(tmpdir(), 'gl-e2e-'));
  // Ports are leased unless given: a second run, a development platform or a killed run's remains move this run elsewhere.
  const wanted = process.env.GRIDLEDGER_TEST_OFFSET;
  const lease = wanted ? { offset: Number(wanted), release: () => undefined } : await leasePortOffset(RUN_OFFSETS);
  globalThis.gridledgerPortLease = lease; // released by global-teardown.js, which jest runs in this process
  const offset = lease.offset;
  process.env.GRIDLEDGER_TEST_STATE = stateDir;
  process.env.GRIDLEDGER_TEST_OFFSET = String(offset);
  const lines = [];
  try {
    await upPlatform({ stateDir, offset, log: (m) => lines.push(m) });
  } catch (e) {
    process.stderr.write(`\n${lines.join('\n')}\n`);
    // jest runs no teardown after a failed setup: stop what came up, so that no node outlives the run.
    if (!process.env.GRIDLEDGER_TEST_KEEP) await down(stateDir, { purge: true, log: () => undefined }).catch(() => undefined);
    lease.release();
    throw e;
  }
  writeFileSync(join(stateDir, 'e2e-started.txt'), `${Date.now() - started} ms\n`);
  process.stdout.write(`\ne2e platform up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stateDir} (ports +${offset})\n`);
};
