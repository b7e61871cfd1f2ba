// What `tensorgraft freeze` does when it runs (its usage, options and help are declared in freeze.ts).
import { statSync } from 'node:fs';
import { freezeSavedModel } from '@tensorgraft/deploy';
import { freezeGraph, graphDefToText, parseInput, removeTrainingNodes, serializeGraphDef } from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';
import { writeFileAtomic } from '@tensorgraft/saver';
import { expectPositionals, repeatedOption, requirePositional, stringOption } from '../args.js';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { loadGraphFile } from '../graph-file.js';

/** The command's work; its declaration (and --help) is in freeze.ts. */
export async function run(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx.args, 2);
  const model = requirePositional(ctx.args, 0, 'MODEL (a .meta or GraphDef file, or a SavedModel directory)');
  const out = stringOption(ctx.args, '-o') ?? stringOption(ctx.args, '--out');
  if (out === undefined) throw new UsageError('missing -o OUT (the frozen GraphDef file)');
  if (isDirectory(model)) return freezeSaved(ctx, model, out);
  const checkpoint = requirePositional(ctx.args, 1, 'CHECKPOINT');
  const outputs = repeatedOption(ctx.args, '--outputs')
    .flatMap((o) => o.split(','))
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (!outputs.length) throw new UsageError('missing --outputs NODE[,NODE...] (the output node names)');

  const loaded = await loadGraphFile(model);
  const source: tensorflow.MetaGraphDef | tensorflow.GraphDef = loaded.message;
  const frozen = freezeGraph(source, checkpoint, {
    outputs,
    clearDevices: ctx.args.options.has('--clear-devices'),
  });
  const { graphDef, bytes } = writeFrozen(ctx, frozen.graphDef, outputs, out);
  const doc = {
    model,
    checkpoint,
    out,
    outputs,
    nodes: graphDef.node?.length ?? 0,
    bytes: bytes.length,
    converted: frozen.converted,
  };
  if (ctx.json) {
    ctx.stdout(`${JSON.stringify(doc)}\n`);
    return 0;
  }
  const lines = [`froze ${model} with ${checkpoint} into ${out} (${doc.nodes} nodes, ${doc.bytes} bytes)`];
  for (const c of frozen.converted) {
    lines.push(`  ${c.variable} -> Const${c.key === c.variable ? '' : ` (checkpoint key ${c.key})`}`);
  }
  ctx.stdout(`${lines.join('\n')}\n`);
  return 0;
}

async function freezeSaved(ctx: Parameters<Command['run']>[0], dir: string, out: string): Promise<number> {
  if (ctx.args.positionals.length > 1) throw new UsageError('a SavedModel directory brings its own variables');
  const tags = (stringOption(ctx.args, '--tags') ?? 'serve').split(',').filter((t) => t !== '');
  const signature = stringOption(ctx.args, '--signature') ?? 'serving_default';
  const frozen = await freezeSavedModel(dir, { tags, signature });
  const keep = Object.values(frozen.outputs).map((t) => parseInput(t).node);
  const { graphDef, bytes } = writeFrozen(ctx, frozen.graphDef, keep, out);
  const doc = {
    model: dir,
    signature,
    out,
    inputs: frozen.inputs,
    outputs: frozen.outputs,
    nodes: graphDef.node?.length ?? 0,
    bytes: bytes.length,
  };
  if (ctx.json) ctx.stdout(`${JSON.stringify(doc)}\n`);
  else {
    const io = (m: Record<string, string>) =>
      Object.entries(m)
        .map(([k, t]) => `${k}=${t}`)
        .join(', ');
    ctx.stdout(
      `froze signature '${signature}' of ${dir} into ${out} (${doc.nodes} nodes): ${io(frozen.inputs)} -> ${io(frozen.outputs)}\n`,
    );
  }
  return 0;
}

/** --strip-training and --as-text applied, then OUT replaced atomically. */
function writeFrozen(ctx: CommandContext, frozen: tensorflow.GraphDef, keep: string[], out: string) {
  const graphDef = ctx.args.options.has('--strip-training') ? removeTrainingNodes(frozen, keep) : frozen;
  const bytes = ctx.args.options.has('--as-text')
    ? new TextEncoder().encode(graphDefToText(graphDef))
    : serializeGraphDef(graphDef);
  writeFileAtomic(out, bytes);
  return { graphDef, bytes };
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
