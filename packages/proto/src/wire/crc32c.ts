// CRC32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
// TensorFlow stores it "masked": mask(c) = rotateRight(c, 15) + 0xA282EAD8 (mod 2^32), so that a CRC stored inside
// data that is itself checksummed does not cancel out.
// Native implementations, first that loads: this package's own (native/crc32c.c, built into dist/native by the build
// where a C compiler is present: three interleaved SSE4.2 chains, ~21 GiB/s a core here), then @node-rs/crc32 (~5-6
// GiB/s here: its build calls a function per 8 bytes). The table fallback (~0.4 GB/s) keeps the package working where
// neither exists (browsers, other platforms). The native module is loaded when first
// needed: by the full entry point and `/wire` as they load (crc32c-implementation.ts), else after the first MiB
// checksummed in JS, so that a program that checksums a few small blocks (`tensorgraft ls`) never pays for loading it.
// node:module is reached through process.getBuiltinModule, not imported: the browser entry points share this file,
// and a bundler for the browser must see no Node built-in (it then keeps the pure-JS path).

const MASK_DELTA = 0xa282ead8;

type Crc32cFn = (input: Uint8Array, initialState?: number) => number;

/** Pure-JS CRC32C, slice-by-8. Exported for tests and for platforms without the native module. */
export const crc32cJs: Crc32cFn = (() => {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t0[i] = c >>> 0;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const next = new Uint32Array(256);
    for (let i = 0; i < 256; i++) next[i] = (prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!;
    tables.push(next);
  }
  const [T0, T1, T2, T3, T4, T5, T6, T7] = tables as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  return (input: Uint8Array, initialState = 0): number => {
    let crc = ~initialState >>> 0;
    let i = 0;
    const n = input.length;
    const end8 = n - (n % 8);
    for (; i < end8; i += 8) {
      const a = (crc ^ (input[i]! | (input[i + 1]! << 8) | (input[i + 2]! << 16) | (input[i + 3]! << 24))) >>> 0;
      crc =
        T7[a & 0xff]! ^
        T6[(a >>> 8) & 0xff]! ^
        T5[(a >>> 16) & 0xff]! ^
        T4[a >>> 24]! ^
        T3[input[i + 4]!]! ^
        T2[input[i + 5]!]! ^
        T1[input[i + 6]!]! ^
        T0[input[i + 7]!]!;
    }
    for (; i < n; i++) crc = (crc >>> 8) ^ T0[(crc ^ input[i]!) & 0xff]!;
    return ~crc >>> 0;
  };
})();

/** Which native module computes crc32c (undefined until tried or when none loads). */
export type Crc32cNativeModule = 'tensorgraft' | '@node-rs/crc32';
let nativeModule: Crc32cNativeModule | undefined;

function loadNative(): Crc32cFn | undefined {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') return undefined; // a browser
  const choice = process.env.TENSORGRAFT_CRC32C; // 'js', 'node-rs' (skip this package's own), or unset
  if (choice === 'js') return undefined;
  const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
  const candidates: [Crc32cNativeModule, string][] = [
    ['tensorgraft', '../native/crc32c.node'],
    ['@node-rs/crc32', '@node-rs/crc32'],
  ];
  for (const [name, id] of candidates) {
    if (name === 'tensorgraft' && choice === 'node-rs') continue;
    try {
      const fn = (require(id) as { crc32c?: (input: Uint8Array, initialState?: number) => number }).crc32c;
      if (typeof fn !== 'function') continue;
      // Known answers before trusting it (the second spans several of the own module's 12 KiB rounds).
      if (fn(new Uint8Array([0x61, 0x62, 0x63, 0x64])) >>> 0 !== 0x92c80a31) continue;
      const probe = new Uint8Array(40_000).map((_, i) => (i * 7919) >>> 3);
      if (fn(probe.subarray(3), 0x12345678) >>> 0 !== crc32cJs(probe.subarray(3), 0x12345678)) continue;
      nativeModule = name;
      return (input, initialState = 0) => fn(input, initialState) >>> 0;
    } catch {
      // not built, or built for another platform: try the next
    }
  }
  return undefined;
}

/** The native module in use, once one has loaded (loadNativeCrc32c() loads it). */
export function crc32cNativeModule(): Crc32cNativeModule | undefined {
  return nativeModule;
}

/** The native implementation: undefined until tried, null when it does not load. */
let native: Crc32cFn | null | undefined;

/** Loads the native implementation (once) and returns it, or undefined where there is none. */
export function loadNativeCrc32c(): Crc32cFn | undefined {
  if (native === undefined) native = loadNative() ?? null;
  return native ?? undefined;
}

/** Bytes checksummed in JS before the native module is loaded: about as long (~2.5 ms) as loading it takes. */
const JS_BYTES_BEFORE_NATIVE = 1 << 20;
let jsBytes = 0;

/**
 * CRC32C of `input`. Pass a previous result as `previous` to extend it over more bytes:
 * crc32c(b, crc32c(a)) === crc32c(a ‖ b).
 */
export const crc32c: Crc32cFn = (input, initialState = 0) => {
  if (native === undefined) {
    jsBytes += input.length;
    if (jsBytes <= JS_BYTES_BEFORE_NATIVE) return crc32cJs(input, initialState);
    loadNativeCrc32c();
  }
  return native ? native(input, initialState) : crc32cJs(input, initialState);
};

/** TensorFlow's mask: rotate right by 15 bits and add a constant. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Inverse of maskCrc. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/** mask(crc32c(input)): the value TensorFlow stores next to checksummed data. */
export function maskedCrc32c(input: Uint8Array): number {
  return maskCrc(crc32c(input));
}
