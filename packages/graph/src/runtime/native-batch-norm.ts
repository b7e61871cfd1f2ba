// Training-mode batch norm on native/batch-norm.c for the WebAssembly backend: the tensors stay in the wasm heap and
// one native pass per statistic replaces copying the activation out to JavaScript (dataSync) and four backend passes.
// The same float64 sums and float32 grouping as kernels/batch-norm.ts's JavaScript path, which runs where the module
// is not built, on other backends, and with TENSORGRAFT_NATIVE_KERNELS=0.
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, loadNativeModule, tensorOf, type WasmBackend, wasmBackend } from './wasm-heap.js';
import { wasmThreads } from './wasm-threads.js';

interface NativeBatchNorm {
  forward(heap: Uint8Array, args: Float64Array): void;
  backward(heap: Uint8Array, args: Float64Array): void;
}

let native: NativeBatchNorm | null | undefined;
const counts = { native: 0, fallback: 0 };

/** Training batch norms (forward and gradient) run natively so far, and those that took the JavaScript path on wasm. */
export function nativeBatchNormCounts(): { native: number; fallback: number } {
  return { ...counts };
}

function counted<T>(result: T | null): T | null {
  if (result) counts.native++;
  else if (module() && wasmBackend()) counts.fallback++;
  return result;
}

function module(): NativeBatchNorm | null {
  if (native === undefined) native = loadNativeModule<NativeBatchNorm>('batch-norm');
  return native;
}

/** Allocates `shapes` on the backend, then gives the heap and every offset (inputs first), or null (and frees them). */
function place(backend: WasmBackend, inputs: tf.TensorInfo[], shapes: number[][]) {
  const outs = shapes.map((s) => backend.makeOutput(s, 'float32'));
  const heap = backend.wasm.HEAPU8; // after the allocations, which may grow the heap
  const offsets = [...inputs, ...outs].map((t) => heapOffset(backend, t, heap.length));
  if (offsets.some((o) => o < 0) || inputs.some((t) => t.dtype !== 'float32')) {
    for (const o of outs) backend.disposeData(o.dataId);
    return null;
  }
  return { heap, offsets, outs };
}

/**
 * y, mean and biased variance of a channels-last float32 `x` in training mode, y after the backend's Relu when `relu`
 * (a fused _FusedBatchNormEx); null to use the JavaScript path.
 */
export function nativeBatchNormTraining(
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  eps: number,
  relu = false,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } | null {
  return counted(training(x, scale, offset, eps, relu));
}

function training(
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  eps: number,
  relu: boolean,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } | null {
  const backend = wasmBackend();
  const bn = module();
  const c = x.shape[x.rank - 1] ?? 0;
  if (!backend || !bn || c === 0 || x.size === 0) return null;
  const p = place(backend, [x, scale, offset], [x.shape, [c], [c]]);
  if (!p) return null;
  const [xAt, scaleAt, offsetAt, yAt, meanAt, varAt] = p.offsets as [number, number, number, number, number, number];
  bn.forward(
    p.heap,
    Float64Array.of(xAt, x.size / c, c, scaleAt, offsetAt, eps, yAt, meanAt, varAt, wasmThreads() ?? 1, relu ? 1 : 0),
  );
  const [y, mean, variance] = p.outs.map((o) => tensorOf(o)) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
  return { y, mean, variance };
}

/** dx, dscale and doffset of training-mode batch norm (channels-last float32); null to use the JavaScript path. */
export function nativeBatchNormGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  scale: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  eps: number,
): { dx: tf.Tensor; dscale: tf.Tensor1D; doffset: tf.Tensor1D } | null {
  return counted(gradient(dy, x, scale, mean, variance, eps));
}

function gradient(
  dy: tf.Tensor,
  x: tf.Tensor,
  scale: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  eps: number,
): { dx: tf.Tensor; dscale: tf.Tensor1D; doffset: tf.Tensor1D } | null {
  const backend = wasmBackend();
  const bn = module();
  const c = x.shape[x.rank - 1] ?? 0;
  if (!backend || !bn || c === 0 || x.size === 0 || dy.size !== x.size) return null;
  const p = place(backend, [dy, x, scale, mean, variance], [x.shape, [c], [c]]);
  if (!p) return null;
  const [dyAt, xAt, scaleAt, meanAt, varAt, dxAt, dscaleAt, doffsetAt] = p.offsets as number[];
  bn.backward(
    p.heap,
    Float64Array.of(
      dyAt!,
      xAt!,
      x.size / c,
      c,
      scaleAt!,
      meanAt!,
      varAt!,
      eps,
      dxAt!,
      dscaleAt!,
      doffsetAt!,
      wasmThreads() ?? 1,
    ),
  );
  const [dx, dscale, doffset] = p.outs.map((o) => tensorOf(o)) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
  return { dx, dscale, doffset };
}

/** Whether training-mode batch norm runs natively on the wasm backend in this process (module built, backend up). */
export function nativeBatchNorm(): boolean {
  return tf.findBackend('wasm') !== null && module() !== null;
}
