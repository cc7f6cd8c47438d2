module.exports = {
  displayName: 'network',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Builds (or finds in the cache) the pinned Fabric CA binaries once per run.
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 60_000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
};
