module.exports = {
  displayName: 'gateway-api',
  testEnvironment: 'node',
  // Each file starts an HTTP harness; with two files at a time on a loaded machine the first test can take longer than jest's 5 s.
  testTimeout: 30_000,
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
};
