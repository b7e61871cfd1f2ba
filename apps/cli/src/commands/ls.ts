// `tensorgraft ls CHECKPOINT [--json]`: every tensor of a checkpoint (V2, V1, safetensors, or a directory with a
// `checkpoint` state file) with its dtype, shape and bytes. Reads the index only.
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';
import { openCheckpointArg } from '../open-checkpoint.js';

export const lsCommand: Command = {
  name: 'ls',
  usage: 'ls CHECKPOINT [--json]',
  summary: "list every tensor of a checkpoint: name, dtype, shape, bytes (and a safetensors file's __metadata__)",
  details:
    'CHECKPOINT is a V2 prefix (dir/model.ckpt-1000), a V1 file, a .safetensors file, or a directory with a `checkpoint`\n' +
    'state file (its latest checkpoint). Only the index is read.',
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const path = requirePositional(ctx.args, 0, 'CHECKPOINT');
    const { reader: r, resolved } = await openCheckpointArg(path, { indexOnly: true });
    try {
      const { findDType, escapeControls } = await import('@tensorgraft/proto/lite');
      const from = resolved.fromStateFile;
      const tensors = r.entries().map((e) => ({
        name: e.name,
        dtype: e.dtype,
        shape: e.shape,
        bytes: e.size,
        ...(e.slices.length ? { slices: e.slices.length } : {}),
        // listed, but no TensorFlow dtype to read it as (a safetensors float8, an enum this package does not know)
        ...(e.dtypeEnum === 0 || !findDType(e.dtype) ? { unsupported: true } : {}),
      }));
      const metadata = r.metadata;
      if (ctx.json) {
        const doc = {
          checkpoint: path,
          format: r.format,
          ...(from ? { fromStateFile: from } : {}),
          ...(metadata ? { metadata } : {}),
          tensors,
        };
        ctx.stdout(`${JSON.stringify(doc, null, 2)}\n`);
        return 0;
      }
      if (metadata) {
        ctx.stdout('__metadata__:\n');
        for (const [k, v] of Object.entries(metadata)) ctx.stdout(`  ${k}: ${JSON.stringify(v)}\n`);
      }
      const rows = tensors.map((t) => [
        escapeControls(t.name), // a NUL or an escape sequence in a name must not reach the terminal raw
        t.dtype,
        `[${t.shape.join(', ')}]`,
        String(t.bytes),
        [t.slices ? `${t.slices} slices` : '', t.unsupported ? 'unsupported dtype' : ''].filter(Boolean).join(', '),
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
      const unsupported = tensors.filter((t) => t.unsupported).length;
      ctx.stdout(
        `${tensors.length} tensors, ${total} bytes (${r.format})${unsupported ? `, ${unsupported} of an unsupported dtype` : ''}\n`,
      );
      if (from?.outside) ctx.stdout(`note: the state file of ${from.directory} names a checkpoint outside it\n`);
      return 0;
    } finally {
      r.close();
    }
  },
};
