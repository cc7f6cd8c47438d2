const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { fabricBinDir } = require('../../network/dist/binaries');
const { upPlatform } = require('../../network/dist/platform');
const { down } = require('../../network/dist/up');
const { leasePortOffset, RUN_OFFSETS } = require('../../network/dist/ports');

const portTaken = (e) => /EADDRINUSE|address already in use|is taken by another process/.test(String(e && e.message));

/**
 * One platform for the whole run; its state directory and port offset reach the test files through
 * the environment. The offset is leased unless GRIDLEDGER_TEST_OFFSET fixes it, so that a second
 * run, a development platform or a killed run's remains move this run elsewhere; and when a port is
 * taken all the same while the platform starts, it starts again once on the next free offset.
 */
module.exports = async () => {
  const started = Date.now();
  process.env.GRIDLEDGER_FABRIC_BIN = fabricBinDir();
  const wanted = process.env.GRIDLEDGER_TEST_OFFSET;
  const givenState = process.env.GRIDLEDGER_TEST_STATE;
  const passedOver = [];
  for (;;) {
    const lease = wanted ? { offset: Number(wanted), release: () => undefined } : await leasePortOffset(RUN_OFFSETS.filter((o) => !passedOver.includes(o)));
    const stateDir = givenState || mkdtempSync(join(tmpdir(), 'gl-e2e-'));
    const lines = [];
    try {
      await upPlatform({ stateDir, offset: lease.offset, log: (m) => lines.push(m) });
    } catch (e) {
      process.stderr.write(`\n${lines.join('\n')}\n`);
      // jest runs no teardown after a failed setup: stop what came up, so that no node outlives the run.
      if (!process.env.GRIDLEDGER_TEST_KEEP) await down(stateDir, { purge: true, log: () => undefined }).catch(() => undefined);
      lease.release();
      if (wanted || givenState || passedOver.length > 0 || !portTaken(e)) throw e;
      process.stderr.write(`\nports +${lease.offset}: ${e.message.split('\n')[0]}; starting again on another offset\n`);
      passedOver.push(lease.offset);
      continue;
    }
    globalThis.gridledgerPortLease = lease; // released by global-teardown.js, which jest runs in this process
    process.env.GRIDLEDGER_TEST_STATE = stateDir;
    process.env.GRIDLEDGER_TEST_OFFSET = String(lease.offset);
    writeFileSync(join(stateDir, 'e2e-started.txt'), `${Date.now() - started} ms\n`);
    process.stdout.write(`\ne2e platform up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stateDir} (ports +${lease.offset})\n`);
    return;
  }
};
