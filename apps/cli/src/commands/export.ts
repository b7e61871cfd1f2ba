// `tensorgraft export MODEL.meta CHECKPOINT --format saved_model --signature 'NAME:key=tensor,...' ... -o DIR
// [--tags serve] [--asset FILE[=TENSOR]] [--json]`: a meta graph and its checkpoint (a mixed or fine-tuned model) as a
// SavedModel TensorFlow Serving and tf.saved_model.load read. In a signature, a key whose tensor a Placeholder makes is
// an input, any other an output; NAME defaults to serving_default.
import { type SignatureSpec, writeSavedModel } from '@tensorgraft/deploy';
import { parseInput } from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';
import { expectPositionals, repeatedOption, requirePositional, stringOption } from '../args.js';
import { type Command, UsageError } from '../command.js';
import { loadGraphFile } from '../graph-file.js';

const FEEDABLE = new Set(['Placeholder', 'PlaceholderWithDefault', 'PlaceholderV2']);

export function parseSignature(arg: string, meta: tensorflow.MetaGraphDef): [string, SignatureSpec] {
  const colon = arg.indexOf(':');
  const head = colon < 0 ? '' : arg.slice(0, colon);
  const [name, body] = head && !head.includes('=') ? [head, arg.slice(colon + 1)] : ['serving_default', arg];
  const ops = new Map((meta.graph_def?.node ?? []).map((n) => [n.name ?? '', n.op ?? '']));
  const inputs: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  for (const part of body.split(',').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--signature ${JSON.stringify(arg)}: '${part}' is not key=tensor`);
    const key = part.slice(0, eq);
    const tensor = part.slice(eq + 1);
    if (key in inputs || key in outputs) throw new UsageError(`--signature ${name}: key '${key}' is given twice`);
    (FEEDABLE.has(ops.get(parseInput(tensor).node) ?? '') ? inputs : outputs)[key] = tensor;
  }
  if (!Object.keys(outputs).length)
    throw new UsageError(`--signature ${name}: no output (a tensor no Placeholder makes)`);
  return [name, { inputs, outputs }];
}

export const exportCommand: Command = {
  name: 'export',
  usage:
    "export MODEL.meta CHECKPOINT --format saved_model --signature 'NAME:key=tensor,...' ... -o DIR [--tags serve] [--asset FILE[=TENSOR]] [--json]",
  summary: 'write a meta graph and its checkpoint as a SavedModel (saved_model.pb, variables/, assets/)',
  valueOptions: ['--format', '--signature', '-o', '--out', '--tags', '--asset'],
  async run(ctx) {
    expectPositionals(ctx.args, 2);
    const model = requirePositional(ctx.args, 0, 'MODEL (a .meta file)');
    const checkpoint = requirePositional(ctx.args, 1, 'CHECKPOINT');
    const format = stringOption(ctx.args, '--format') ?? 'saved_model';
    if (format !== 'saved_model') throw new UsageError(`--format must be saved_model, got '${format}'`);
    const out = stringOption(ctx.args, '-o') ?? stringOption(ctx.args, '--out');
    if (out === undefined) throw new UsageError('missing -o DIR (the SavedModel directory)');
    const sigArgs = repeatedOption(ctx.args, '--signature');
    if (!sigArgs.length) throw new UsageError("missing --signature 'NAME:key=tensor,...'");
    const loaded = await loadGraphFile(model, 'meta');
    if (loaded.kind !== 'meta') throw new UsageError(`${model} is not a MetaGraphDef`);
    const signatures = Object.fromEntries(sigArgs.map((s) => parseSignature(s, loaded.message)));
    const assets = repeatedOption(ctx.args, '--asset').map((a) => {
      const eq = a.indexOf('=');
      return eq < 0 ? { file: a } : { file: a.slice(0, eq), tensor: a.slice(eq + 1) };
    });
    const tags = (stringOption(ctx.args, '--tags') ?? 'serve').split(',').filter((t) => t !== '');
    const report = writeSavedModel(out, loaded.message, checkpoint, { signatures, tags, assets });
    if (ctx.json) {
      ctx.stdout(`${JSON.stringify({ ...report, format, tags, signatureDefs: signatures })}\n`);
      return 0;
    }
    const lines = [`wrote SavedModel ${out} (tags ${tags.join(',')}, ${report.variables.length} variables)`];
    for (const [name, s] of Object.entries(signatures)) {
      lines.push(`  signature ${name}: ${Object.keys(s.inputs).join(', ')} -> ${Object.keys(s.outputs).join(', ')}`);
    }
    ctx.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};
