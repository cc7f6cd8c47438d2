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
    '<rootDir>/test/e2e',
  ],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // One file at a time: the end-to-end files share one platform, and some stop and restart its nodes.
  maxWorkers: 1,
  testSequencer: '<rootDir>/test/e2e/sequencer.js',
};
