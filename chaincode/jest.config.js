module.exports = {
  displayName: 'chaincode',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  setupFiles: ['<rootDir>/test/quiet-logs.js'],
  setupFilesAfterEnv: ['<rootDir>/test/catalogue-results.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
};
