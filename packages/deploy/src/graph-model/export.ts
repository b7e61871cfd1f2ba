// A TensorFlow.js GraphModel from a frozen GraphDef, as tensorflowjs_converter writes one (tf_saved_model_conversion_v2
// extract_weights / write_artifacts, write_weights.py):
//   model.json   {format: "graph-model", generatedBy, convertedBy, signature, modelTopology, weightsManifest}
//   group1-shard{i}of{n}.bin   every Const's value, in graph order, concatenated and cut into shards (4 MiB default)
// modelTopology is the GraphDef in MessageToDict's JSON with each Const's value fields cleared (dtype and shape stay);
// each weight is written as TensorFlow.js holds it (float64/float16 → float32, int64 → int32, as the converter
// converts them; strings as a uint32 LE length + bytes each), optionally quantized (quantize.ts). The converter's
// Grappler pass (constant folding, op fusion) is not run: the graph keeps the frozen graph's ops, which TensorFlow.js
// runs as they are. Training-only nodes (CheckNumerics, Identity chains) are removed first, as the converter does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  initBackend,
  outputTypes,
  parseInput,
  removeTrainingNodes,
  TENSORFLOW_VERSION,
  tensorFromProto,
} from '@tensorgraft/graph';
import { tensorflow } from '@tensorgraft/proto';
import { writeFileAtomic } from '@tensorgraft/saver';
import { DeployError } from '../errors.js';
import { messageToDict } from './proto-json.js';
import { type QuantizationDtype, quantize } from './quantize.js';

export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
export const CONVERTED_BY = 'tensorgraft @tensorgraft/deploy 0.1.0';

export interface GraphModelSignature {
  /** Signature key -> graph tensor (`x:0`); the key is what TensorFlow.js's execute() takes by name. */
  inputs: Readonly<Record<string, string>>;
  outputs: Readonly<Record<string, string>>;
}

export interface ExportGraphModelOptions {
  signature: GraphModelSignature;
  /** Quantize every float32 weight (the converter's --quantize_uint8 / _uint16 / _float16 with no pattern). */
  quantization?: QuantizationDtype;
  /** Bytes per weight shard (default 4 MiB, the converter's). */
  shardBytes?: number;
  /** Producer of the input graph (default the pinned TensorFlow version). */
  generatedBy?: string;
}

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: QuantizationDtype; min?: number; scale?: number; original_dtype: string };
}

export interface GraphModelReport {
  dir: string;
  files: string[];
  weights: WeightEntry[];
  weightBytes: number;
}

/** Writes `dir/model.json` and its weight shards from a frozen GraphDef. */
export async function exportGraphModel(
  frozen: tensorflow.GraphDef.$Properties,
  dir: string,
  options: ExportGraphModelOptions,
): Promise<GraphModelReport> {
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!(shardBytes > 0)) throw new DeployError('INVALID_ARGUMENT', 'shardBytes must be positive');
  const keep = [...Object.values(options.signature.inputs), ...Object.values(options.signature.outputs)].map(
    (t) => parseInput(t).node,
  );
  const stripped = removeTrainingNodes(frozen, keep);
  const graph = tensorflow.GraphDef.create({
    node: stripped.node,
    library: frozen.library ?? {},
    versions: frozen.versions ?? {},
  });
  const nodes = new Map(graph.node.map((n) => [n.name ?? '', n]));
  for (const [kind, map] of [
    ['input', options.signature.inputs],
    ['output', options.signature.outputs],
  ] as const) {
    for (const [key, t] of Object.entries(map)) {
      if (!nodes.has(parseInput(t).node)) {
        throw new DeployError('NOT_FOUND', `signature ${kind} '${key}': tensor '${t}' is not in the frozen graph`, {
          name: t,
        });
      }
    }
  }

  await initBackend();
  const weights: WeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const n of graph.node) {
    if (n.op !== 'Const') continue;
    const value = n.attr?.value?.tensor;
    if (!value) throw new DeployError('INVALID_ARGUMENT', 'a Const without a value', { name: n.name ?? '' });
    const { entry, bytes } = weightOf(n.name ?? '', value, options.quantization);
    weights.push(entry);
    chunks.push(bytes);
    n.attr!.value = tensorflow.AttrValue.create({ tensor: clearedTensor(value) });
  }

  const total = chunks.reduce((a, c) => a + c.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const shards = Math.ceil(total / shardBytes);
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  mkdirSync(dir, { recursive: true });
  paths.forEach((p, i) => {
    writeFileSync(join(dir, p), all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
  });
  const modelJson = {
    format: 'graph-model',
    generatedBy: options.generatedBy ?? TENSORFLOW_VERSION,
    convertedBy: CONVERTED_BY,
    signature: signatureJson(graph, options.signature),
    modelTopology: messageToDict(tensorflow.GraphDef, graph),
    weightsManifest: [{ paths, weights }],
  };
  // the shards first, model.json last: a loader never sees a manifest whose shards are not there yet
  writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(modelJson)));
  return { dir, files: ['model.json', ...paths], weights, weightBytes: total };
}

