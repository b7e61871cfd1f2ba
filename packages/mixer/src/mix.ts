// mix(): several models (meta graphs or graph defs, each with an optional checkpoint) imported into one Graph, each
// under its own name scope with import_meta_graph's import_scope semantics, a model's inputs wired to tensors that
// earlier models put in the graph (inputMap keyed by the model's own tensor names), and a restore map saying where
// every variable's value comes from: merged variable name -> (source checkpoint, key in it).
// Each model's own Saver subgraph (`save/...`) is left out: the mixed graph gets one Saver over all variables when it
// is saved (save.ts). Nothing is silently renamed: a taken scope or a clashing node name is an error.

import {
  canonicalTensor,
  Graph,
  GraphError,
  GraphKeys,
  importMetaGraph,
  inferOutputShapes,
  outputCount,
  outputTypes,
  parseInput,
  readAttr,
  type ShapeLike,
} from '@tensorgraft/graph';
import { baseDType, dtypeName, tensorflow } from '@tensorgraft/proto';
import { MixerError } from './errors.js';
import { Mixed, type MixedModel, type RestoreEntry } from './mixed.js';
import { openModelCheckpoint } from './model-checkpoint.js';
import { type GraphSource, loadGraphDef, loadMetaGraph } from './source-model.js';
import { readSourceSaver, type SourceSaver, withoutSaver } from './source-saver.js';
import { markNotTrainable } from './trainable.js';

export interface ModelSpec {
  /** Name scope of the model in the mixed graph (`backbone`, `head`, `a/b`). */
  scope: string;
  /** Name used in messages and in `Mixed.model()` (default: the scope asked for). */
  name?: string;
  /** The model as a MetaGraphDef (message, bytes, or a `.meta` / `.pbtxt` path). */
  metaGraph?: GraphSource<tensorflow.MetaGraphDef.$Properties>;
  /** Or as a bare GraphDef (its variables are found by op type; no saver, no collections). */
  graphDef?: GraphSource<tensorflow.GraphDef.$Properties>;
  /** Where its variables' values come from: a V2 prefix, a V1 file, `.safetensors`, or a directory. */
  checkpoint?: string;
  /**
   * Variables (the model's own names) or scopes (`vgg_16/fc8`) not to restore from the checkpoint: they keep their
   * initializers (TF-slim's get_variables_to_restore(exclude=...), e.g. a classifier layer being replaced).
   */
  exclude?: readonly string[];
  /** The checkpoint key of a variable (its own name in the model), when not what the model's Saver says. */
  checkpointKey?: (variable: string) => string;
  /** The model's tensor (`x:0`) -> a tensor already in the mixed graph (`backbone/pool5:0`). */
  inputMap?: Readonly<Record<string, string>>;
  /** false: the model's variables are left out of `trainable_variables` (default true). */
  trainable?: boolean;
  /** Every Placeholder of the model must be wired (default: true when inputMap is given). */
  requireWired?: boolean;
  /** Keep the model's own Saver subgraph (default false). */
  keepSaver?: boolean;
  /** Clear device placements (default true: models from different machines rarely agree on devices). */
  clearDevices?: boolean;
}

export interface MixOptions {
  /** Mix into this graph (default: a new one). */
  graph?: Graph;
  /** A scope asked for twice becomes `scope_1`... instead of a DUPLICATE_SCOPE error. */
  uniquifyScopes?: boolean;
}

const SCOPE = /^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$/;
const VARIABLE_OPS = new Set(['VariableV2', 'Variable', 'VarHandleOp']);

export function mix(specs: readonly ModelSpec[], options: MixOptions = {}): Mixed {
  const graph = options.graph ?? new Graph();
  const models: MixedModel[] = [];
  const restoreMap = new Map<string, RestoreEntry>();
  const names = new Set<string>();
  for (const spec of specs) {
    const model = importModel(graph, spec, options, names);
    models.push(model.model);
    for (const e of model.entries) restoreMap.set(e.variable, e);
  }
  return new Mixed(graph, models, restoreMap);
}

