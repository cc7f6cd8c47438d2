/** One jest run for the whole repository; each workspace is a project with its own config. */
module.exports = {
  projects: ['<rootDir>/chaincode', '<rootDir>/network', '<rootDir>/gateway-api'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
