import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// The boundaries of STYLE.md, enforced cheaply: apps never import other apps, libs never import
// apps, and libs/contracts depends on validation only.
const appBoundary = (app) => ({
  files: [`apps/${app}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/apps/*', '../../*/src/**', `!**/apps/${app}/**`],
            message: 'An app never imports another app: talk through Kafka events.',
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  ...['attestation', 'order-gate', 'reseller-relationship', 'audit'].map(appBoundary),
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/apps/**'], message: 'libs never import apps.' }] }],
    },
  },
  {
    files: ['libs/contracts/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'kafkajs', 'pg', '@app/*', '**/apps/**'],
              message: 'libs/contracts imports only validation (class-validator, class-transformer).',
            },
          ],
        },
      ],
    },
  },
);
