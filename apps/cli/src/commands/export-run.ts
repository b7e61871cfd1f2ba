import {
  exportGraphModel,
  findMetaGraph,
  freezeSavedModel,
  type QuantizationDtype,
  readSavedModel,
  type SignatureSpec,
  variablesPrefix,
  writeSavedModel,
} from '@tensorgraft/deploy';
import { freezeGraph, parseInput } from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';
import { expectPositionals, repeatedOption, requirePositional, stringOption } from '../args.js';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { loadGraphFile } from '../graph-file.js';
import { isDirectory } from './freeze-run.js';

const FEEDABLE = new Set(['Placeholder', 'PlaceholderWithDefault', 'PlaceholderV2']);

const QUANTIZE = ['uint8', 'uint16', 'float16'];

export function parseSignature(
  arg: string,
  meta: { graph_def?: tensorflow.GraphDef.$Properties | null },
): [string, SignatureSpec] {
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

/** The command's work; its declaration (and --help) is in export.ts. */
export async function run(ctx: CommandContext): Promise<number> {
  expectPositionals(ctx.args, 2);
  const model = requirePositional(ctx.args, 0, 'MODEL');
  const checkpoint = ctx.args.positionals[1];
  const format = stringOption(ctx.args, '--format') ?? 'saved_model';
  if (format !== 'saved_model' && format !== 'graph_model') {
    throw new UsageError(`--format must be saved_model or graph_model, got '${format}'`);
  }
  const out = stringOption(ctx.args, '-o') ?? stringOption(ctx.args, '--out');
  if (out === undefined) throw new UsageError('missing -o DIR (the output directory)');
  const sigArgs = repeatedOption(ctx.args, '--signature');
  const tags = (stringOption(ctx.args, '--tags') ?? 'serve').split(',').filter((t) => t !== '');
  if (format === 'graph_model') return exportGraphModelCommand(ctx, model, checkpoint, sigArgs, tags, out);

  if (checkpoint === undefined) throw new UsageError('missing CHECKPOINT');
  if (!sigArgs.length) throw new UsageError("missing --signature 'NAME:key=tensor,...'");
  const loaded = await loadGraphFile(model, 'meta');
  if (loaded.kind !== 'meta') throw new UsageError(`${model} is not a MetaGraphDef`);
  const signatures = Object.fromEntries(sigArgs.map((s) => parseSignature(s, loaded.message)));
  const assets = repeatedOption(ctx.args, '--asset').map((a) => {
    const eq = a.indexOf('=');
    return eq < 0 ? { file: a } : { file: a.slice(0, eq), tensor: a.slice(eq + 1) };
  });
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
}

async function exportGraphModelCommand(
  ctx: Parameters<Command['run']>[0],
  model: string,
  checkpoint: string | undefined,
  sigArgs: readonly string[],
  tags: readonly string[],
  out: string,
): Promise<number> {
  const quantize = stringOption(ctx.args, '--quantize');
  if (quantize !== undefined && !QUANTIZE.includes(quantize)) {
    throw new UsageError(`--quantize must be one of ${QUANTIZE.join(', ')}`);
  }
  if (sigArgs.length > 1) throw new UsageError('a GraphModel has one signature: give --signature once');
  let signature: SignatureSpec;
  let frozen: tensorflow.GraphDef.$Properties;
  let generatedBy: string | undefined;
  if (isDirectory(model)) {
    const meta = findMetaGraph(readSavedModel(model), tags, model);
    generatedBy = meta.meta_info_def?.tensorflow_version ?? undefined;
    if (sigArgs.length && sigArgs[0]!.includes('=')) {
      signature = parseSignature(sigArgs[0]!, meta)[1];
      frozen = freezeGraph(meta, variablesPrefix(model), { outputs: Object.values(signature.outputs) }).graphDef;
    } else {
      // one of the SavedModel's own signatures (TF1 or TF2: function calls are inlined)
      const f = await freezeSavedModel(model, { tags, signature: sigArgs[0] ?? 'serving_default' });
      signature = { inputs: f.inputs, outputs: f.outputs };
      frozen = f.graphDef;
    }
  } else {
    const loaded = await loadGraphFile(model);
    if (!sigArgs.length) throw new UsageError("missing --signature 'key=tensor,...'");
    signature = parseSignature(sigArgs[0]!, loaded.kind === 'meta' ? loaded.message : { graph_def: loaded.message })[1];
    if (loaded.kind === 'meta') {
      if (checkpoint === undefined) throw new UsageError('a meta graph needs its CHECKPOINT to be frozen');
      generatedBy = loaded.message.meta_info_def?.tensorflow_version ?? undefined;
      frozen = freezeGraph(loaded.message, checkpoint, { outputs: Object.values(signature.outputs) }).graphDef;
    } else {
      frozen = loaded.message;
    }
  }
  const report = await exportGraphModel(frozen, out, {
    signature,
    ...(quantize === undefined ? {} : { quantization: quantize as QuantizationDtype }),
    ...(generatedBy ? { generatedBy } : {}),
  });
  if (ctx.json) {
    ctx.stdout(`${JSON.stringify({ ...report, format: 'graph_model', signature })}\n`);
    return 0;
  }
  ctx.stdout(
    `wrote GraphModel ${out}: ${report.files.join(', ')} (${report.weights.length} weights, ${report.weightBytes} bytes${quantize ? `, ${quantize}` : ''})\n`,
  );
  return 0;
}
