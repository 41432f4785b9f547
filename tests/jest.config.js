/** Browser end-to-end tests: a real server (child process) on FerretDB, driven through Debian's Chromium. */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 300000,
  maxWorkers: 1,
};
