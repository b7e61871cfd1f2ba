// A SavedModel's signature as a frozen GraphDef (what tensorflowjs_converter --input_format=tf_saved_model starts
// from). TF1-style SavedModels (variables read through a Saver in the main graph) go through freezeGraph with the
// variables/ checkpoint: TensorFlow's bytes. TF2 SavedModels (the signature is a StatefulPartitionedCall into the
// function library, variables passed in as resources) are loaded and restored in a Session, their function calls
// inlined (inlineFunctionCalls), cut to the signature's outputs, and each VarHandleOp left becomes a Const holding the
// value the restore gave it (float32, int32 and bool variables: what TensorFlow.js holds).

import type * as tf from '@tensorflow/tfjs-core';
import {
  type ConstantValue,
  constTensorProto,
  extractSubGraph,
  freezeGraph,
  inlineFunctionCalls,
  parseInput,
  replaceVariablesByConstants,
} from '@tensorgraft/graph';
import { DataType, type tensorflow } from '@tensorgraft/proto';
import { DeployError } from '../errors.js';
import { findMetaGraph, readSavedModel, variablesPrefix } from './files.js';
import { loadSavedModel } from './load.js';

export interface FrozenSignature {
  graphDef: tensorflow.GraphDef;
  /** Signature key -> tensor in the frozen graph. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}

const CALLS = new Set(['PartitionedCall', 'StatefulPartitionedCall']);

export async function freezeSavedModel(
  dir: string,
  options: { tags?: readonly string[]; signature?: string } = {},
): Promise<FrozenSignature> {
  const tags = options.tags ?? ['serve'];
  const key = options.signature ?? 'serving_default';
  const meta = findMetaGraph(readSavedModel(dir), tags, dir);
  const sig = meta.signature_def?.[key];
  if (!sig) throw new DeployError('NOT_FOUND', `no signature '${key}'`, { path: dir, name: key });
  const names = (m: Record<string, tensorflow.TensorInfo.$Properties>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.name ?? '']));
  const inputs = names(sig.inputs ?? {});
  const outputs = names(sig.outputs ?? {});
  const outputNodes = Object.values(outputs).map((t) => parseInput(t).node);
  const usesFunctions = (meta.graph_def?.node ?? []).some((n) => CALLS.has(n.op ?? ''));
  if (!usesFunctions) {
    return { graphDef: freezeGraph(meta, variablesPrefix(dir), { outputs: outputNodes }).graphDef, inputs, outputs };
  }

  const loaded = await loadSavedModel(dir, { tags });
  try {
    const graphDef = extractSubGraph(inlineFunctionCalls(meta.graph_def ?? {}), outputNodes);
    const variables = (graphDef.node as tensorflow.NodeDef[]).filter((n) => n.op === 'VarHandleOp');
    const reads = variables.map((v, i) => {
      const name = `tensorgraft_freeze/read_${i}`;
      if (!loaded.graph.hasNode(name)) {
        loaded.graph.addNode({ name, op: 'ReadVariableOp', inputs: [v.name], attr: { dtype: v.attr.dtype! } });
      }
      return `${name}:0`;
    });
    const tensors = (await loaded.session.run(reads)) as tf.Tensor[];
    const values = new Map<string, ConstantValue>();
    try {
      variables.forEach((v, i) => {
        const dtype = v.attr.dtype?.type ?? 0;
        const t = tensors[i]!;
        values.set(v.name, { dtype, tensor: constTensorProto(bundleTensor(t, dtype, v.name), dtype, v.name) });
      });
    } finally {
      for (const t of tensors) t.dispose();
    }
    replaceVariablesByConstants(graphDef, values);
    return { graphDef, inputs, outputs };
  } finally {
    loaded.close();
  }
}

function bundleTensor(t: tf.Tensor, dtype: number, variable: string) {
  const shape = [...t.shape];
  switch (dtype) {
    case DataType.DT_FLOAT:
      return { dtype: 'float32', shape, data: Float32Array.from(t.dataSync() as Float32Array) };
    case DataType.DT_INT32:
      return { dtype: 'int32', shape, data: Int32Array.from(t.dataSync() as Int32Array) };
    case DataType.DT_BOOL:
      return { dtype: 'bool', shape, data: Uint8Array.from(t.dataSync() as Uint8Array) };
    default:
      throw new DeployError(
        'UNSUPPORTED',
        `variable of dtype ${dtype} in a TF2 SavedModel: only float32, int32 and bool variables are frozen`,
        { name: variable },
      );
  }
}
