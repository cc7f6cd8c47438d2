/**
 * The agents workspace is ESM (libp2p is ESM only), so jest runs its tests as ES modules: ts-jest's
 * ESM mode, and node with --experimental-vm-modules (package.json's test:unit and
 * network/scripts/test.sh set NODE_OPTIONS; by hand:
 * `NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects agents`). Imports name `.js`
 * files as ESM must; the mapper finds the `.ts` source beside them.
 */
module.exports = {
  displayName: 'agents',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
};
