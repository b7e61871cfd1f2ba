// Element-wise math, comparisons, reductions and matrix products.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { changed, floatView, sharers } from '../in-place.js';
import { nativeAddTo, nativeSumMiddle } from '../native-loops.js';
import type { KernelFactory, RunState } from '../values.js';
import { attrsOf, checkedSize, ints, T, tf } from './common.js';

const unary =
  (fn: (x: tf.Tensor) => tf.Tensor): KernelFactory =>
  (n) =>
  (i, s) => [fn(T(i, 0, s, n))];
const binary =
  (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): KernelFactory =>
  (n) =>
  (i, s) => [fn(T(i, 0, s, n), T(i, 1, s, n))];

function reduce(fn: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): KernelFactory {
  return (n) => {
    const keep = attrsOf(n).b('keep_dims');
    return (i, s) => {
      const x = T(i, 0, s, n);
      const axes = ints(T(i, 1, s, n)).map((a) => (a < 0 ? a + x.rank : a));
      // no axes: TensorFlow copies the input (a gradient's Sum over BroadcastGradientArgs of two equal shapes), where
      // the backend would run a pass (and make -0 +0)
      if (axes.length === 0) return [x];
      return [fn(x, axes, keep)];
    };
  };
}

function isInt(n: NodeDef): boolean {
  return attrsOf(n).tfType('T') === 'int32';
}

/** `r` (x op y, broadcast) with 0 where the broadcast y is 0. */
function zeroWhereYIsZero(r: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const zero = tf.broadcastTo(tf.equal(y, 0), r.shape);
  return tf.where(zero, tf.zerosLike(r), r);
}

/**
 * erfc in float64 (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7), rounded to float32: 1 - erf(x) in
 * float32 loses every digit for x > 3, where exact GELU and Gaussian tails need them.
 */