/** A TensorProto with its values removed (extract_const_nodes' CLEARED_TENSOR_FIELDS): dtype, shape stay. */
function clearedTensor(t: tensorflow.TensorProto.$Properties): tensorflow.TensorProto {
  const { dtype, tensor_shape, version_number } = t;
  const out = tensorflow.TensorProto.create({ dtype: dtype ?? 0 });
  if (tensor_shape) out.tensor_shape = tensorflow.TensorShapeProto.create(tensor_shape);
  if (version_number) out.version_number = version_number;
  return out;
}

function weightOf(
  name: string,
  value: tensorflow.TensorProto.$Properties,
  quantization: QuantizationDtype | undefined,
): { entry: WeightEntry; bytes: Uint8Array } {
  let t: ReturnType<typeof tensorFromProto>;
  try {
    t = tensorFromProto(value, name);
  } catch (err) {
    throw new DeployError('UNSUPPORTED', `cannot write constant as a TensorFlow.js weight: ${(err as Error).message}`, {
      name,
      cause: err,
    });
  }
  try {
    const shape = [...t.shape];
    if (t.dtype === 'string') {
      const parts = (t.dataSync() as unknown as Uint8Array[]).flatMap((s) => {
        const len = new Uint8Array(4);
        new DataView(len.buffer).setUint32(0, s.length, true);
        return [len, s];
      });
      return { entry: { name, shape, dtype: 'string' }, bytes: concat(parts) };
    }
    const data = t.dataSync();
    if (t.dtype === 'float32' && quantization) {
      const q = quantize(data as Float32Array, quantization);
      return {
        entry: { name, shape, dtype: 'float32', quantization: { ...q.meta, original_dtype: 'float32' } },
        bytes: q.bytes,
      };
    }
    if (t.dtype === 'bool')
      return { entry: { name, shape, dtype: 'bool' }, bytes: Uint8Array.from(data as Uint8Array) };
    const typed = data as Float32Array | Int32Array;
    return {
      entry: { name, shape, dtype: t.dtype },
      bytes: new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).slice(),
    };
  } finally {
    t.dispose();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** _build_signature_def: each entry's tensor name, dtype and static shape (from `_output_shapes` when recorded). */
function signatureJson(graph: tensorflow.GraphDef, sig: GraphModelSignature): Record<string, unknown> {
  const nodes = new Map(graph.node.map((n) => [n.name ?? '', n]));
  const infos = (map: Readonly<Record<string, string>>) => {
    const out: Record<string, tensorflow.TensorInfo.$Properties> = {};
    for (const [key, t] of Object.entries(map)) {
      const ref = parseInput(t);
      const node = nodes.get(ref.node)!;
      const info: tensorflow.TensorInfo.$Properties = { name: `${ref.node}:${ref.index}` };
      const dtype = outputTypes(node)?.[ref.index];
      if (dtype) info.dtype = dtype > 100 ? dtype - 100 : dtype;
      const shape =
        node.attr?._output_shapes?.list?.shape?.[ref.index] ??
        (node.op === 'Placeholder' ? node.attr?.shape?.shape : undefined);
      if (shape) info.tensor_shape = shape;
      out[key] = info;
    }
    return out;
  };
  const def = tensorflow.SignatureDef.create({ inputs: infos(sig.inputs), outputs: infos(sig.outputs) });
  return messageToDict(tensorflow.SignatureDef, def);
}
