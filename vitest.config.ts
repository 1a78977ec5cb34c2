import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Child-process tests spawn the built CLI; two workers suit the two-core machine.
    maxWorkers: 2,
  },
});
