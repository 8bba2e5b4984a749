// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The protocol core is pure: bytes in, events out. No sockets, timers, zlib or files.
    files: ['src/proto/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^node:(?!buffer$)',
              message: 'src/proto is pure: only node:buffer may be imported here.',
            },
            {
              regex: '^(?!node:|\\.)',
              message:
                'src/proto is pure: no packages, and no bare Node built-ins (use node:buffer).',
            },
            {
              regex: '^\\.\\./\\.\\./(io|channels|server|ws|http-client|cli|cluster)/',
              message: 'src/proto may not import from the layers above it.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'src/proto has no timers.' },
        { name: 'setInterval', message: 'src/proto has no timers.' },
        { name: 'setImmediate', message: 'src/proto has no timers.' },
        { name: 'process', message: 'src/proto does not touch the process.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The demo page's scripts run in the browser, as they are (no build step).
    files: ['packages/cli/assets/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'localStorage',
          'WebSocket',
          'URLSearchParams',
          'setTimeout',
          'clearTimeout',
          'HTMLCanvasElement',
          'MessageEvent',
          'CloseEvent',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
