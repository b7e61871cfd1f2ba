// A Session computes on the backend it chose (or was given) and leaves the application's own choice in place:
// each run points tfjs's engine at the session's backend and back, so `tf.getBackend()` in the user's program reads
// the same before and after (a tfjs program on `cpu` must not find itself on `wasm` because it ran a graph).
import * as tf from '@tensorflow/tfjs-core';

interface EngineInternals {
  backendName: string | null;
  backendInstance: unknown;
  registry: Record<string, unknown>;
}

const engine = () => tf.engine() as unknown as EngineInternals;

/** The backend the engine is on, without making tfjs choose one (tf.getBackend() would initialize the best). */
export function activeBackendName(): string | null {
  return engine().backendName ?? null;
}

/**
 * Runs `fn` with `name` (an initialized backend) active, then puts the engine back. tf.setBackend re-runs the setup of
 * every kernel of the backend it switches to (the WebAssembly backend's ~180 cwraps, milliseconds), so the switch
 * sets the engine's active backend directly when tfjs-core's engine looks as expected (4.x): the backends stay
 * initialized, their kernels set up once by the first tf.setBackend.
 */
export function onBackend<T>(name: string, fn: () => T): T {
  const e = engine();
  const back = e.backendName;
  if (back === name) return fn();
  const target = e.registry?.[name];
  const current = e.backendInstance;
  if (target && back !== null && current && e.registry[back] === current) {
    e.backendName = name;
    e.backendInstance = target;
    try {
      return fn();
    } finally {
      e.backendName = back;
      e.backendInstance = current;
    }
  }
  // an engine whose shape we do not know, or none active yet: tfjs's own switch (synchronous for an initialized
  // backend, though it returns a promise)
  void tf.setBackend(name);
  try {
    return fn();
  } finally {
    if (back !== null) void tf.setBackend(back);
  }
}

/** After the session's first tf.setBackend: the application's backend again, if it had chosen one. */
export async function restoreBackend(name: string | null): Promise<void> {
  if (name !== null && activeBackendName() !== name) await tf.setBackend(name);
}

interface TensorInfo {
  backend: unknown;
}

/**
 * `t` with its data on the active backend: `t` itself when it is there, else a new tensor made from its values. tfjs
 * would move the data lazily, but its move copies the raw buffer under the tensor's dtype, and a tensor whose buffer
 * is another dtype's (the CPU backend's int32 -> float32 cast keeps its input's Int32Array) arrives as garbage.
 */
export function onActiveBackend(t: tf.Tensor): tf.Tensor {
  const e = tf.engine() as unknown as EngineInternals & { state?: { tensorInfo?: { get(id: object): TensorInfo } } };
  const info = e.state?.tensorInfo?.get(t.dataId);
  if (!info || info.backend === e.backendInstance) return t;
  return tf.tensor(t.dataSync() as tf.TypedArray | string[], t.shape, t.dtype);
}
