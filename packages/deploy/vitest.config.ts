import { defineConfig } from 'vitest/config';

// Child-process and fuzz tests share 2 cores with the rest of CI: a generous limit, so only a hang fails on time.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } });
