import { defineConfig } from 'vitest/config';

// Fuzz tests run ~100k mutations; on a busy 2-core machine give them room beyond the 5 s default.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60000 } });
