/** One jest run for the whole repository; each workspace is a project with its own config. */
module.exports = {
  projects: [
    '<rootDir>/core',
    '<rootDir>/fabric-client',
    '<rootDir>/chaincode',
    '<rootDir>/network',
    '<rootDir>/gateway-api',
    '<rootDir>/device-bridge',
    '<rootDir>/portal',
    '<rootDir>/simulation',
    '<rootDir>/test/e2e',
    '<rootDir>/agents',
  ],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Three files at a time: the end-to-end files share one platform; those of minute intervals mostly wait for market
  // intervals to pass and run three at once, the others two, and the ones that stop nodes or count the platform's
  // requests alone (test/e2e/file-lock.js).
  maxWorkers: 3,
  // jest's 5 s is short for a file's first test (an HTTP harness, a compile) with two files at once on a loaded machine.
  testTimeout: 30_000,
  testSequencer: '<rootDir>/test/e2e/sequencer.js',
};
