/**
 * End-to-end tests on the real platform: one Fabric network (CAs, 3 Raft orderers, 3 peers,
 * chaincode servers), MQTT broker, gateways and bridge, started once for the whole run on
 * ports offset by 20000 and a temporary state directory, shared by every test file.
 */
module.exports = {
  displayName: 'e2e',
  // Node's environment with a lock between test files: two or three run at once, the disruptive ones alone (file-lock.js).
  testEnvironment: '<rootDir>/environment.js',
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/**/*.test.ts'],
  // The load tests (load/) run in `npm run bench` (test/bench/load.js), not in `npm test`: see docs/benchmarks.md.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.GRIDLEDGER_LOAD_TESTS === '1' ? [] : ['<rootDir>/load/'])],
  globalSetup: '<rootDir>/global-setup.js',
  globalTeardown: '<rootDir>/global-teardown.js',
  setupFilesAfterEnv: ['<rootDir>/timeout.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
};
