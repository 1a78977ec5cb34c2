import { defineConfig } from 'vitest/config';
import { uiVitePlugin } from './src/server/ui/embed.mjs';

export default defineConfig({
  // The dashboard's page, built from its sources as the bundle builds it (scripts/build.mjs).
  plugins: [uiVitePlugin()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Child-process tests spawn the built CLI; two workers suit the two-core machine.
    maxWorkers: 2,
  },
});
