// Restores a Graph's global variables by name from a checkpoint, with a restore map (restore-plan.ts): for grafting
// a pretrained network into a scope of a bigger graph, where TensorFlow's restore op (which looks the variables up
// under their own names) cannot be used. Values go in through Session.assignVariable; TensorFlow.js holds float32,
// int32, bool and string, so float64/half/bfloat16 arrive as float32 and int64 as int32 (range-checked).
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorgraft/bundle-io';
import { type Graph, GraphKeys, parseInput, readAttr, type Session, tfjsDtype } from '@tensorgraft/graph';
import { bits16ToFloat32, dtypeName } from '@tensorgraft/proto';
import { openCheckpoint } from '../checkpoint-io.js';
import { SaverError } from '../errors.js';
import { checkpointObjectVariables, OBJECT_GRAPH_KEY, objectAliases } from '../object-graph.js';
import { planRestore, type TensorInfo } from '../restore-plan.js';
import { type RestoreOptions, type RestoreReport, throwIfIncomplete } from '../saver.js';

interface GraphVariable {
  name: string;
  dtype: string;
  /** tfjs dtype the session holds it as. */
  tfjs: string;
  shape: number[] | null;
}

function graphVariables(graph: Graph): Map<string, GraphVariable> {
  const out = new Map<string, GraphVariable>();
  for (const item of graph.getCollection(GraphKeys.GLOBAL_VARIABLES)) {
    if (item.kind !== 'variable') continue;
    const name = parseInput(item.def.variable_name ?? '').node;
    const node = graph.requireNode(name);
    const dt = readAttr.type(node, 'dtype');
    const shape = readAttr.has(node, 'shape') ? readAttr.shape(node, 'shape') : null;
    out.set(name, {
      name,
      dtype: dtypeName(dt > 100 ? dt - 100 : dt),
      tfjs: tfjsDtype(dt) ?? 'unknown',
      shape: shape === null || shape.some((d) => d < 0) ? null : [...shape],
    });
  }
  return out;
}

/** A checkpoint tensor as the tfjs tensor a variable of `want` (tfjs dtype) holds. */
function toTfjs(t: Tensor, want: string, variable: string): tf.Tensor {
  if (t.dtype === 'string') return tf.tensor(t.data as Uint8Array[], t.shape, 'string');
  let data: ArrayLike<number> = t.data as Float32Array;
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') data = bits16ToFloat32(t.data as Uint16Array, t.dtype);
  else if (t.dtype === 'int64' || t.dtype === 'uint64') {
    const src = t.data as BigInt64Array;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (v > 2147483647n || v < -2147483648n) {
        throw new SaverError('DTYPE_MISMATCH', `int64 value ${v} does not fit TensorFlow.js int32`, { variable });
      }
      out[i] = Number(v);
    }
    data = out;
  }
  return tf.tensor(data as Float32Array, t.shape, want as tf.DataType);
}

export async function restoreGraphVariables(
  graph: Graph,
  session: Session,
  prefix: string,
  options: RestoreOptions,
): Promise<RestoreReport> {
  const vars = graphVariables(graph);
  const ckpt = openCheckpoint(prefix);
  try {
    const wanted = options.variables ? new Set(options.variables) : undefined;
    for (const name of wanted ?? []) {
      if (!vars.has(name))
        throw new SaverError('INVALID_ARGUMENT', 'not a global variable of the graph', { variable: name });
    }
    const infos = new Map<string, TensorInfo>();
    for (const [name, v] of vars) {
      if (wanted && !wanted.has(name)) continue;
      // An unknown static shape accepts what the checkpoint has (TensorFlow's validate_shape=False restore).
      infos.set(name, { dtype: v.dtype, shape: v.shape ?? [] });
    }
    const unknownShape = (variable: string) => vars.get(variable)!.shape === null;
    const plan = planRestore(
      infos,
      ckpt.tensors,
      options.map,
      (dtype, variable) => dtype === vars.get(variable)!.dtype,
      new Set([OBJECT_GRAPH_KEY]),
      objectAliases(checkpointObjectVariables(ckpt) ?? []),
    );
    // Variables without a static shape take whatever shape the checkpoint has.
    for (const m of plan.shapeMismatch.filter((x) => unknownShape(x.variable)))
      plan.assignments.push({ variable: m.variable, key: m.key });
    plan.shapeMismatch = plan.shapeMismatch.filter((x) => !unknownShape(x.variable));
    if (options.strict ?? true) throwIfIncomplete(plan, ckpt.prefix);
    await session.ready();
    for (const { variable, key } of plan.assignments) {
      const value = toTfjs(ckpt.get(key), vars.get(variable)!.tfjs, variable);
      try {
        session.assignVariable(variable, value);
      } finally {
        value.dispose();
      }
    }
    return { prefix: ckpt.prefix, ...(ckpt.fromStateFile ? { fromStateFile: ckpt.fromStateFile } : {}), ...plan };
  } finally {
    ckpt.close();
  }
}
