/** One jest run for the whole repository; each workspace is a project with its own config. */
module.exports = {
  projects: ['<rootDir>/core', '<rootDir>/chaincode', '<rootDir>/network', '<rootDir>/gateway-api', '<rootDir>/device-bridge', '<rootDir>/test/e2e'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
