// `tensorgraft cat CHECKPOINT NAME [--json]`: one tensor's values. JSON: {name, dtype, shape, values} with values
// flattened row-major (see @tensorgraft/bundle-io tensorJsonValues for the encoding of each dtype).
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';

const HUMAN_LIMIT = 1000;

export const catCommand: Command = {
  name: 'cat',
  usage: 'cat CHECKPOINT NAME [--json]',
  summary: "print one tensor's values (JSON: {name, dtype, shape, values} flattened row-major)",
  async run(ctx) {
    expectPositionals(ctx.args, 2);
    const path = requirePositional(ctx.args, 0, 'CHECKPOINT');
    const name = requirePositional(ctx.args, 1, 'NAME');
    const { openCheckpoint, tensorJsonValues } = await import('@tensorgraft/bundle-io');
    const r = openCheckpoint(path);
    try {
      const t = r.get(name);
      if (ctx.json) {
        ctx.stdout(`${JSON.stringify({ name, dtype: t.dtype, shape: t.shape, values: tensorJsonValues(t) })}\n`);
        return 0;
      }
      const values = tensorJsonValues(t, HUMAN_LIMIT);
      const total = t.shape.reduce((a, b) => a * b, 1);
      ctx.stdout(`${name}  ${t.dtype}  [${t.shape.join(', ')}]\n`);
      ctx.stdout(
        `${values.map((v) => JSON.stringify(v)).join(' ')}${total > values.length ? ` … (${total - values.length} more)` : ''}\n`,
      );
      return 0;
    } finally {
      r.close();
    }
  },
};
