// Writes src/ops/supported-op-types.ts from the built kernel table (run after adding a kernel and building):
// node scripts/write-supported-ops.mjs && pnpm build
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { supportedOps } from '../dist/runtime/kernels/index.js';

const lines = [
  '// The op types the Session has kernels for, without loading TensorFlow.js (so summaries such as',
  '// `tensorgraft graph` stay light). Written by scripts/write-supported-ops.mjs; test/op-support.test.ts checks it.',
  'export const SUPPORTED_OP_TYPES: ReadonlySet<string> = new Set([',
];
let cur = ' ';
for (const op of supportedOps()) {
  const item = ` '${op}',`;
  if ((cur + item).length > 120) {
    lines.push(cur);
    cur = ' ';
  }
  cur += item;
}
lines.push(cur, ']);', '');
writeFileSync(join(import.meta.dirname, '..', 'src', 'ops', 'supported-op-types.ts'), lines.join('\n'));
