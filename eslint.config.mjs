// ESLint for the TypeScript of every workspace (typescript-eslint's recommended rules), with
// Prettier doing the layout (.prettierrc.json). `npm run lint` runs both; `npm test` runs it first.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'network/fabric/**', 'test/bench/**', '**/*.js', '**/*.cjs', '**/*.mjs', 'portal/src/api/schema.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // One import statement per module and file.
      'no-duplicate-imports': 'error',
      // No source line over 140 characters (Prettier's printWidth; it does not split strings).
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
