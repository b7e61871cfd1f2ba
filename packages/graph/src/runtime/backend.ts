// Backend choice: @tensorflow/tfjs-node when the user installed it (an optional peer, found at run time), else the
// WebAssembly backend loading its .wasm files from the installed package (no network), else the plain CPU backend.
// The CPU backend is always initialized too, so the executor can switch to it synchronously for a kernel the chosen
// backend lacks (tf.setBackend on an initialized backend takes effect before its promise settles).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

/** Initializes TensorFlow.js once and returns the backend in use. `prefer` forces one (falling back as usual). */
export function initBackend(prefer?: BackendName): Promise<BackendName> {
  if (!chosen || prefer) chosen = choose(prefer);
  return chosen;
}

async function choose(prefer?: BackendName): Promise<BackendName> {
  await tf.setBackend('cpu');
  // the CPU backend's first write advises installing tfjs-node; we choose the backend ourselves
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('tfjs-node')) warn(...args);
  };
  try {
    tf.scalar(0).dispose();
  } finally {
    console.warn = warn;
  }
  const order: BackendName[] = prefer ? [prefer, 'tensorflow', 'wasm', 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      if (name === 'tensorflow' && !(await loadTfjsNode())) continue;
      if (name === 'wasm') await loadWasm();
      if (await tf.setBackend(name)) return name;
    } catch {
      // try the next one
    }
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

async function loadTfjsNode(): Promise<boolean> {
  const spec = '@tensorflow/tfjs-node';
  try {
    await import(spec);
    return tf.findBackend('tensorflow') !== null;
  } catch {
    // not resolvable from here (pnpm's strict layout): try from the application's directory
    try {
      const req = createRequire(join(process.cwd(), 'package.json'));
      await import(pathToFileURL(req.resolve(spec)).href);
      return tf.findBackend('tensorflow') !== null;
    } catch {
      return false;
    }
  }
}

let wasmLoaded = false;
async function loadWasm(): Promise<void> {
  if (wasmLoaded) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const req = createRequire(import.meta.url);
  const dir = dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(`${join(dir, 'dist')}/`);
  wasmLoaded = true;
}

/** Does the active backend have a kernel for `kernelName`? */
export function backendHas(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

interface EngineInternals {
  backendName: string;
  backendInstance: unknown;
  registry: Record<string, unknown>;
}

/**
 * Runs `fn` on the CPU backend (already initialized), then switches back. tf.setBackend re-runs the setup of every
 * kernel of the backend it switches to (the WebAssembly backend's ~180 cwraps, milliseconds, and cold code after), so
 * the switch sets the engine's active backend directly when tfjs-core's engine looks as expected (4.x); the backends
 * stay initialized, so nothing needs setting up again.
 */
export function onCpu<T>(fn: () => T): T {
  const back = tf.getBackend();
  if (back === 'cpu') return fn();
  const engine = tf.engine() as unknown as EngineInternals;
  const cpu = engine.registry?.cpu;
  const current = engine.backendInstance;
  if (cpu && current && engine.registry[back] === current) {
    engine.backendName = 'cpu';
    engine.backendInstance = cpu;
    try {
      return fn();
    } finally {
      engine.backendName = back;
      engine.backendInstance = current;
    }
  }
  void tf.setBackend('cpu');
  try {
    return fn();
  } finally {
    void tf.setBackend(back);
  }
}

export function isMissingKernel(err: unknown): boolean {
  return err instanceof Error && /not registered for backend|not yet implemented/.test(err.message);
}
