// What the native kernels (native/*.c) need of the WebAssembly backend: its heap, where a tensor lives in it, and
// outputs allocated there. Each module is optional; loadNativeModule says null when it is not built here.
import * as tf from '@tensorflow/tfjs-core';
import { floatView } from './in-place.js';

/** The wasm backend as far as the native kernels use it (tfjs-backend-wasm's BackendWasm). */
export interface WasmBackend extends tf.KernelBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(id: tf.DataId): boolean;
}

/** `TENSORGRAFT_NATIVE_KERNELS=0` keeps every kernel on the wasm backend. */
export function nativeKernelsAllowed(): boolean {
  return typeof process !== 'undefined' && process.env.TENSORGRAFT_NATIVE_KERNELS !== '0';
}

/** dist/native/NAME.node, or null when it is not built (or built for another platform) or native kernels are off. */
export function loadNativeModule<T>(name: string): T | null {
  if (!nativeKernelsAllowed() || typeof process.getBuiltinModule !== 'function') return null;
  // OpenMP's threads (oneDNN's, the loops') sleep as soon as a region ends, unless the user chose otherwise: spinning,
  // they took the core the wasm backend's own threads wait on (the demo head's step: 0.8 ms -> 7 ms). libgomp reads
  // the variable once, when the first module that links it loads.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  try {
    const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
    return require(`../native/${name}.node`) as T;
  } catch {
    return null;
  }
}

/** The active backend when it is wasm (a Session may run a graph on the CPU backend), else null. */
export function wasmBackend(): WasmBackend | null {
  return tf.getBackend() === 'wasm' ? (tf.backend() as WasmBackend) : null;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The byte offset of `t`'s float32 values in the heap, or -1 when `heapBytes` does not hold all of them. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo, heapBytes: number): number {
  const at = backend.dataIdMap.get(t.dataId)?.memoryOffset ?? -1;
  return at >= 0 && at + 4 * sizeOf(t.shape) <= heapBytes ? at : -1;
}

/** A tensor for an output the backend allocated (makeOutput), owned by the engine like any op's result. */
export function tensorOf<R extends tf.Rank>(info: tf.TensorInfo): tf.Tensor<R> {
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

/**
 * A float32 output of `shape` the wasm backend allocated, with views of it and of the float32 `inputs`, taken after
 * the allocation (which may grow, and so replace, the heap's buffer); null on another backend or dtype, or when a view
 * cannot be had (nothing is left allocated).
 */
export function heapOutput(
  shape: number[],
  inputs: tf.Tensor[],
): { out: tf.Tensor; view: Float32Array; ins: Float32Array[] } | null {
  const backend = wasmBackend();
  if (!backend || inputs.some((t) => t.dtype !== 'float32')) return null;
  const out = tensorOf(backend.makeOutput(shape, 'float32'));
  const [view, ...ins] = [out, ...inputs].map(floatView);
  if (view && ins.every((v) => v)) return { out, view, ins: ins as Float32Array[] };
  out.dispose();
  return null;
}