function erfc64(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export const mathKernels: Record<string, KernelFactory> = {
  Add: binary(tf.add),
  AddV2: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  RealDiv: binary(tf.div),
  // TensorFlow's *_no_nan: 0 wherever y is 0, even where x is NaN or infinite
  DivNoNan: binary((x, y) => zeroWhereYIsZero(tf.div(x, y), y)),
  MulNoNan: binary((x, y) => zeroWhereYIsZero(tf.mul(x, y), y)),
  // integer Div truncates toward zero, like C++ division
  Div: (n) => {
    const int = isInt(n);
    return (i, s) => {
      const a = T(i, 0, s, n);
      const b = T(i, 1, s, n);
      return [int ? tf.cast(tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32')), 'int32') : tf.div(a, b)];
    };
  },
  FloorDiv: binary(tf.floorDiv),
  FloorMod: binary(tf.mod),
  Pow: binary(tf.pow),
  Maximum: binary(tf.maximum),
  Minimum: binary(tf.minimum),
  AddN: (n) => (i, s) => {
    if (i.length === 1) return [T(i, 0, s, n)];
    const inputs = i.map((_, k) => T(i, k, s, n));
    return [addNInPlace(inputs, s) ?? tf.addN(inputs)];
  },
  Neg: unary(tf.neg),
  Abs: unary(tf.abs),
  Square: unary(tf.square),
  Sqrt: unary(tf.sqrt),
  Rsqrt: unary(tf.rsqrt),
  Exp: unary(tf.exp),
  Erfc: (n) => (i, s) => {
    const x = T(i, 0, s, n);
    if (x.dtype !== 'float32')
      throw new GraphError('KERNEL', `Erfc of ${x.dtype} is not supported (float32 only)`, { node: n.name });
    return [tf.tensor(Float32Array.from(x.dataSync() as Float32Array, erfc64), x.shape)];
  },
  Log: unary(tf.log),
  Floor: unary(tf.floor),
  Sigmoid: unary(tf.sigmoid),
  Tanh: unary(tf.tanh),
  Equal: binary(tf.equal),
  NotEqual: binary(tf.notEqual),
  Greater: binary(tf.greater),
  GreaterEqual: binary(tf.greaterEqual),
  Less: binary(tf.less),
  LessEqual: binary(tf.lessEqual),
  LogicalAnd: binary(tf.logicalAnd),
  LogicalOr: binary(tf.logicalOr),
  LogicalNot: unary(tf.logicalNot),
  // over middle axes (a spatial mean of NHWC): the wasm backend transposes them innermost first, 20x the native sum
  Sum: reduce((x, a, k) => nativeSumMiddle(x, a, k, false) ?? tf.sum(x, a, k)),
  Mean: reduce((x, a, k) => nativeSumMiddle(x, a, k, true) ?? tf.mean(x, a, k)),
  Max: reduce((x, a, k) => tf.max(x, a, k)),
  Min: reduce((x, a, k) => tf.min(x, a, k)),
  Prod: reduce((x, a, k) => tf.prod(x, a, k)),
  ArgMax: (n) => (i, s) => [tf.argMax(T(i, 0, s, n), ints(T(i, 1, s, n))[0])],
  ArgMin: (n) => (i, s) => [tf.argMin(T(i, 0, s, n), ints(T(i, 1, s, n))[0])],
  MatMul: (n) => {
    const a = attrsOf(n);
    const ta = a.b('transpose_a');
    const tb = a.b('transpose_b');
    // tfjs's WebAssembly matMul is 3-40x slower with a transpose flag than on a transposed copy (measured on the
    // LSTM gradients of bench/src/control-flow.ts): the copy is made first
    return (i, s) => {
      const x = T(i, 0, s, n);
      const y = T(i, 1, s, n);
      return [tf.matMul(ta ? tf.transpose(x) : x, tb ? tf.transpose(y) : y)];
    };
  },
  BatchMatMulV2: (n) => {
    const a = attrsOf(n);
    const ax = a.b('adj_x');
    const ay = a.b('adj_y');
    return (i, s) => [tf.matMul(T(i, 0, s, n), T(i, 1, s, n), ax, ay)];
  },
  // the WebAssembly backend has neither: these run on the CPU backend
  Einsum: (n) => {
    const equation = attrsOf(n).s('equation');
    return (i, s) => [tf.einsum(equation, ...i.map((_, k) => T(i, k, s, n)))];
  },
  UnsortedSegmentSum: (n) => (i, s) => {
    const data = T(i, 0, s, n);
    const ids = T(i, 1, s, n);
    const count = ints(T(i, 2, s, n));
    // TensorFlow's checks, before anything is allocated: a hostile num_segments must not exhaust memory
    const numSegments = count.length === 1 ? count[0]! : Number.NaN;
    if (!Number.isInteger(numSegments) || numSegments < 0)
      throw new GraphError('KERNEL', `num_segments must be one non-negative integer, got [${count}]`, { node: n.name });
    if (ids.rank > data.rank || ids.shape.some((d, k) => d !== data.shape[k]))
      throw new GraphError('KERNEL', `segment_ids shape [${ids.shape}] is not a prefix of data shape [${data.shape}]`, {
        node: n.name,
      });
    const inner = data.shape.slice(ids.rank);
    checkedSize([numSegments, ...inner], n);
    const idValues = ids.dataSync();
    for (let k = 0; k < idValues.length; k++) {
      if (idValues[k]! >= numSegments)
        throw new GraphError('KERNEL', `segment_ids[${k}] = ${idValues[k]} is out of range [0, ${numSegments})`, {
          node: n.name,
        });
    }
    const flatIds = tf.cast(tf.reshape(ids, [-1]), 'int32') as tf.Tensor1D;
    const flatData = ids.rank === 1 ? data : tf.reshape(data, [flatIds.shape[0], ...inner]);
    return [tf.unsortedSegmentSum(flatData, flatIds, numSegments)];
  },
  Cast: (n) => {
    const dst = attrsOf(n).tfType('DstT');
    return (i, s) => {
      const x = T(i, 0, s, n);
      if (x.dtype === 'string' || dst === 'string')
        throw new GraphError('KERNEL', 'Cast to or from string is not supported', { node: n.name });
      if (x.dtype === dst) return [x];
      // TensorFlow: any non-zero value is true (the wasm backend's cast keeps the raw value)
      return [dst === 'bool' ? tf.notEqual(x, tf.zerosLike(x)) : tf.cast(x, dst)];
    };
  },
};

/**
 * AddN summed into an input no later op reads (TensorFlow's AddN forwards such an input's buffer): a VGG-16 step's
 * fc6 gradient (411 MB) plus its weight decay term need no third buffer. The same float32 sums as tf.addN, in input
 * order. Undefined when no input qualifies.
 */
function addNInPlace(inputs: tf.Tensor[], s: RunState): tf.Tensor | undefined {
  if (!s.consumable || inputs.some((t) => t.dtype !== 'float32' || t.size !== inputs[0]!.size)) return undefined;
  const into = inputs.find((t) => sharers(t) === 1 && s.consumable!(t));
  if (!into || !inputs.every((t) => t.shape.length === into.shape.length)) return undefined;
  const views = inputs.map(floatView);
  const out = floatView(into);
  if (!out || views.some((v) => !v)) return undefined;
  changed(into);
  const [first, ...rest] = views as Float32Array[];
  if (rest.length === 1) {
    // two inputs (a gradient and its weight decay term): a loop without the inner iterator, ~10x faster on fc6
    const second = rest[0]!;
    if (!nativeAddTo(out, first!, second)) for (let k = 0; k < out.length; k++) out[k] = first![k]! + second[k]!;
    return into;
  }
  for (let k = 0; k < out.length; k++) {
    let sum = first![k]!;
    for (const v of rest) sum = Math.fround(sum + v[k]!);
    out[k] = sum;
  }
  return into;
}
