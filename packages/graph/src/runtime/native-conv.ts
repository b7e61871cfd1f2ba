// 2-D convolutions on oneDNN (native/dnnl-conv.c) for the WebAssembly backend: its tensors stay in the wasm heap and
// oneDNN reads and writes them there, with the machine's widest SIMD (WebAssembly has 128 bits; AVX-512 convs run
// 3-4x faster). Forward convs (Conv2D, and FusedConv2D with a bias and relu, relu6, elu, sigmoid or leaky relu) are
// replaced in tfjs's kernel registry, so every conv2d call takes them; the two backprops are called from our gradient
// kernels (kernels/grad.ts). Anything else (other dtypes, NCHW, prelu, a heap view that does not cover a tensor) runs
// the wasm backend's own kernels. Off with TENSORGRAFT_NATIVE_KERNELS=0, or where the module is not built (no libdnnl).
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, loadNativeModule, tensorOf, type WasmBackend } from './wasm-heap.js';

interface NativeConv {
  run(dims: Int32Array, alpha: number, heap: Uint8Array, offsets: Float64Array): boolean;
  setThreads(n: number): void;
}
type Pad = 'same' | 'valid' | number | number[][];

const FWD = 0;
const BWD_DATA = 1;
const BWD_WEIGHTS = 2;
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 };

let native: NativeConv | null | undefined;
let active = false;
/** dims keys oneDNN has no implementation for: not asked again */
const unsupported = new Set<string>();

/** Whether convolutions run on oneDNN in this process. */
export function nativeConvs(): boolean {
  return active;
}

const counts = { native: 0, fallback: 0 };

/**
 * Convolutions (forward, input and filter gradients) run on oneDNN so far in this process, and those that fell back to
 * the wasm kernels while it was active (an unsupported dtype, layout, activation or padding).
 */
export function nativeConvCounts(): { native: number; fallback: number } {
  return { ...counts };
}

function counted<T>(result: T | null): T | null {
  if (result) counts.native++;
  else counts.fallback++;
  return result;
}

/**
 * Once the wasm backend runs: routes its convolutions to oneDNN with `threads` threads (the wasm thread setting).
 * Returns whether they now do.
 */
export function installNativeConvs(threads: number): boolean {
  if (active) return true;
  if (native === undefined) native = loadNativeModule<NativeConv>('dnnl-conv');
  if (!native || tf.getBackend() !== 'wasm') return false;
  native.setThreads(Math.max(1, threads));
  for (const name of ['Conv2D', 'FusedConv2D'] as const) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) =>
        (onWasm() ? counted(forward(args, name === 'FusedConv2D')) : null) ?? original.kernelFunc(args),
    });
  }
  active = true;
  return true;
}

/** Runs one primitive into a new output of `outShape`; null when oneDNN cannot (the caller falls back). */
function runNative(dims: number[], alpha: number, ins: (tf.TensorInfo | null)[], outShape: number[]) {
  const key = `${dims.join(',')}:${alpha}`;
  if (unsupported.has(key)) return null;
  const backend = tf.backend() as WasmBackend;
  const out = backend.makeOutput(outShape, 'float32');
  const heap = backend.wasm.HEAPU8; // after makeOutput, which may grow the heap
  const offsets = Float64Array.from([...ins, out], (t) => (t ? heapOffset(backend, t, heap.length) : -2));
  if (offsets.some((o) => o === -1)) {
    backend.disposeData(out.dataId);
    return null;
  }
  if (!native!.run(Int32Array.from(dims), alpha, heap, offsets)) {
    unsupported.add(key);
    backend.disposeData(out.dataId);
    return null;
  }
  return out;
}

/** Conv2D / FusedConv2D's kernel function on oneDNN, or null for the wasm kernel. */
function forward(args: tf.NamedTensorInfoMap | object, fused: boolean): tf.TensorInfo | null {
  const { inputs, attrs } = args as {
    inputs: Record<string, tf.TensorInfo | undefined>;
    attrs: Record<string, unknown>;
  };
  const { x, filter, bias } = inputs;
  const activation = fused ? ((attrs.activation as string | undefined) ?? 'linear') : 'linear';
  const act = ACTIVATIONS[activation];
  if (!x || !filter || act === undefined || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (attrs.dataFormat === 'NCHW' || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const co = filter.shape[3]!;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== co)) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  const dims = convDims(FWD, info, act, bias ? 1 : 0);
  if (!dims) return null;
  const alpha = act === ACTIVATIONS.leakyrelu ? ((attrs.leakyreluAlpha as number | undefined) ?? 0.2) : 0;
  return runNative(dims, alpha, [x, filter, bias ?? null], info.outShape);
}

/** [kind, n, h, w, ci, kh, kw, co, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, act, hasBias], or null if oneDNN's output
 * size formula would not give TensorFlow's for this padding. */
function convDims(kind: number, c: tf.backend_util.Conv2DInfo, act: number, hasBias: number): number[] | null {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = c;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = c;
  const { dilationHeight: dh, dilationWidth: dw, padInfo } = c;
  const { top, left } = padInfo;
  // oneDNN's output size is floor((in + pads - kEff) / stride) + 1: the far side's padding is what the last window
  // needs past the input (none when it ends inside, as in VALID with rows no window reaches)
  const kEffH = (kh - 1) * dh + 1;
  const kEffW = (kw - 1) * dw + 1;
  const bottom = Math.max((oh - 1) * sh + kEffH - h - top, 0);
  const right = Math.max((ow - 1) * sw + kEffW - w - left, 0);
  const fits = (size: number, before: number, after: number, k: number, s: number, out: number) =>
    before >= 0 && Math.floor((size + before + after - k) / s) + 1 === out;
  if (!fits(h, top, bottom, kEffH, sh, oh) || !fits(w, left, right, kEffW, sw, ow)) return null;
  if (n * h * w * ci * co * oh * ow === 0) return null;
  return [kind, n, h, w, ci, kh, kw, co, oh, ow, sh, sw, dh, dw, top, left, bottom, right, act, hasBias];
}

/** dx [n, h, w, ci] of a conv of `filter` whose output gradient is `dy`, on oneDNN; null to fall back. */
export function nativeInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: Pad,
): tf.Tensor4D | null {
  if (!onWasm()) return null;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return counted(null);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad as 'same');
  if (info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return counted(null);
  const dims = convDims(BWD_DATA, info, 0, 0);
  const out = counted(dims && runNative(dims, 0, [dy, filter, null], inputShape));
  return out ? tensorOf<tf.Rank.R4>(out) : null;
}

/** dW [kh, kw, ci, co] of a conv of `x` whose output gradient is `dy`, on oneDNN; null to fall back. */
export function nativeFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  [kh, kw]: [number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: Pad,
): tf.Tensor4D | null {
  if (!onWasm()) return null;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return counted(null);
  const filterShape: [number, number, number, number] = [kh, kw, x.shape[3], dy.shape[3]];
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad as 'same');
  if (info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return counted(null);
  const dims = convDims(BWD_WEIGHTS, info, 0, 0);
  const out = counted(dims && runNative(dims, 0, [x, dy, null], filterShape));
  return out ? tensorOf<tf.Rank.R4>(out) : null;
}

/** oneDNN is installed and the current backend is wasm (a Session may run one graph on the CPU backend). */
const onWasm = () => active && tf.getBackend() === 'wasm';
