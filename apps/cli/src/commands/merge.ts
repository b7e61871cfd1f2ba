// `tensorgraft merge --model SCOPE=CKPT[.meta] ... [--wire 'SCOPE/x:0=OTHER/y:0' ...] [--freeze SCOPE ...] -o OUT
// [--json]`: the mixer from the command line. Each model is a tf.compat.v1 checkpoint with its meta graph (`CKPT` is
// the prefix or the `.meta` file, or a directory with a `checkpoint` state file); it is imported under SCOPE. A wire
// feeds a model's tensor (named with its scope) from a tensor of a model given before it. OUT.meta (one graph, one
// Saver over every variable) and OUT's V2 checkpoint (every tensor copied byte for byte under its scoped key) are
// written. --freeze takes a scope's variables out of trainable_variables and puts StopGradient where its tensors
// leave it, so a later fine-tuning run trains the rest only. Existing output files are replaced (atomically) only with
// --force.
import { existsSync } from 'node:fs';
import type { ResolvedCheckpoint } from '@tensorgraft/bundle-io';
import type { FineTuningPlan, ModelSpec } from '@tensorgraft/mixer';
import { expectPositionals, repeatedOption, stringOption } from '../args.js';
import { type Command, InputProblem, UsageError } from '../command.js';
import { startProgress } from '../progress.js';

interface ModelArg {
  scope: string;
  checkpoint: string;
  metaGraph: string;
}

function parseModel(arg: string, resolveCheckpoint: (path: string) => ResolvedCheckpoint): ModelArg {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1)
    throw new UsageError(`--model wants SCOPE=CHECKPOINT, got ${JSON.stringify(arg)}`);
  const scope = arg.slice(0, eq);
  let path = arg.slice(eq + 1);
  if (path.endsWith('.meta')) path = path.slice(0, -'.meta'.length);
  const { path: checkpoint } = resolveCheckpoint(path);
  const metaGraph = `${checkpoint}.meta`;
  if (!existsSync(metaGraph)) throw new InputProblem(`model '${scope}': no meta graph at ${metaGraph}`);
  return { scope, checkpoint, metaGraph };
}

/** `head/x:0=backbone/y:0` -> the model whose scope prefixes the left side, its own tensor name, the target. */
function parseWire(arg: string, models: readonly ModelArg[]): { model: ModelArg; key: string; target: string } {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1) {
    throw new UsageError(`--wire wants SCOPE/TENSOR=TENSOR, got ${JSON.stringify(arg)}`);
  }
  const left = arg.slice(0, eq);
  const target = arg.slice(eq + 1);
  // the longest scope that prefixes the left side (scopes may nest: `a` and `a/b`)
  const model = [...models].sort((a, b) => b.scope.length - a.scope.length).find((m) => left.startsWith(`${m.scope}/`));
  if (!model) throw new UsageError(`--wire ${JSON.stringify(arg)}: '${left}' is under no --model scope`);
  return { model, key: left.slice(model.scope.length + 1), target };
}

