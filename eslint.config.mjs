import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// The boundaries of STYLE.md, enforced cheaply: apps never import other apps, libs never import
// apps, libs/contracts depends on validation only, pure rule files import no framework, and the
// order gate's projection and policy do not depend on its decision or on each other.
//
// ESLint keeps only the last `no-restricted-imports` that applies to a file, so a stricter block
// repeats the patterns of the blocks it narrows.
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

const otherApps = (app) => ({
  group: ['**/apps/*', '../../*/src/**', `!**/apps/${app}/**`],
  message: 'An app never imports another app: talk through Kafka events.',
});

/** The pure rules (`decide`, `evolve`, `*-rules`) run in a unit test with no framework, database or broker. */
const PURE_RULE_FILES = ['**/decide.ts', '**/evolve.ts', '**/*-rules.ts'];
const frameworks = {
  group: ['@nestjs/*', 'typeorm', 'kafkajs', 'pg'],
  message: 'A pure rule file (decide, evolve, *-rules) imports no framework, database or broker client.',
};

/** The gate's imports run one way: decision reads the projection and the policy; those read neither it nor each other. */
const GATE_PROJECTION = 'apps/order-gate/src/projection';
const gateUpstream = {
  group: ['**/decision', '**/decision/**', '**/policy', '**/policy/**'],
  message:
    "The order gate's projection never imports its decision or policy: decision depends on projection.",
};

const GATE_POLICY = 'apps/order-gate/src/policy';
const gatePolicyUpstream = {
  group: ['**/decision', '**/decision/**', '**/projection', '**/projection/**'],
  message: "The order gate's policy never imports its decision or projection: decision depends on policy.",
};

const appBoundary = (app) => [
  { files: [`apps/${app}/**/*.ts`], rules: restrict(otherApps(app)) },
  { files: PURE_RULE_FILES.map((f) => `apps/${app}/${f}`), rules: restrict(otherApps(app), frameworks) },
];

const gateLayers = [
  { files: [`${GATE_POLICY}/**/*.ts`], rules: restrict(otherApps('order-gate'), gatePolicyUpstream) },
  { files: [`${GATE_PROJECTION}/**/*.ts`], rules: restrict(otherApps('order-gate'), gateUpstream) },
  {
    files: PURE_RULE_FILES.map((f) => `${GATE_PROJECTION}/${f}`),
    rules: restrict(otherApps('order-gate'), frameworks, gateUpstream),
  },
];

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
  ...['attestation', 'order-gate', 'reseller-relationship', 'audit', 'console'].flatMap(appBoundary),
  ...gateLayers,
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/**'], message: 'libs never import apps.' }] },
      ],
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
