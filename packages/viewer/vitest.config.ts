import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@dagcache/source'] },
  ssr: { resolve: { conditions: ['@dagcache/source'] } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    passWithNoTests: true,
    hookTimeout: 120_000,
  },
});
