// ESM-only packages (fhir-kit-client, jose, and content-disposition / cookie pulled in by fastify and
// bull-board) are transformed to CommonJS for jest; see README "Development".
const esm = '(fhir-kit-client|jose|content-disposition|cookie)';
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': tsJest,
    [`^.+/node_modules/${esm}/.+\\.js$`]: tsJest,
  },
  transformIgnorePatterns: [`/node_modules/(?!${esm}/)`],
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
  testTimeout: 30000,
  globalSetup: '<rootDir>/jest.global-setup.js',
};
