// Writing a SavedModel as tf.compat.v1.saved_model.Builder.add_meta_graph_and_variables + save() lays it out:
//   DIR/variables/variables.index + .data-00000-of-00001   the variables, under the keys the graph's Saver uses
//   DIR/assets/<file>                                      extra files (AssetFileDef per file given a tensor)
//   DIR/saved_model.pb                                     SavedModel{saved_model_schema_version 1, meta_graphs [M]}
// M is the model's MetaGraphDef with meta_info_def.tags set and the signature_defs added; a graph without a Saver gets
// one (save/restore_all over its `variables` collection), which TensorFlow's loaders run with `variables/variables`
// fed to its filename tensor. Signature TensorInfos carry the tensor's dtype and static shape, as build_tensor_info
// writes them. The variables go first and saved_model.pb last, each through a temporary name, so a crash never leaves
// a directory a loader would take for a SavedModel.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BundleWriter, type CheckpointReader, openCheckpoint } from '@tensorgraft/bundle-io';
import {
  addSaverOps,
  type Graph,
  graphFromMetaGraph,
  inferOutputShapes,
  metaGraphFromGraph,
  outputTypes,
  parseInput,
  readSaverKeys,
  shapeFromProto,
  shapeProto,
} from '@tensorgraft/graph';
import { baseDType, encodeMessage, tensorflow } from '@tensorgraft/proto';
import { writeFileAtomic } from '@tensorgraft/saver';
import Long from 'long';
import { DeployError } from '../errors.js';
import { ASSETS_DIR, SAVED_MODEL_PB, SCHEMA_VERSION, VARIABLES_DIR, variablesPrefix } from './files.js';

export interface SignatureSpec {
  /** Signature input key -> graph tensor (`backbone/inputs:0`). */
  inputs: Readonly<Record<string, string>>;
  /** Signature output key -> graph tensor. */
  outputs: Readonly<Record<string, string>>;
  /** Default `tensorflow/serving/predict`. */
  methodName?: string;
}

export interface WriteSavedModelOptions {
  /** Default ['serve'] (tag_constants.SERVING). */
  tags?: readonly string[];
  signatures: Readonly<Record<string, SignatureSpec>>;
  /** Files copied into assets/; with a tensor, an AssetFileDef tells loaders to feed the file's path to it. */
  assets?: readonly { file: string; tensor?: string }[];
}

export interface SavedModelReport {
  dir: string;
  /** Checkpoint keys written to variables/. */
  variables: string[];
  signatures: string[];
  assets: string[];
}

export const PREDICT_METHOD_NAME = 'tensorflow/serving/predict';

