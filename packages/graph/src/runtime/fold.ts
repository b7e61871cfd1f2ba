// Run-time constant folding. A pure op whose inputs are the same kept tensors as on its last run (constants, or
// outputs folded before it), or, for Shape / Size / Rank, tensors of the same shape and dtype, gives its last outputs
// without running its kernel. After a training step's first run its constants, resource handles and shape arithmetic
// (the loss gradient's seed, the reshapes around softmax) cost nothing: 66 of the demo head's 121 kernels. TensorFlow
// gets the same from grappler's constant folding and shape materialization before the first run.
import type * as tf from '@tensorflow/tfjs-core';
import { isRef, isTensor, type Step, type Value } from './values.js';

/** Ops whose outputs depend on their inputs' values alone (no state, no randomness, no side effects). */
const PURE = new Set([
  'Const',
  'VarHandleOp',
  'Shape',
  'ShapeN',
  'Size',
  'Rank',
  'Pack',
  'Unpack',
  'ConcatV2',
  'Slice',
  'StridedSlice',
  'GatherV2',
  'Reshape',
  'ExpandDims',
  'Squeeze',
  'Fill',
  'Tile',
  'Range',
  'Cast',
  'Add',
  'AddV2',
  'Sub',
  'Mul',
  'RealDiv',
  'FloorDiv',
  'FloorMod',
  'Maximum',
  'Minimum',
  'Prod',
  'Sum',
  'BroadcastGradientArgs',
  'BroadcastArgs',
  'DynamicStitch',
  'InvertPermutation',
  'ZerosLike',
  'OnesLike',
]);

/** Ops that read only their inputs' shapes: they fold over any tensor of the same shape and dtype. */
const SHAPE_ONLY = new Set(['Shape', 'ShapeN', 'Size', 'Rank']);

/** Outputs up to this many elements are kept between runs (shape vectors, scalars, a batch's loss seed). */
const MAX_FOLDED_ELEMENTS = 4096;

interface Memo {
  key: unknown[];
  outputs: Value[];
  /** Outputs this cache kept (and so must free when it replaces them). */
  own: tf.Tensor[];
}

/** What the cache needs of its session's kept tensors (constants, folded outputs): never freed by a run. */
export interface KeptTensors {
  has(t: tf.Tensor): boolean;
  keep(t: tf.Tensor): void;
  drop(t: tf.Tensor): void;
}

export class FoldCache {
  private readonly memos = new WeakMap<Step, Memo>();

  constructor(private readonly kept: KeptTensors) {}

  /** The step's inputs as a key, or undefined when the op does not fold or an input is not a constant. */
  key(op: string, inputs: readonly Value[]): unknown[] | undefined {
    if (!PURE.has(op)) return undefined;
    const shapeOnly = SHAPE_ONLY.has(op);
    const key: unknown[] = [];
    for (const v of inputs) {
      if (!isTensor(v)) return undefined;
      if (shapeOnly) key.push(`${v.dtype}[${v.shape.join(',')}]`);
      else if (this.kept.has(v) && !v.isDisposed) key.push(v);
      else return undefined;
    }
    return key;
  }

  /** The outputs of the step's last run when its key is the same, else undefined. */
  lookup(step: Step, key: readonly unknown[]): Value[] | undefined {
    const memo = this.memos.get(step);
    if (!memo || memo.key.length !== key.length) return undefined;
    for (let k = 0; k < key.length; k++) if (memo.key[k] !== key[k]) return undefined;
    return memo.outputs;
  }

  /** Keeps small outputs for the next run (replacing the step's earlier ones); false when they are not kept. */
  store(step: Step, key: unknown[], outputs: Value[]): boolean {
    if (!outputs.every((v) => isRef(v) || (isTensor(v) && v.size <= MAX_FOLDED_ELEMENTS))) return false;
    const old = this.memos.get(step);
    const own: tf.Tensor[] = [];
    for (const v of outputs) {
      if (isTensor(v) && !this.kept.has(v)) {
        this.kept.keep(v);
        own.push(v);
      }
    }
    this.memos.set(step, { key, outputs, own });
    // the replaced outputs: no later step can get them again (a key holding one never matches a new input)
    if (old) for (const t of old.own) if (!outputs.includes(t)) this.kept.drop(t);
    return true;
  }
}
