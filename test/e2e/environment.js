const { TestEnvironment } = require('jest-environment-node');
const { ledgerClient, loadProfile } = require('../../network/dist');
const { acquire, needsOf } = require('./file-lock');

/**
 * Node's environment, holding the file lock of file-lock.js while the test file runs, and setting
 * the channel's metering parameters to those the file declares (the defaults unless it says) once
 * it holds the lock: files of one class find them set, whoever ran before.
 */
class E2eEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.needs = needsOf(context.docblockPragmas);
  }

  async setup() {
    await super.setup();
    this.release = await acquire(this.testPath, this.needs.lockClass);
    try {
      await ensureMetering(this.needs.metering);
    } catch (e) {
      this.release();
      throw e;
    }
  }

  async teardown() {
    if (this.release) this.release();
    await super.teardown();
  }
}

/** Sets the metering parameters the file needs (every other parameter at its default) unless they are set. */
async function ensureMetering(needed) {
  const profile = loadProfile(process.env.GRIDLEDGER_TEST_STATE);
  const client = ledgerClient(profile, 'community', profile.orgs.community.users['community-operator']);
  try {
    const current = JSON.parse(await client.evaluate('metering:getParams'));
    const wanted = { ...current, capacityTolerancePpm: 20_000, surplusThresholdWh: 0, closePageMeters: 100, ...needed };
    if (Object.keys(wanted).some((k) => wanted[k] !== current[k])) await client.submit('metering:setParams', JSON.stringify(wanted));
  } finally {
    client.close();
  }
}

module.exports = E2eEnvironment;
