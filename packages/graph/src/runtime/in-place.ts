// Live views of a float32 tensor's storage in the backend (the WebAssembly heap, or the CPU backend's typed array),
// so an optimizer can update a variable and its slots where they lie: a VGG-16 step otherwise holds a second copy of
// every variable and slot plus the kernel's temporaries, past the WebAssembly heap's 4 GiB.
import * as tf from '@tensorflow/tfjs-core';

interface WasmEntry {
  id: number;
  memoryOffset: number;
  refCount: number;
}

interface CpuEntry {
  values?: unknown;
  refCount: number;
}

interface Backends {
  dataIdMap?: { get(dataId: object): WasmEntry | CpuEntry | undefined };
  data?: { get(dataId: object): CpuEntry | undefined };
  wasm?: {
    HEAPU8: Uint8Array;
    tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void };
  };
}

function entry(t: tf.Tensor): { backend: Backends; e: WasmEntry | CpuEntry } | undefined {
  const backend = tf.backend() as unknown as Backends | undefined;
  if (!backend) return undefined;
  const e = (backend.wasm ? backend.dataIdMap : backend.data)?.get(t.dataId as object);
  return e ? { backend, e } : undefined;
}

/**
 * The float32 values of `t` as a view on the backend's own storage (writes change the tensor), or undefined on a
 * backend whose storage is not plain memory (tfjs-node) or for another dtype. Take it after the last allocation of
 * the kernel: the WebAssembly heap's buffer is replaced when it grows.
 */
export function floatView(t: tf.Tensor): Float32Array | undefined {
  if (t.dtype !== 'float32' || t.isDisposed) return undefined;
  const found = entry(t);
  if (!found) return undefined;
  const { backend, e } = found;
  if (backend.wasm) {
    const heap = backend.wasm.HEAPU8;
    const offset = (e as WasmEntry).memoryOffset;
    if (t.size > 0 && (offset === 0 || offset % 4 !== 0)) return undefined;
    return new Float32Array(heap.buffer, heap.byteOffset + offset, t.size);
  }
  const values = (e as CpuEntry).values;
  return values instanceof Float32Array && values.length === t.size ? values : undefined;
}

/** How many tensors share `t`'s storage (a reshape or clone of it shares it); 0 when the backend does not say. */
export function sharers(t: tf.Tensor): number {
  return entry(t)?.e.refCount ?? 0;
}

/**
 * Tells the backend that `t`'s values changed under it: the WebAssembly backend's kernels cache what they derive from
 * an input by its id (XNNPACK's convolution and matmul operators keep a packed copy of the filter), so the id is
 * unregistered (which drops those caches) and registered again over the same memory.
 */
export function changed(t: tf.Tensor): void {
  changes.set(t.dataId as object, changeCount(t) + 1);
  const found = entry(t);
  if (!found?.backend.wasm) return;
  const e = found.e as WasmEntry;
  found.backend.wasm.tfjs.disposeData(e.id);
  found.backend.wasm.tfjs.registerTensor(e.id, t.size, e.memoryOffset);
}

// keyed by storage (dataId): a clone or reshape of the tensor sees the same count
const changes = new WeakMap<object, number>();

/** How many times `t` was updated in place: what a cache derived from `t` (folded batch norms) must key on besides its id. */
export function changeCount(t: tf.Tensor): number {
  return changes.get(t.dataId as object) ?? 0;
}
