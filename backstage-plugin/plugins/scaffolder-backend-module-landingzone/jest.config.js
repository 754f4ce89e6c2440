/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: {
    // ts-jest transpiles only (isolatedModules); `npm run typecheck` checks types.
    '^.+\\.ts$': 'ts-jest',
  },
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/catalog-tests/**/*.test.ts'] },
  ],
};
