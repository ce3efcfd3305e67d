// ESLint 9 flat config with typescript-eslint: pure JavaScript packages, no native bindings (those broke `npm ci`).
// Syntax-only rules (no type information), so `npm run lint` stays fast on a small machine; tsc does the type checks.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // tsc's noUnusedLocals/noUnusedParameters already report these.
      '@typescript-eslint/no-unused-vars': 'off',
      // `import x = require('pkg')` is how TypeScript loads a CommonJS package that ships no ES module typing.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // The sanitizers (terminal, HTTP wire, shell quoting) match control characters on purpose.
      'no-control-regex': 'off',
      // Feishu's markdown indents with U+3000 inside template strings on purpose.
      'no-irregular-whitespace': ['error', { skipTemplates: true, skipStrings: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The CLI loads each command on demand, so that `slb-doctor probe` never loads the cloud SDKs or the sandbox.
    files: ['lib/cli/main.ts', 'lib/dev/main.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The function instance's program and the FC front's worker run from their own source text
    // (Function.prototype.toString), so they require what they need inside themselves.
    files: ['lib/sandbox/fc/runner.ts', 'lib/sandbox/fc/front.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests load freshly built bundles by path, and read untyped JSON replies.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
