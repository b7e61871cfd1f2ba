// Op type → kernel factory, for every op this runtime runs.
import type { KernelFactory } from '../values.js';
import { arrayKernels } from './array.js';
import { batchNormKernels } from './batch-norm.js';
import { controlFlowKernels } from './control-flow.js';
import { depthwiseKernels } from './depthwise.js';
import { extraKernels } from './extra.js';
import { functionalKernels } from './functional.js';
import { gradKernels } from './grad.js';
import { gradExtraKernels } from './grad-extra.js';
import { mathKernels } from './math.js';
import { miscKernels } from './misc.js';
import { nnKernels } from './nn.js';
import { rnnSupportKernels } from './rnn-support.js';
import { sparseUpdateKernels } from './sparse-updates.js';
import { stateKernels } from './state.js';
import { tensorArrayKernels } from './tensor-arrays.js';
import { tensorListKernels, withListAddN, withListZerosLike } from './tensor-lists.js';
import { trainingKernels } from './training.js';

export const KERNELS: Readonly<Record<string, KernelFactory>> = {
  ...stateKernels,
  ...mathKernels,
  ...nnKernels,
  ...arrayKernels,
  ...miscKernels,
  ...extraKernels,
  ...depthwiseKernels,
  ...batchNormKernels,
  ...functionalKernels,
  ...controlFlowKernels,
  ...gradKernels,
  ...gradExtraKernels,
  ...trainingKernels,
  ...tensorListKernels,
  ...tensorArrayKernels,
  ...rnnSupportKernels,
  ...sparseUpdateKernels,
  // TensorLists in the ops gradients apply to any value
  ZerosLike: withListZerosLike(arrayKernels.ZerosLike!),
  AddN: withListAddN(mathKernels.AddN!),
};

export function supportedOps(): string[] {
  return Object.keys(KERNELS).sort();
}