/** Writes `meta` (its variables' values from `checkpoint`) as a SavedModel in `dir` (absent or empty). */
export function writeSavedModel(
  dir: string,
  meta: tensorflow.MetaGraphDef.$Properties,
  checkpoint: string | CheckpointReader,
  options: WriteSavedModelOptions,
): SavedModelReport {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new DeployError('EXISTS', 'the export directory exists and is not empty', { path: dir });
  }
  if (!Object.keys(options.signatures).length) {
    throw new DeployError('INVALID_ARGUMENT', 'a SavedModel for serving needs at least one signature');
  }
  const graph = graphFromMetaGraph(meta);
  let out: tensorflow.MetaGraphDef.$Properties = meta;
  if (!meta.saver_def?.restore_op_name) {
    const saverDef = addSaverOps(graph);
    out = metaGraphFromGraph(graph);
    out.saver_def = saverDef;
  }
  // each variable's key in variables/ (the SavedModel's Saver) and in the checkpoint (the model's own Saver, when it
  // had one: a var_list dict may have saved it under another name)
  const sourceKeys = readSaverKeys(meta)?.keys;
  const copies = new Map<string, string>();
  for (const [variable, key] of readSaverKeys(out)?.keys ?? []) copies.set(key, sourceKeys?.get(variable) ?? key);
  const keys = [...copies.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const signatureDefs: Record<string, tensorflow.SignatureDef.$Properties> = {};
  for (const [key, spec] of Object.entries(options.signatures)) {
    signatureDefs[key] = {
      inputs: tensorInfos(graph, spec.inputs, key),
      outputs: tensorInfos(graph, spec.outputs, key),
      method_name: spec.methodName ?? PREDICT_METHOD_NAME,
    };
  }
  const assetDefs: tensorflow.AssetFileDef.$Properties[] = [];
  for (const a of options.assets ?? []) {
    if (!existsSync(a.file)) throw new DeployError('NOT_FOUND', 'no such asset file', { path: a.file });
    if (a.tensor !== undefined) {
      requireTensor(graph, a.tensor, 'asset');
      assetDefs.push({ tensor_info: { name: a.tensor }, filename: basename(a.file) });
    }
  }

  mkdirSync(join(dir, VARIABLES_DIR), { recursive: true });
  if (keys.length) writeVariables(dir, keys, copies, checkpoint);
  if (options.assets?.length) {
    mkdirSync(join(dir, ASSETS_DIR), { recursive: true });
    for (const a of options.assets) copyFileSync(a.file, join(dir, ASSETS_DIR, basename(a.file)));
  }
  const metaGraph = tensorflow.MetaGraphDef.create({
    ...out,
    meta_info_def: { ...(out.meta_info_def ?? {}), tags: [...(options.tags ?? ['serve'])] },
    signature_def: { ...(out.signature_def ?? {}), ...signatureDefs },
    asset_file_def: [...(out.asset_file_def ?? []), ...assetDefs],
  });
  const model = tensorflow.SavedModel.create({
    saved_model_schema_version: Long.fromNumber(SCHEMA_VERSION),
    meta_graphs: [metaGraph],
  });
  writeFileAtomic(join(dir, SAVED_MODEL_PB), encodeMessage(tensorflow.SavedModel, model));
  return {
    dir,
    variables: keys,
    signatures: Object.keys(options.signatures),
    assets: (options.assets ?? []).map((a) => basename(a.file)),
  };
}

function writeVariables(
  dir: string,
  keys: readonly string[],
  sources: ReadonlyMap<string, string>,
  checkpoint: string | CheckpointReader,
): void {
  const reader = typeof checkpoint === 'string' ? openCheckpoint(checkpoint) : checkpoint;
  const writer = new BundleWriter(variablesPrefix(dir));
  try {
    for (const key of keys) {
      const source = sources.get(key) ?? key;
      if (!reader.has(source)) {
        throw new DeployError('NOT_FOUND', `the checkpoint has no tensor '${source}' that the graph's Saver restores`, {
          name: key,
        });
      }
      writer.add(key, reader.get(source));
    }
    writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    if (typeof checkpoint === 'string') reader.close();
  }
}

function requireTensor(graph: Graph, name: string, what: string): { node: string; index: number } {
  const ref = parseInput(name);
  if (!graph.hasNode(ref.node) || name.startsWith('^')) {
    throw new DeployError('NOT_FOUND', `${what} tensor '${name}' is not in the graph`, { name });
  }
  return ref;
}

const shapeCache: WeakMap<Graph, Map<string, (readonly number[] | null)[]>> = new WeakMap();

function tensorInfos(
  graph: Graph,
  map: Readonly<Record<string, string>>,
  signature: string,
): Record<string, tensorflow.TensorInfo.$Properties> {
  const out: Record<string, tensorflow.TensorInfo.$Properties> = {};
  for (const [key, tensor] of Object.entries(map)) {
    const ref = requireTensor(graph, tensor, `signature '${signature}' ${key}`);
    const node = graph.requireNode(ref.node);
    const dtype = outputTypes(node)?.[ref.index];
    if (dtype === undefined) {
      throw new DeployError('UNSUPPORTED', `cannot tell the dtype of '${tensor}' (op ${node.op})`, { name: tensor });
    }
    const recorded = node.attr._output_shapes?.list?.shape?.[ref.index];
    let shape = recorded ? shapeFromProto(recorded) : undefined;
    if (shape === undefined) {
      let shapes = shapeCache.get(graph);
      if (!shapes) {
        shapes = inferOutputShapes(graph);
        shapeCache.set(graph, shapes);
      }
      shape = shapes.get(ref.node)?.[ref.index] ?? null;
    }
    out[key] = { name: `${ref.node}:${ref.index}`, dtype: baseDType(dtype), tensor_shape: shapeProto(shape) };
  }
  return out;
}
