// What runs on the optional native kernels (native/*.c) in this process: a user's check that they are in use.
import { nativeBatchNorm, nativeBatchNormCounts } from './native-batch-norm.js';
import { nativeConvCounts, nativeConvs } from './native-conv.js';
import { nativeLoops, nativeLoopsRan } from './native-loops.js';

/** Which kernel families run natively on the WebAssembly backend, and how often each ran or fell back so far. */
export interface NativeKernelReport {
  /** Conv2D, FusedConv2D and both gradients on oneDNN (dnnl-conv.node, where oneDNN is installed). */
  convolutions: boolean;
  /** Training-mode FusedBatchNorm* and their gradients (batch-norm.node). */
  batchNorm: boolean;
  /** Adam and Momentum updates in place, sums and means over middle axes (loops.node). */
  loops: boolean;
  /** Kernels run natively so far, per family. */
  ran: { convolutions: number; batchNorm: number; loops: number };
  /** Kernels that took the wasm path while the native one was active (another dtype, layout, activation, padding). */
  fellBack: { convolutions: number; batchNorm: number };
}

/** The native kernels in use (`TENSORGRAFT_NATIVE_KERNELS=0` turns them all off). */
export function nativeKernels(): NativeKernelReport {
  const conv = nativeConvCounts();
  const bn = nativeBatchNormCounts();
  return {
    convolutions: nativeConvs(),
    batchNorm: nativeBatchNorm(),
    loops: nativeLoops(),
    ran: { convolutions: conv.native, batchNorm: bn.native, loops: nativeLoopsRan() },
    fellBack: { convolutions: conv.fallback, batchNorm: bn.fallback },
  };
}
