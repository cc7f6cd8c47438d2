/** The portal's pure parts (units, errors, CSV, times) under jest; the views are tested in a browser (test/e2e/70-portal). */
module.exports = {
  displayName: 'portal',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
};
