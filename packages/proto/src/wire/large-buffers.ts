// Zero-filled ArrayBuffers for large tensors, on 2 MiB pages where the machine allows it (native/large-buffers.c):
// a restore into fresh arrays otherwise spends ~40% of its time faulting in 4 KiB pages. Elsewhere (no native module,
// a browser, TENSORGRAFT_HUGE_PAGES=0) it is `new ArrayBuffer(bytes)`, with the same contents and behaviour.

/** Requests at least this large go to the native allocator: smaller ones would waste most of a 2 MiB page. */
export const LARGE_BUFFER_BYTES = 4 << 20;

type Allocate = (bytes: number) => ArrayBuffer | null;

/** undefined until tried, null when the module does not load */
let native: Allocate | null | undefined;

function loadNative(): Allocate | null {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') return null; // a browser
  if (process.env.TENSORGRAFT_HUGE_PAGES === '0') return null;
  try {
    const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
    const fn = (require('../native/large-buffers.node') as { allocate?: Allocate }).allocate;
    return typeof fn === 'function' ? fn : null;
  } catch {
    return null; // not built, or built for another platform
  }
}

/** Whether large buffers come from the native huge-page allocator in this process. */
export function largeBuffersNative(): boolean {
  if (native === undefined) native = loadNative();
  return native !== null;
}

/** A zero-filled ArrayBuffer of `bytes` (huge pages when it is large and the native allocator is built). */
export function allocateLargeBuffer(bytes: number): ArrayBuffer {
  if (bytes >= LARGE_BUFFER_BYTES && largeBuffersNative()) {
    const buffer = native!(bytes);
    if (buffer) return buffer;
  }
  return new ArrayBuffer(bytes);
}
