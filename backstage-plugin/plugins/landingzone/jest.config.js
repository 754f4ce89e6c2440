/** @type {import('jest').Config} */
module.exports = {
  displayName: 'landingzone',
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
  transform: { '^.+\\.(t|j|mj|cj)sx?$': '<rootDir>/jest.transform.js' },
  // Backstage's frontend packages and several of theirs are ES modules only.
  transformIgnorePatterns: [],
  moduleNameMapper: {
    '\\.(css|svg|png)$': '<rootDir>/src/testUtils/fileStub.js',
    'style-inject\\.es\\.esm(\\.js)?$': '<rootDir>/src/testUtils/styleInjectStub.js',
  },
  setupFilesAfterEnv: ['<rootDir>/src/testUtils/setup.ts'],
};
