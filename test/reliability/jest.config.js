/**
 * `pnpm test:reliability`: the fault suite of docs/reliability.md. Real processes (the built API,
 * worker processes), real Redis, SIGKILL and restarts; kept out of the default `pnpm test`
 * because it takes minutes, not seconds. Child processes run the built `dist/`.
 */
const path = require('node:path');
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  displayName: 'reliability',
  testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@mpp/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts' },
  testEnvironment: 'node',
  testTimeout: 360_000,
};
