import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Tests start real HTTP servers on 127.0.0.1 and the machine has two cores: keep some headroom.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
