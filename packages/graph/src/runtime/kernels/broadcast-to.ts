// BroadcastTo as block copies between views of the WebAssembly heap: tfjs-backend-wasm runs tf.broadcastTo as a Tile
// that moves one element at a time (50-70 ms for resnet_v1_50's [8,1,1,2048] -> [8,7,7,2048], the gradient of its
// spatial mean). The copies go through Int32Array views, so float32 values keep their bits (NaN payloads, -0).
import type { NodeDef } from '../../graph.js';
import type { KernelFactory } from '../values.js';
import { heapOffset, sizeOf, tensorOf, wasmBackend } from '../wasm-heap.js';
import { checkedSize, ints, T, tf } from './common.js';

export const broadcastTo: KernelFactory = (n: NodeDef) => (i, s) => {
  const x = T(i, 0, s, n);
  const shape = ints(T(i, 1, s, n));
  checkedSize(shape, n);
  return [onHeap(x, shape) ?? tf.broadcastTo(x, shape)];
};

/** The broadcast on the wasm backend, or null for tf.broadcastTo (another backend or dtype, its errors, no copy). */
function onHeap(x: tf.Tensor, shape: number[]): tf.Tensor | null {
  const backend = wasmBackend();
  if (!backend || (x.dtype !== 'float32' && x.dtype !== 'int32') || shape.length < x.rank) return null;
  const from = [...new Array<number>(shape.length - x.rank).fill(1), ...x.shape];
  if (from.some((d, k) => d !== shape[k] && d !== 1)) return null;
  if (x.size === 0 || sizeOf(shape) === 0 || from.every((d, k) => d === shape[k])) return null;
  // neighbouring axes that are both copied or both repeated act as one
  const src: number[] = [];
  const dst: number[] = [];
  for (const [k, size] of shape.entries()) {
    if (size === 1) continue;
    const last = dst.length - 1;
    if (last >= 0 && (src[last] === 1) === (from[k] === 1)) {
      dst[last]! *= size;
      src[last]! *= from[k]!;
    } else {
      dst.push(size);
      src.push(from[k]!);
    }
  }
  const out = backend.makeOutput(shape, x.dtype);
  const heap = backend.wasm.HEAPU8; // after the allocation, which may grow (and so replace) the heap
  const [xAt, outAt] = [x, out].map((t) => heapOffset(backend, t, heap.length)) as [number, number];
  if (xAt <= 0 || outAt <= 0 || xAt % 4 !== 0 || outAt % 4 !== 0) {
    backend.disposeData(out.dataId);
    return null;
  }
  const strides = (dims: number[]) => dims.map((_, k) => sizeOf(dims.slice(k + 1)));
  const copy = new BlockCopy(
    new Int32Array(heap.buffer, heap.byteOffset + xAt, x.size),
    new Int32Array(heap.buffer, heap.byteOffset + outAt, sizeOf(shape)),
    src,
    dst,
    strides(src),
    strides(dst),
  );
  copy.run(0, 0, 0);
  return tensorOf(out);
}

/** Below this many elements a run is copied element by element (a typed array call costs more). */
const SHORT = 16;

class BlockCopy {
  constructor(
    private readonly from: Int32Array,
    private readonly to: Int32Array,
    private readonly src: number[],
    private readonly dst: number[],
    private readonly srcStrides: number[],
    private readonly dstStrides: number[],
  ) {}

  /** Writes the block of axes k.. at `at` in the output from the one at `s` in the input. */
  run(k: number, s: number, at: number): void {
    const { from, to } = this;
    const n = this.dst[k]!;
    const repeated = this.src[k] === 1;
    if (k === this.dst.length - 1) {
      if (n < SHORT) {
        for (let j = 0; j < n; j++) to[at + j] = from[repeated ? s : s + j]!;
      } else if (repeated) to.fill(from[s]!, at, at + n);
      else to.set(from.subarray(s, s + n), at);
      return;
    }
    const block = this.dstStrides[k]!;
    if (!repeated) {
      const step = this.srcStrides[k]!;
      for (let j = 0; j < n; j++) this.run(k + 1, s + j * step, at + j * block);
      return;
    }
    // one block, then doubling copies of what is written so far
    this.run(k + 1, s, at);
    const total = n * block;
    for (let done = block; done < total; ) {
      const len = Math.min(done, total - done);
      to.copyWithin(at + done, at, at + len);
      done += len;
    }
  }
}
