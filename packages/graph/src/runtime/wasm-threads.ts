// Multi-threaded WebAssembly in Node. tfjs-backend-wasm 4.x never picks its threaded-SIMD build under Node
// (WASM_HAS_MULTITHREAD_SUPPORT is false there), and forcing it fails: its init starts Emscripten's pthread workers
// from Blob URLs, which worker_threads refuses (ERR_WORKER_PATH). So the 'wasm' backend's factory is replaced, before
// the backend first starts, by one that loads the same threaded build with files on disk: the workers run
// wasm-pthread-worker.js and load the module from wasm-out/. Kernels, BackendWasm and setThreadsCount are tfjs's own.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

/** The Emscripten module as far as this file uses it (PThread is Emscripten's pool of pthread workers). */
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => unknown;
  PThread: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
  tfjs?: Record<string, unknown>;
}
interface NodeWorker {
  unref(): void;
  terminate(): void;
}
type WasmImports = { env: Record<string, unknown> };
/** The WebAssembly global as used here (the project's lib settings leave it undeclared). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: WasmImports): Promise<{ instance: unknown; module: unknown }>;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WasmApi };
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/**
 * The thread count asked for: `TENSORGRAFT_WASM_THREADS` when set (1 or 0 turns threads off), else the machine's
 * available parallelism.
 */
export function defaultWasmThreads(): number {
  const env = process.env.TENSORGRAFT_WASM_THREADS;
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 0) return Math.max(1, n);
  }
  return availableParallelism();
}

let threadsInUse: number | undefined;

/** Threads of the wasm backend once it started: 1 on the single-threaded build; undefined before. */
export function wasmThreads(): number | undefined {
  return threadsInUse;
}

interface EngineRegistry {
  registry: Record<string, unknown>;
  registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend> } | undefined>;
}

/**
 * Makes the next start of the 'wasm' backend use `threads` threads (the threaded build when > 1, tfjs's own
 * single-threaded SIMD build otherwise). No effect once the backend has started: the module is one per process.
 */
export function configureWasmThreads(wasm: WasmPackage, threads: number): void {
  const engine = tf.engine() as unknown as EngineRegistry;
  if (engine.registry.wasm !== undefined) {
    threadsInUse ??= wasm.getThreadsCount();
    return;
  }
  const single = engine.registryFactory.wasm?.factory;
  if (threads <= 1 || typeof SharedArrayBuffer !== 'function' || !single) {
    wasm.setThreadsCount(1);
    threadsInUse = 1;
    return;
  }
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        return await startThreaded(wasm, threads);
      } catch (err) {
        // tfjs's single-threaded build still works where workers cannot start
        console.warn(`tensorgraft: the threaded WebAssembly backend did not start (${String(err)}); using 1 thread`);
        wasm.setThreadsCount(1);
        threadsInUse = 1;
        return single();
      }
    },
    2 /* tfjs's WASM_PRIORITY */,
  );
}

async function startThreaded(wasm: WasmPackage, threads: number): Promise<tf.KernelBackend> {
  const req = createRequire(import.meta.url);
  const factoryFile = req.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const factory = req(factoryFile) as Factory;
  const worker = join(dirname(fileURLToPath(import.meta.url)), 'wasm-pthread-worker.js');
  // a worker whose file is missing (this file bundled elsewhere) fails after the start, out of reach of the fallback
  if (!existsSync(worker)) throw new Error(`no pthread worker script at ${worker}`);
  const dir = dirname(factoryFile);
  const module = await new Promise<EmscriptenModule>((resolve, reject) => {
    // Emscripten's Module is this object: it gets PThread while the factory runs, before the wasm instantiates
    const config: Record<string, unknown> & Partial<EmscriptenModule> = {
      locateFile: (path: string) => (path.endsWith('.worker.js') ? worker : join(dir, path)),
      // a path, so each worker reads the module's script from disk (the worker's importScripts)
      mainScriptUrlOrBlob: factoryFile,
      instantiateWasm: (info: WasmImports, receive: (instance: unknown, module: unknown) => void) => {
        // tfjs's C side sizes its pool as min(asked, logical cores / 2), taking every core for 2 hyperthreads: on a
        // 2-core machine that is 1 thread whatever is asked. The count asked for is what it gets.
        info.env.emscripten_num_logical_cores = () => threads * 2;
        WebAssembly.instantiate(readFileSync(join(dir, 'tfjs-backend-wasm-threaded-simd.wasm')), info).then((r) => {
          // Emscripten starts 8 workers and loads the module into each before it is ready; XNNPACK's pool takes
          // threads - 1 of them (the calling thread is the other), so the rest end before they load it
          const spare = config.PThread?.unusedWorkers.splice(threads - 1) ?? [];
          for (const w of spare) w.terminate();
          receive(r.instance, r.module);
        }, reject);
        return {};
      },
      onAbort: (what: unknown) => reject(new Error(`the threaded wasm build aborted: ${String(what)}`)),
    };
    factory(config).then(resolve, reject);
  });
  // the same cwraps tfjs's own init adds (backend_wasm.ts)
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasm.setThreadsCount(threads);
  const backend = new wasm.BackendWasm(module as never);
  threadsInUse = wasm.getThreadsCount();
  // XNNPACK's pool threads never exit and Emscripten refs a worker while its thread runs: unref them, so they do not
  // keep Node alive. Any worker no thread took is only memory: end it.
  for (const w of module.PThread.runningWorkers) w.unref();
  for (const w of module.PThread.unusedWorkers.splice(0)) w.terminate();
  return backend;
}
