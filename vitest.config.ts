import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // Builds dist/ once, for the end-to-end suites that start the real server process.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
