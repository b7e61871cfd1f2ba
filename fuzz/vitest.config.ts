import { defineConfig } from 'vitest/config';

// The 20k-case sample shares 2 cores with the rest of CI: a generous limit, so only a hang fails on time.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 300_000 } });
