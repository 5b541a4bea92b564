/** One jest run over every workspace: packages are resolved to their TypeScript sources so a
 * test never runs against a stale build. Child processes spawned by tests use the built `dist/`. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const base = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@mpp/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts' },
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      // Package and app tests, plus root suites that are not integration (architecture, deploy...).
      testMatch: ['<rootDir>/{packages,apps}/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
      // test/reliability has its own config (`pnpm test:reliability`): minutes of real faults.
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/integration/', '<rootDir>/test/reliability/'],
    },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
