// Float32 loops on native/loops.c: optimizer updates in place (Adam, Momentum), sums or means over the middle axes,
// ReluGrad, a two-input AddN and MaxPoolGrad. Each gives the JavaScript path's (or the backend's) values bit for bit (the same float32 operations in
// the same order), on the wasm thread setting's threads; each answers false / null where the module is not built
// (another platform, no compiler, TENSORGRAFT_NATIVE_KERNELS=0), and the caller takes its JavaScript or backend path.
import type * as tf from '@tensorflow/tfjs-core';
import { heapOutput, loadNativeModule } from './wasm-heap.js';
import { wasmThreads } from './wasm-threads.js';

interface NativeLoops {
  adam(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, params: Float64Array): void;
  momentum(w: Float32Array, accum: Float32Array, g: Float32Array, params: Float64Array): void;
  sumMiddle(x: Float32Array, out: Float32Array, params: Float64Array): void;
  reluGrad(dy: Float32Array, x: Float32Array, out: Float32Array, params: Float64Array): void;
  addTo(out: Float32Array, a: Float32Array, b: Float32Array, params: Float64Array): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, params: Float64Array): void;
}

/** The loops' threads: the wasm backend's (1 before it started). */
const threads = () => wasmThreads() ?? 1;

let native: NativeLoops | null | undefined;
let ran = 0;

/** Updates and reductions run natively so far. */
export function nativeLoopsRan(): number {
  return ran;
}

/** Whether the module is built and loaded in this process (and native kernels are allowed). */
export function nativeLoops(): boolean {
  return module() !== null;
}

function module(): NativeLoops | null {
  if (native === undefined) native = loadNativeModule<NativeLoops>('loops');
  return native;
}

/** Adam's update of (var, m, v) in place; false when the module is not here. */
export function nativeAdam(
  views: { w: Float32Array[]; g: Float32Array },
  nesterov: boolean,
  c: { alpha: number; c1: number; c2: number; b1: number; eps: number },
): boolean {
  const loops = module();
  if (!loops) return false;
  const [w, m, v] = views.w as [Float32Array, Float32Array, Float32Array];
  loops.adam(w, m, v, views.g, Float64Array.of(c.alpha, c.c1, c.c2, c.b1, c.eps, nesterov ? 1 : 0, threads()));
  ran++;
  return true;
}

/** Momentum's update of (var, accum) in place; false when the module is not here. */
export function nativeMomentum(
  views: { w: Float32Array[]; g: Float32Array },
  nesterov: boolean,
  lr: number,
  momentum: number,
): boolean {
  const loops = module();
  if (!loops) return false;
  const [w, accum] = views.w as [Float32Array, Float32Array];
  loops.momentum(w, accum, views.g, Float64Array.of(lr, momentum, nesterov ? 1 : 0, threads()));
  ran++;
  return true;
}

/**
 * Sum (or mean) of a float32 `x` on the wasm backend over `axes` when they are consecutive and leave the last axis
 * (x as [outer, reduce, inner]): the backend would transpose the reduced axes innermost first. Each output is a float32
 * running sum in the reduced axes' row-major order, as the backend's, and a mean divides it by the count. Null: another
 * case, backend or dtype.
 */
export function nativeSumMiddle(x: tf.Tensor, axes: number[], keepDims: boolean, mean: boolean): tf.Tensor | null {
  const loops = module();
  if (!loops || x.dtype !== 'float32' || axes.length === 0 || x.size === 0) return null;
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (last - first + 1 !== sorted.length || last >= x.rank - 1) return null;
  const dims = x.shape;
  const outer = dims.slice(0, first).reduce((a, b) => a * b, 1);
  const reduce = dims.slice(first, last + 1).reduce((a, b) => a * b, 1);
  const inner = dims.slice(last + 1).reduce((a, b) => a * b, 1);
  if (reduce === 0) return null;
  const outShape = keepDims
    ? dims.map((d, k) => (k >= first && k <= last ? 1 : d))
    : [...dims.slice(0, first), ...dims.slice(last + 1)];
  const heap = heapOutput(outShape, [x]);
  if (!heap) return null;
  loops.sumMiddle(heap.ins[0]!, heap.view, Float64Array.of(outer, reduce, inner, mean ? reduce : 0, threads()));
  ran++;
  return heap.out;
}

/** TensorFlow's ReluGrad, dy * (x > 0 ? 1 : 0), of float32 tensors of one shape on the wasm backend; null otherwise. */
export function nativeReluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor | null {
  const loops = module();
  if (!loops || dy.size === 0 || dy.rank !== x.rank || dy.shape.some((d, k) => d !== x.shape[k])) return null;
  const heap = heapOutput(dy.shape, [dy, x]);
  if (!heap) return null;
  loops.reluGrad(heap.ins[0]!, heap.ins[1]!, heap.view, Float64Array.of(threads()));
  ran++;
  return heap.out;
}

/** out = a + b element by element (out may be a or b); false when the module is not here. */
export function nativeAddTo(out: Float32Array, a: Float32Array, b: Float32Array): boolean {
  const loops = module();
  if (!loops) return false;
  loops.addTo(out, a, b, Float64Array.of(threads()));
  ran++;
  return true;
}

/** The geometry of a 2-D pool over NHWC: sizes, window, strides and the padding before the first row and column. */
export interface PoolGeometry {
  batch: number;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
}

/** MaxPoolGrad's gradients added into `dx` (zeroed by the caller); false when the module is not here. */
export function nativeMaxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, p: PoolGeometry): boolean {
  const loops = module();
  if (!loops) return false;
  const dims = [p.batch, p.h, p.w, p.c, p.oh, p.ow, p.kh, p.kw, p.sh, p.sw, p.padTop, p.padLeft];
  loops.maxPoolGrad(x, dy, dx, Float64Array.of(...dims, threads()));
  ran++;
  return true;
}
