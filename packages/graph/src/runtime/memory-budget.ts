// A run's memory budget: the live bytes of the backend's tensors are counted, and an allocation that would take them
// past the budget fails with an OUT_OF_MEMORY GraphError naming the node, BEFORE the backend allocates.
//
// Why: the WebAssembly backend's heap is 32-bit memory capped at 4 GiB - 64 KiB (emscripten's getHeapMax in
// tfjs-backend-wasm 4.x). When its malloc fails it returns 0 and tfjs-backend-wasm writes the tensor at address 0
// anyway: values of other live tensors change silently (a constant [1, 2, 3] read back as [1, 1, 1]), or a later
// kernel aborts. The per-tensor size cap (2^28 elements) cannot prevent that; a total can.
//
// How: each backend instance's data map (tfjs-core's DataStorage, `dataIdMap` in the wasm backend, `data` in the CPU
// backend, `tensorMap` in tfjs-node's) is wrapped once so set/delete keep a byte count per backend; `move` (through
// which `write`, `makeOutput` and every upload allocate) checks the request against the budget while a guarded kernel
// runs. Counted: every live tensor of that backend (what the run holds, the session's variables and cached constants,
// and tensors the caller or other sessions keep alive), since they all share the one heap. Tensors that existed
// before the backend was first tracked are counted by tfjs's own total at that moment (never subtracted, so the count
// errs high).
// Not pre-checked: memory a C++ kernel allocates itself and hands over (makeOutput with an offset): counted once set.
// Below the budget, a malloc the fragmented heap cannot serve is caught too (its null result becomes the error).
import { freemem, totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { GraphError } from '../errors.js';
import type { BackendName } from './backend.js';

/** The largest heap tfjs-backend-wasm can grow to (emscripten's getHeapMax: 4 GiB minus one 64 KiB page). */
export const WASM_HEAP_MAX = 4294901760;
/** Left free in that heap for the module's static data, stack, allocator overhead and kernels' scratch buffers. */
export const WASM_HEAP_RESERVE = 256 * 1024 * 1024;

/**
 * The default budget for a backend: the WebAssembly heap's cap less a reserve; for the CPU and tfjs-node backends
 * (plain process memory, where a failed allocation throws instead of corrupting) the larger of the machine's total
 * memory less 1 GiB and what is free now, so only a run that could not fit anyway is stopped early.
 */
export function defaultMemoryBudget(backend: BackendName | undefined): number {
  if (backend === 'wasm') return WASM_HEAP_MAX - WASM_HEAP_RESERVE;
  return Math.max(totalmem() - 1024 ** 3, freemem());
}

interface Storage {
  set(dataId: object, value: unknown): void;
  delete(dataId: object): boolean;
  has(dataId: object): boolean;
}

interface TrackedBackend {
  move?: (dataId: object, values: unknown, shape: number[], dtype: tf.DataType, refCount: number) => void;
  dataIdMap?: Storage;
  data?: Storage;
  tensorMap?: Storage;
  wasm?: { _malloc(bytes: number): number };
}

export interface Tracker {
  live: number;
  /** The most `live` has been since a run last reset it (Session.lastRunMemory). */
  peak: number;
  readonly sizes: WeakMap<object, number>;
}

const trackers = new WeakMap<object, Tracker>();

/** The budget and the node of the kernel running now (undefined outside a guarded kernel). */
let guard: { budget: number; node: string; op: string } | undefined;

/** Bytes of one stored tensor, from what each backend keeps: a typed array (CPU) or shape and dtype (wasm). */
function storedBytes(value: unknown): number {
  const v = value as { values?: unknown; shape?: number[]; dtype?: tf.DataType; stringBytes?: unknown };
  if (v.values && ArrayBuffer.isView(v.values)) return v.values.byteLength;
  if (v.dtype === 'string' || !v.shape || !v.dtype) return 0;
  return tf.util.sizeFromShape(v.shape) * tf.util.bytesPerElement(v.dtype);
}

/** Starts counting the live bytes of `backend` (once per backend instance). */
export function trackBackend(backend: object): Tracker {
  let tracker = trackers.get(backend);
  if (tracker) return tracker;
  const t: Tracker = { live: tf.memory().numBytes, peak: 0, sizes: new WeakMap() };
  tracker = t;
  trackers.set(backend, t);
  const b = backend as TrackedBackend;
  const storage = b.dataIdMap ?? b.data ?? b.tensorMap;
  if (storage) {
    const set = storage.set.bind(storage);
    const del = storage.delete.bind(storage);
    storage.set = (dataId, value) => {
      const old = t.sizes.get(dataId);
      if (old !== undefined) t.live -= old;
      const bytes = storedBytes(value);
      t.sizes.set(dataId, bytes);
      t.live += bytes;
      if (t.live > t.peak) t.peak = t.live;
      set(dataId, value);
    };
    storage.delete = (dataId) => {
      const old = t.sizes.get(dataId);
      if (old !== undefined) {
        t.live -= old;
        t.sizes.delete(dataId);
      }
      return del(dataId);
    };
  }
  // The budget cannot see fragmentation: after big tensors came and went, the allocator can fail below it. Seen here:
  // a 1 GiB malloc returning 0 with 2.1 GiB live, and, near the 4 GiB cap, one returning a block that ends past the
  // heap (the break pointer wrapped around 2^32). Either is an error here, raised before tfjs-backend-wasm would use
  // the address; the bogus block is not freed (the allocator's idea of it cannot be trusted).
  const wasm = b.wasm as (TrackedBackend['wasm'] & { HEAPU8?: Uint8Array }) | undefined;
  if (wasm && typeof wasm._malloc === 'function') {
    let malloc = wasm._malloc;
    const checked = (bytes: number) => {
      const p = malloc(bytes);
      const heap = wasm.HEAPU8?.length ?? WASM_HEAP_MAX;
      if (bytes > 0 && (p === 0 || (p >>> 0) + bytes > heap)) throw heapFull(bytes, t.live);
      return p;
    };
    // emscripten's export is a stub that replaces Module._malloc with the raw function on its first call: the
    // replacement lands in `malloc`, the property keeps answering with the checked one.
    Object.defineProperty(wasm, '_malloc', {
      configurable: true,
      get: () => checked,
      set: (f: (bytes: number) => number) => {
        malloc = f;
      },
    });
  }
  const move = b.move?.bind(backend);
  if (move) {
    b.move = (dataId, values, shape, dtype, refCount) => {
      if (guard && dtype !== 'string') {
        const bytes = tf.util.sizeFromShape(shape) * tf.util.bytesPerElement(dtype);
        if (t.live + bytes > guard.budget) throw outOfMemory(guard, bytes, t.live);
      }
      move(dataId, values, shape, dtype, refCount);
    };
  }
  return tracker;
}

/** Live bytes counted on the active backend. */
export function liveBytes(): number {
  return trackBackend(tf.backend()).live;
}

/** Runs `fn` (one kernel of `node`) with every allocation checked against `budget` bytes. */
export function withMemoryBudget<T>(budget: number, node: { name: string; op: string }, fn: () => T): T {
  trackBackend(tf.backend());
  const outer = guard;
  guard = { budget, node: node.name, op: node.op };
  try {
    return fn();
  } finally {
    guard = outer;
  }
}

function heapFull(bytes: number, live: number): GraphError {
  return new GraphError(
    'OUT_OF_MEMORY',
    `${guard ? `${guard.op}: ` : ''}the WebAssembly heap cannot allocate ${bytes} bytes more with ${live} bytes of ` +
      'tensors live (its limit is 4 GiB, less what fragmentation loses)',
    { node: guard?.node },
  );
}

function outOfMemory(g: { budget: number; node: string; op: string }, bytes: number, live: number): GraphError {
  return new GraphError(
    'OUT_OF_MEMORY',
    `${g.op} needs ${bytes} bytes more but ${live} of the ${g.budget}-byte memory budget are live ` +
      '(raise SessionOptions.memoryBudget only as far as the backend can really hold)',
    { node: g.node },
  );
}
