// `tensorgraft ls CHECKPOINT [--json]`: every tensor of a checkpoint (V2, V1, safetensors, or a directory with a
// `checkpoint` state file) with its dtype, shape and bytes. Reads the index only.
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';

export const lsCommand: Command = {
  name: 'ls',
  usage: 'ls CHECKPOINT [--json]',
  summary: 'list every tensor of a checkpoint: name, dtype, shape, bytes',
  details:
    'CHECKPOINT is a V2 prefix (dir/model.ckpt-1000), a V1 file, a .safetensors file, or a directory with a `checkpoint`\n' +
    'state file (its latest checkpoint). Only the index is read.',
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const path = requirePositional(ctx.args, 0, 'CHECKPOINT');
    const { openCheckpoint } = await import('@tensorgraft/bundle-io');
    const r = openCheckpoint(path);
    try {
      const tensors = r.entries().map((e) => ({
        name: e.name,
        dtype: e.dtype,
        shape: e.shape,
        bytes: e.size,
        ...(e.slices.length ? { slices: e.slices.length } : {}),
      }));
      if (ctx.json) {
        ctx.stdout(`${JSON.stringify({ checkpoint: path, format: r.format, tensors }, null, 2)}\n`);
        return 0;
      }
      const rows = tensors.map((t) => [
        t.name,
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
      return 0;
    } finally {
      r.close();
    }
  },
};
