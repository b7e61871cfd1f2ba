// `tensorgraft ls CHECKPOINT [--json]`: every tensor of a checkpoint (V2, V1, safetensors, or a directory with a
// `checkpoint` state file) with its dtype, shape and bytes. Reads the index only.

import { openCheckpoint, resolveCheckpoint } from '@tensorgraft/bundle-io';
import { escapeControls } from '@tensorgraft/proto';
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';

export const lsCommand: Command = {
  name: 'ls',
  usage: 'ls CHECKPOINT [--json]',
  summary: 'list every tensor of a checkpoint: name, dtype, shape, bytes',
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const path = requirePositional(ctx.args, 0, 'CHECKPOINT');
    const r = openCheckpoint(path);
    try {
      const from = resolveCheckpoint(path).fromStateFile;
      const tensors = r.entries().map((e) => ({
        name: e.name,
        dtype: e.dtype,
        shape: e.shape,
        bytes: e.size,
        ...(e.slices.length ? { slices: e.slices.length } : {}),
      }));
      if (ctx.json) {
        const state = from ? { fromStateFile: from } : {};
        ctx.stdout(`${JSON.stringify({ checkpoint: path, format: r.format, ...state, tensors }, null, 2)}\n`);
        return 0;
      }
      const rows = tensors.map((t) => [
        escapeControls(t.name), // a NUL or an escape sequence in a name must not reach the terminal raw
        t.dtype,
        `[${t.shape.join(', ')}]`,
        String(t.bytes),
        t.slices ? `${t.slices} slices` : '',
      ]);
      const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 0));
      for (const row of rows) {
        ctx.stdout(
          `${row
            .map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : i === 3 ? c.padStart(widths[3]!) : c))
            .join('  ')
            .trimEnd()}\n`,
        );
      }
      const total = tensors.reduce((a, t) => a + t.bytes, 0);
      ctx.stdout(`${tensors.length} tensors, ${total} bytes (${r.format})\n`);
      if (from?.outside) ctx.stdout(`note: the state file of ${from.directory} names a checkpoint outside it\n`);
      return 0;
    } finally {
      r.close();
    }
  },
};
