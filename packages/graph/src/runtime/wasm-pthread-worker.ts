// The pthread worker of tfjs-backend-wasm's threaded-SIMD build, started from this file on disk. tfjs starts it from a
// Blob URL, which Node's worker_threads refuses (ERR_WORKER_PATH); the script itself ships inside the package as a
// string (wasm-out/*.worker.js), and is run here with the `require` and `__filename` a CommonJS worker file would have.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { wasmWorkerContents } =
  require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
// its one "\n" escape became a real newline inside a string literal in that template string (tfjs undoes it the same way)
const source = wasmWorkerContents.replace(/\n/g, '\\n');
new Function('require', '__filename', source)(require, fileURLToPath(import.meta.url));
