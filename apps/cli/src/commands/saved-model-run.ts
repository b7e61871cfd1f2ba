// What `tensorgraft saved-model` does when it runs (its usage, options and help are declared in saved-model.ts).
import { formatSavedModel, loadSavedModel, showSavedModel } from '@tensorgraft/deploy';
import { expectPositionals, repeatedOption, requirePositional, stringOption } from '../args.js';
import { type CommandContext, UsageError } from '../command.js';

/** The command's work; its declaration (and --help) is in saved-model.ts. */
export async function run(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx.args, 2);
  const action = requirePositional(ctx.args, 0, 'show or run');
  const dir = requirePositional(ctx.args, 1, 'DIR (a SavedModel directory)');
  const tags = (stringOption(ctx.args, '--tags') ?? 'serve').split(',').filter((t) => t !== '');
  if (action === 'show') {
    const summary = showSavedModel(dir);
    ctx.stdout(ctx.json ? `${JSON.stringify({ dir, ...summary })}\n` : formatSavedModel(summary));
    return 0;
  }
  if (action !== 'run') throw new UsageError(`unknown action '${action}' (show or run)`);
  const signature = stringOption(ctx.args, '--signature') ?? 'serving_default';
  const raw = repeatedOption(ctx.args, '--input').map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input ${JSON.stringify(arg)} is not KEY=JSON`);
    try {
      return [arg.slice(0, eq), JSON.parse(arg.slice(eq + 1)) as unknown] as const;
    } catch {
      throw new UsageError(`--input ${arg.slice(0, eq)}: the value is not JSON`);
    }
  });
  const model = await loadSavedModel(dir, { tags });
  try {
    const inputs = Object.fromEntries(raw) as Record<string, number[]>;
    const outputs = await model.run(signature, inputs);
    const doc: Record<string, { dtype: string; shape: number[]; values: unknown }> = {};
    for (const [key, t] of Object.entries(outputs)) {
      doc[key] = { dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync() as ArrayLike<unknown>) };
    }
    for (const t of Object.values(outputs)) t.dispose();
    if (ctx.json) ctx.stdout(`${JSON.stringify({ dir, signature, outputs: doc })}\n`);
    else {
      const lines = [`Result for output key(s) of signature '${signature}':`];
      for (const [key, o] of Object.entries(doc))
        lines.push(`${key} [${o.shape.join(', ')}] ${o.dtype}: ${JSON.stringify(o.values)}`);
      ctx.stdout(`${lines.join('\n')}\n`);
    }
    return 0;
  } finally {
    model.close();
  }
}
