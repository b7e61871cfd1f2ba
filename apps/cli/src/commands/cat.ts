// `tensorgraft cat CHECKPOINT NAME [--all] [--json]`: one tensor's values. For people as numpy prints an array (past
// 1000 elements only the first and last 3 of each axis, `--all` for every value), then min, max and mean. JSON:
// {name, dtype, shape, values} with every value, flattened row-major (see @tensorgraft/bundle-io tensorJsonValues for
// the encoding of each dtype).
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';
import { openCheckpointArg } from '../open-checkpoint.js';

export const catCommand: Command = {
  name: 'cat',
  usage: 'cat CHECKPOINT NAME [--all] [--json]',
  summary: "print one tensor's values, summarised as numpy does past 1000 elements, with min/max/mean",
  flags: ['--all'],
  optionHelp: {
    '--all': 'print every value, however large the tensor (default: numpy-style head ... tail past 1000 elements)',
  },
  details: 'JSON output always holds every value: {name, dtype, shape, values} flattened row-major.',
  async run(ctx) {
    expectPositionals(ctx.args, 2);
    const path = requirePositional(ctx.args, 0, 'CHECKPOINT');
    const name = requirePositional(ctx.args, 1, 'NAME');
    const { tensorJsonValues } = await import('@tensorgraft/bundle-io/lite');
    const { SUMMARY_THRESHOLD, formatArray, formatValue, statistics } = await import('../array-format.js');
    const { reader: r } = await openCheckpointArg(path);
    try {
      const t = r.get(name);
      const values = tensorJsonValues(t);
      if (ctx.json) {
        ctx.stdout(`${JSON.stringify({ name, dtype: t.dtype, shape: t.shape, values })}\n`);
        return 0;
      }
      const summarize = !ctx.args.options.has('--all') && values.length > SUMMARY_THRESHOLD;
      const float32 = t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16';
      const lines = [
        `${name}  ${t.dtype}  [${t.shape.join(', ')}]`,
        formatArray(t.shape, (i) => formatValue(values[i]!, float32), summarize),
      ];
      const stats = t.dtype === 'bool' ? undefined : statistics(values);
      if (stats && values.length > 1) {
        const f = (v: number) => formatValue(v, false);
        lines.push(`min ${f(stats.min)}  max ${f(stats.max)}  mean ${f(stats.mean)}`);
      }
      ctx.stdout(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      r.close();
    }
  },
};
