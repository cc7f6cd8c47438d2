const { TestEnvironment } = require('jest-environment-node');
const { acquire } = require('./file-lock');

/** Node's environment, holding the file lock of file-lock.js while the test file runs. */
class E2eEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    this.release = await acquire(this.testPath);
  }

  async teardown() {
    if (this.release) this.release();
    await super.teardown();
  }
}

module.exports = E2eEnvironment;
