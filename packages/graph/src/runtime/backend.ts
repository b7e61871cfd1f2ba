// Backend choice: @tensorflow/tfjs-node when the user installed it (an optional peer, found at run time), else the
// WebAssembly backend loading its .wasm files from the installed package (no network), else the plain CPU backend.
// The CPU backend is always initialized too, so the executor can switch to it synchronously for a kernel the chosen
// backend lacks (tf.setBackend on an initialized backend takes effect before its promise settles).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { onBackend } from './backend-scope.js';
import { installNativeConvs } from './native-conv.js';
import { withoutEmscriptenHandlers } from './wasm-process-hooks.js';
import { configureWasmThreads, defaultWasmThreads, wasmThreads } from './wasm-threads.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendOptions {
  /**
   * Threads of the WebAssembly backend (1 turns threading off). Default: `TENSORGRAFT_WASM_THREADS` when set, else
   * the machine's available parallelism. Taken at the backend's first start only: it is one module per process.
   */
  wasmThreads?: number;
}

let chosen: Promise<BackendName> | undefined;

/** Initializes TensorFlow.js once and returns the backend in use. `prefer` forces one (falling back as usual). */
export function initBackend(prefer?: BackendName, options: BackendOptions = {}): Promise<BackendName> {
  if (!chosen || prefer) chosen = choose(prefer, options);
  return chosen;
}

async function choose(prefer: BackendName | undefined, options: BackendOptions): Promise<BackendName> {
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
      if (name === 'wasm') await loadWasm(options.wasmThreads ?? defaultWasmThreads());
      // the wasm module starts in setBackend: without the process handlers it adds (wasm-process-hooks.ts)
      if (await withoutEmscriptenHandlers(() => tf.setBackend(name))) {
        if (name === 'wasm') installNativeConvs(wasmThreads() ?? 1);
        return name;
      }
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
async function loadWasm(threads: number): Promise<void> {
  if (wasmLoaded) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const req = createRequire(import.meta.url);
  const dir = dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(`${join(dir, 'dist')}/`);
  configureWasmThreads(wasm, threads);
  wasmLoaded = true;
}

/** Does the active backend have a kernel for `kernelName`? */
export function backendHas(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** Runs `fn` on the CPU backend (always initialized), then switches back (see onBackend). */
export function onCpu<T>(fn: () => T): T {
  return onBackend('cpu', fn);
}

export function isMissingKernel(err: unknown): boolean {
  return err instanceof Error && /not registered for backend|not yet implemented/.test(err.message);
}
