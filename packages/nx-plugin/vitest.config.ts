import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@dagcache/source'] },
  ssr: { resolve: { conditions: ['@dagcache/source'] } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    // Builds @dagcache/core and @dagcache/nx once for the e2e tests, which run the real `nx` binary.
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    passWithNoTests: true,
    hookTimeout: 120_000,
  },
});
