module.exports = {
  displayName: 'network',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Builds (or finds in the cache) the pinned Fabric CA binaries once per run.
  globalSetup: '<rootDir>/test/global-setup.js',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
};
