/** @type {import('jest').Config} */
module.exports = {
  displayName: 'landingzone-backend',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  transform: {
    // ts-jest transpiles only (isolatedModules); `npm run typecheck` checks types.
    '^.+\\.ts$': 'ts-jest',
  },
};
