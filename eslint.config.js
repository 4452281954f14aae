// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layering (DESIGN.md §2, STYLE.md §1): each folder may import only the layers listed for it.
 * `patterns` are matched against the import specifier, so relative paths are spelled out.
 * @param {string[]} forbidden folder names under src/ this layer must not import
 */
function forbid(forbidden) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((dir) => ({
          group: [`**/${dir}/*`, `**/${dir}`],
          message: `this layer must not import src/${dir} (see DESIGN.md §2)`,
        })),
      },
    ],
  };
}

const io = ['fastify', 'undici', 'pino', 'better-sqlite3', 'pg', 'ioredis', 'prom-client'];
/** @param {string[]} names */
function forbidPackages(names) {
  return names.map((name) => ({ name, message: 'pure layers do no I/O (see STYLE.md §1)' }));
}

const all = [
  'core',
  'protocols',
  'scheduler',
  'router',
  'gateway',
  'backends',
  'store',
  'cluster',
  'metrics',
  'server',
  'config',
  'web',
  'client',
  'sim',
  'cli',
  'cache',
];
/** @param {string[]} allowed */
const except = (...allowed) => all.filter((d) => !allowed.includes(d));

/** @param {string[]} forbiddenDirs @param {boolean} pure */
function layer(forbiddenDirs, pure) {
  const rule = forbid(forbiddenDirs)['no-restricted-imports'][1];
  return {
    'no-restricted-imports': ['error', pure ? { ...rule, paths: forbidPackages(io) } : rule],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  { files: ['src/core/**'], rules: layer(except('core'), true) },
  { files: ['src/protocols/**'], rules: layer(except('core', 'protocols'), true) },
  { files: ['src/scheduler/**'], rules: layer(except('core', 'scheduler'), true) },
  { files: ['src/router/**'], rules: layer(except('core', 'router'), true) },
  {
    files: ['src/gateway/**'],
    rules: layer(except('core', 'scheduler', 'router', 'cache', 'gateway'), false),
  },
  { files: ['src/backends/**'], rules: layer(except('core', 'protocols', 'backends'), false) },
  { files: ['src/store/**'], rules: layer(except('core', 'store'), false) },
  { files: ['src/cluster/**'], rules: layer(except('core', 'cluster'), false) },
  { files: ['src/metrics/**'], rules: layer(except('core', 'gateway', 'scheduler', 'metrics'), false) },
  { files: ['src/client/**'], rules: layer(except('core', 'protocols', 'client'), false) },
  // The emulator shares nothing with the gateway: an emulator that reused our Ollama mapping would share its bugs.
  { files: ['src/sim/**'], rules: layer(except('sim'), false) },
  { files: ['src/config/**'], rules: layer(except('core', 'config'), false) },
  // CLIs, benchmarks and scripts print to the terminal on purpose.
  {
    files: ['src/cli/**', 'bench/**', 'bin/**', 'scripts/**', 'examples/**'],
    rules: { 'no-console': 'off' },
  },
);