export const mergeCommand: Command = {
  name: 'merge',
  usage:
    "merge --model SCOPE=CKPT[.meta] ... [--wire 'SCOPE/x:0=OTHER/y:0' ...] [--freeze SCOPE ...] -o OUT [--force] [--json]",
  summary:
    'mix checkpoints + meta graphs under name scopes into one meta graph and V2 checkpoint (OUT.meta, OUT.index)',
  valueOptions: ['--model', '--wire', '--freeze', '-o', '--out'],
  flags: ['--force'],
  optionHelp: {
    '--model':
      'SCOPE=CKPT: a tf.compat.v1 checkpoint (prefix, its .meta, or a directory with a `checkpoint` file) with its\n' +
      'meta graph, imported under name scope SCOPE; repeat for each model',
    '--wire': "'SCOPE/x:0=OTHER/y:0': feed a model's input tensor from a tensor of a model given before it; repeatable",
    '--freeze':
      "SCOPE: take that model's variables out of trainable_variables and put StopGradient where its tensors leave\n" +
      'it, so later fine-tuning trains the rest only; repeatable',
    '-o': 'the output checkpoint prefix: OUT.meta, OUT.index and OUT.data-00000-of-00001 are written',
    '--out': 'same as -o',
    '--force':
      'replace OUT.meta, OUT.index and OUT.data-* if they exist (each atomically); without it, exit 1 naming the file',
  },
  async run(ctx) {
    expectPositionals(ctx.args, 0);
    const out = stringOption(ctx.args, '-o') ?? stringOption(ctx.args, '--out');
    if (out === undefined) throw new UsageError('missing -o OUT (the output checkpoint prefix)');
    const modelArgs = repeatedOption(ctx.args, '--model');
    if (!modelArgs.length) throw new UsageError('give at least one --model SCOPE=CHECKPOINT');
    const { checkpointFiles, refuseToReplace } = await import('../output-files.js');
    refuseToReplace([`${out}.meta`, ...checkpointFiles(out)], ctx.args.options.has('--force'));
    const { resolveCheckpoint } = await import('@tensorgraft/bundle-io');
    const { mix, saveMixed, stopTraining } = await import('@tensorgraft/mixer');
    const models = modelArgs.map((m) => parseModel(m, resolveCheckpoint));
    const inputMaps = new Map<ModelArg, Record<string, string>>();
    for (const w of repeatedOption(ctx.args, '--wire')) {
      const { model, key, target } = parseWire(w, models);
      const map = inputMaps.get(model) ?? {};
      if (key in map) throw new UsageError(`'${model.scope}/${key}' is wired twice`);
      map[key] = target;
      inputMaps.set(model, map);
    }
    const specs: ModelSpec[] = models.map((m) => ({
      scope: m.scope,
      metaGraph: m.metaGraph,
      checkpoint: m.checkpoint,
      ...(inputMaps.has(m) ? { inputMap: inputMaps.get(m)! } : {}),
    }));
    const mixed = mix(specs);
    const frozen = repeatedOption(ctx.args, '--freeze');
    const plan: FineTuningPlan | undefined = frozen.length ? stopTraining(mixed, { scopes: frozen }) : undefined;
    const progress = await startProgress('merge', mixed.restoreMap.size, ctx.progressStream);
    let report: Awaited<ReturnType<typeof saveMixed>>;
    try {
      report = await saveMixed(mixed, out, { onTensor: () => progress.tick() });
    } finally {
      progress.stop();
    }

    const summary = mixed.models.map((m) => ({
      scope: m.scope,
      metaGraph: models.find((a) => a.scope === m.name)!.metaGraph,
      checkpoint: m.checkpoint ?? null,
      variables: m.variables.length,
      wired: m.wired,
    }));
    if (ctx.json) {
      ctx.stdout(
        `${JSON.stringify({
          out,
          metaGraph: report.metaGraph,
          tensors: report.keys.length,
          bytes: report.bytes,
          keys: report.keys,
          restoreMap: Object.fromEntries(
            [...mixed.restoreMap].map(([k, e]) => [k, { model: e.model, checkpoint: e.checkpoint, key: e.key }]),
          ),
          models: summary,
          ...(plan ? { frozen: plan.frozen, trainable: plan.trainable, boundaries: plan.boundaries } : {}),
        })}\n`,
      );
      return 0;
    }
    const lines = [
      `merged ${summary.length} models into ${out} (${report.keys.length} tensors, ${report.bytes} bytes)`,
    ];
    for (const m of summary) {
      lines.push(`  ${m.scope}/  ${m.variables} variables from ${m.checkpoint}`);
      for (const [k, v] of Object.entries(m.wired)) lines.push(`    ${m.scope}/${k} <- ${v}`);
    }
    if (plan) {
      lines.push(`  frozen: ${plan.frozen.length} variables; trainable: ${plan.trainable.length}`);
      for (const b of plan.boundaries) lines.push(`    stop gradient: ${b.tensor} -> ${b.stopGradient}`);
    }
    lines.push(`  wrote ${report.metaGraph}, ${out}.index, ${out}.data-00000-of-00001`);
    ctx.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};