function importModel(
  graph: Graph,
  spec: ModelSpec,
  options: MixOptions,
  names: Set<string>,
): { model: MixedModel; entries: RestoreEntry[] } {
  const name = spec.name ?? spec.scope;
  if (names.has(name)) throw new MixerError('DUPLICATE_SCOPE', `two models are named '${name}'`, { model: name });
  names.add(name);
  if (typeof spec.scope !== 'string' || !SCOPE.test(spec.scope) || spec.scope.endsWith('/')) {
    throw new MixerError('BAD_SPEC', `'${String(spec.scope)}' is not a valid name scope`, { model: name });
  }
  if ((spec.metaGraph === undefined) === (spec.graphDef === undefined)) {
    throw new MixerError('BAD_SPEC', 'give exactly one of metaGraph and graphDef', { model: name });
  }
  const scope = pickScope(graph, spec.scope, options.uniquifyScopes ?? false, name);

  let meta = spec.metaGraph !== undefined ? loadMetaGraph(spec.metaGraph, name) : loadGraphDef(spec.graphDef!, name);
  const saver = readSourceSaver(meta);
  if (saver && !spec.keepSaver) meta = withoutSaver(meta, saver);

  const inputMap = checkWiring(graph, meta, spec, name);
  const before = graph.getCollection(GraphKeys.GLOBAL_VARIABLES).length;
  let nodes: string[];
  try {
    nodes = importMetaGraph(graph, meta, {
      importScope: scope,
      inputMap,
      strict: true,
      clearDevices: spec.clearDevices ?? true,
      ...(typeof spec.metaGraph === 'string' ? { path: spec.metaGraph } : {}),
    }).nodes;
  } catch (cause) {
    throw importError(cause, name);
  }
  let variables = graph
    .getCollection(GraphKeys.GLOBAL_VARIABLES)
    .slice(before)
    .flatMap((item) => (item.kind === 'variable' ? [parseInput(item.def.variable_name ?? '').node] : []));
  if (spec.graphDef !== undefined) variables = addVariableDefs(graph, nodes, spec.trainable ?? true);
  if (spec.trainable === false) markNotTrainable(graph, new Set(variables));

  const entries = spec.checkpoint === undefined ? [] : restoreEntries(graph, variables, scope, saver, spec, name);
  const wired = Object.fromEntries(Object.entries(inputMap));
  const model: MixedModel = { name, scope, variables, nodes, wired };
  if (spec.checkpoint !== undefined) model.checkpoint = spec.checkpoint;
  return { model, entries };
}

function pickScope(graph: Graph, asked: string, uniquify: boolean, model: string): string {
  const taken = graph.nodes.some((n) => n.name === asked || n.name.startsWith(`${asked}/`));
  const free = graph.uniqueName(asked, false);
  if (!taken && free === asked) return asked;
  if (!uniquify) {
    throw new MixerError('DUPLICATE_SCOPE', `scope '${asked}' is already used in the graph`, { model });
  }
  return free;
}

function importError(cause: unknown, model: string): MixerError {
  if (cause instanceof MixerError) return cause;
  if (cause instanceof GraphError) {
    const d = { model, node: cause.node, path: cause.path, cause };
    if (cause.code === 'NAME_COLLISION') return new MixerError('NAME_CLASH', 'the model collides with the graph', d);
    if (cause.code === 'INPUT_MAP') return new MixerError('UNMAPPED_INPUT', 'the model cannot be wired so', d);
    return new MixerError('BAD_FILE', 'the model does not import', d);
  }
  return new MixerError('BAD_FILE', 'the model does not import', { model, cause });
}

/** Checks every wire before anything is imported; returns the inputMap with canonical tensor names. */
function checkWiring(
  graph: Graph,
  meta: tensorflow.MetaGraphDef.$Properties,
  spec: ModelSpec,
  model: string,
): Record<string, string> {
  const source = new Map((meta.graph_def?.node ?? []).map((n) => [n.name ?? '', n]));
  const out: Record<string, string> = {};
  const entries = Object.entries(spec.inputMap ?? {});
  let shapes: Map<string, ShapeLike[]> | undefined;
  for (const [from, to] of entries) {
    const src = tensorRef(from, model, 'wire key');
    const dst = tensorRef(to, model, 'wire target');
    const srcNode = source.get(src.node);
    if (!srcNode) {
      throw new MixerError('UNMAPPED_INPUT', `wire key '${from}' names no node of the model`, { model, node: from });
    }
    const dstNode = graph.node(dst.node);
    if (!dstNode || dst.index >= (outputCount(dstNode) ?? Number.POSITIVE_INFINITY)) {
      throw new MixerError(
        'UNMAPPED_INPUT',
        `wire target '${to}' is not a tensor of the mixed graph (models are mixed in order: wire to earlier ones)`,
        { model, node: to },
      );
    }
    const srcType = baseTypeOf(outputTypes(srcNode)?.[src.index]);
    const dstType = baseTypeOf(outputTypes(dstNode)?.[dst.index]);
    if (srcType !== undefined && dstType !== undefined && srcType !== dstType) {
      throw new MixerError('BAD_WIRE', `'${from}' is ${dtypeName(srcType)} but '${to}' is ${dtypeName(dstType)}`, {
        model,
        node: from,
      });
    }
    if (srcNode.op === 'Placeholder' && readAttr.has(srcNode, 'shape')) {
      shapes ??= inferOutputShapes(graph);
      const want = readAttr.shape(srcNode, 'shape');
      const have = shapes.get(dst.node)?.[dst.index] ?? null;
      if (!shapesCompatible(want, have)) {
        throw new MixerError(
          'BAD_WIRE',
          `'${from}' has shape ${fmtShape(want)} but '${to}' has shape ${fmtShape(have)}`,
          { model, node: from },
        );
      }
    }
    out[`${src.node}:${src.index}`] = `${dst.node}:${dst.index}`;
  }
  if (spec.requireWired ?? entries.length > 0) {
    for (const n of source.values()) {
      if (n.op === 'Placeholder' && !(`${n.name}:0` in out)) {
        throw new MixerError('UNMAPPED_INPUT', `placeholder '${n.name}' of the model is not wired to anything`, {
          model,
          node: `${n.name}:0`,
        });
      }
    }
  }
  return out;
}

