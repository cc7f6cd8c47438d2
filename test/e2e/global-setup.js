const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { fabricBinDir } = require('../../network/dist/binaries');
const { upPlatform } = require('../../network/dist/platform');

/** One platform for the whole run; its state directory reaches the test files through the environment. */
module.exports = async () => {
  const started = Date.now();
  process.env.GRIDLEDGER_FABRIC_BIN = fabricBinDir();
  const stateDir = process.env.GRIDLEDGER_TEST_STATE || mkdtempSync(join(tmpdir(), 'gl-e2e-'));
  const offset = Number(process.env.GRIDLEDGER_TEST_OFFSET || 20000);
  process.env.GRIDLEDGER_TEST_STATE = stateDir;
  process.env.GRIDLEDGER_TEST_OFFSET = String(offset);
  const lines = [];
  try {
    await upPlatform({ stateDir, offset, log: (m) => lines.push(m) });
  } catch (e) {
    process.stderr.write(`\n${lines.join('\n')}\n`);
    throw e;
  }
  writeFileSync(join(stateDir, 'e2e-started.txt'), `${Date.now() - started} ms\n`);
  process.stdout.write(`\ne2e platform up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stateDir} (ports +${offset})\n`);
};