function tensorRef(name: string, model: string, what: string): { node: string; index: number } {
  try {
    const r = parseInput(canonicalTensor(name));
    return r;
  } catch (cause) {
    throw new MixerError('UNMAPPED_INPUT', `${what} '${name}' is not a tensor name`, { model, node: name, cause });
  }
}

const baseTypeOf = (t: number | undefined) => (t === undefined ? undefined : baseDType(t));

function shapesCompatible(a: ShapeLike, b: ShapeLike): boolean {
  if (a === null || b === null) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => d < 0 || b[i]! < 0 || d === b[i]);
}

const fmtShape = (s: ShapeLike) => (s === null ? '<unknown>' : `[${s.map((d) => (d < 0 ? '?' : d)).join(', ')}]`);

/** A bare GraphDef has no collections: its variables get VariableDefs as get_variable would have written them. */
function addVariableDefs(graph: Graph, nodes: readonly string[], trainable: boolean): string[] {
  const found: string[] = [];
  for (const name of nodes) {
    const n = graph.node(name);
    if (!n || !VARIABLE_OPS.has(n.op)) continue;
    const resource = n.op === 'VarHandleOp';
    const snapshot = [`${name}/read`, `${name}/Read/ReadVariableOp`].find((s) => graph.hasNode(s));
    const def = tensorflow.VariableDef.create({
      variable_name: `${name}:0`,
      ...(graph.hasNode(`${name}/Assign`) ? { initializer_name: `${name}/Assign` } : {}),
      snapshot_name: snapshot ? `${snapshot}:0` : `${name}:0`,
      trainable,
      ...(resource ? { is_resource: true } : {}),
    });
    graph.addToCollection(GraphKeys.GLOBAL_VARIABLES, { kind: 'variable', def });
    if (trainable) graph.addToCollection(GraphKeys.TRAINABLE_VARIABLES, { kind: 'variable', def });
    found.push(name);
  }
  return found;
}

/** Where each of the model's variables comes from, checked against the checkpoint's index (no tensor is read). */
function restoreEntries(
  graph: Graph,
  variables: readonly string[],
  scope: string,
  saver: SourceSaver | undefined,
  spec: ModelSpec,
  model: string,
): RestoreEntry[] {
  const path = spec.checkpoint!;
  const reader = openModelCheckpoint(path, model);
  try {
    const excluded = (own: string) =>
      (spec.exclude ?? []).some((e) => {
        const x = e.replace(/\/+$/, '');
        return own === x || own.startsWith(`${x}/`);
      });
    return variables.flatMap((variable) => {
      const own = variable.slice(scope.length + 1);
      if (excluded(own)) return [];
      const key = spec.checkpointKey ? spec.checkpointKey(own) : (saver?.keys.get(own) ?? own);
      if (!reader.has(key)) {
        throw new MixerError('MISSING_IN_CHECKPOINT', `the checkpoint has no tensor '${key}'`, {
          model,
          variable,
          path,
        });
      }
      const entry = reader.entry(key);
      const node = graph.requireNode(variable);
      const dtype = dtypeName(baseDType(readAttr.type(node, 'dtype')));
      const shape = readAttr.has(node, 'shape') ? readAttr.shape(node, 'shape') : null;
      if (entry.dtype !== dtype || (shape !== null && !sameShape(shape, entry.shape))) {
        throw new MixerError(
          'CHECKPOINT_MISMATCH',
          `the checkpoint's '${key}' is ${entry.dtype} ${fmtShape(entry.shape)}, the variable is ${dtype} ${fmtShape(shape)}`,
          { model, variable, path },
        );
      }
      return [{ variable, model, checkpoint: path, key, dtype, shape: [...entry.shape] }];
    });
  } finally {
    reader.close();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d < 0 || d === b[i]);
}
