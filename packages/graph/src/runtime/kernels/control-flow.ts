// tf.compat.v1 conditionals (control flow v1): Switch sends its input to one output and a dead value to the other;
// the executor skips every op fed a dead value; Merge forwards its first live input and that input's index.
// Loops (Enter / Exit / NextIteration / LoopCond) forward their input: moving values between frames and iterations is
// the frame executor's (../control-flow/frame-executor.ts).
import { GraphError } from '../../errors.js';
import { DEAD, isDead, type KernelFactory, type Value } from '../values.js';
import { T, tf } from './common.js';

const switchKernel: KernelFactory = (n) => (i, s) => {
  const pred = T(i, 1, s, n);
  if (pred.size !== 1) throw new GraphError('KERNEL', 'Switch needs a scalar predicate', { node: n.name });
  const data: Value = i[0]!;
  return pred.dataSync()[0] ? [DEAD, data] : [data, DEAD];
};

const mergeKernel: KernelFactory = () => (i) => {
  const k = i.findIndex((v) => !isDead(v));
  if (k < 0) return [DEAD, DEAD];
  return [i[k]!, tf.scalar(k, 'int32')];
};

const forward: KernelFactory = () => (i) => [i[0]!];

export const controlFlowKernels: Record<string, KernelFactory> = {
  Switch: switchKernel,
  RefSwitch: switchKernel,
  Merge: mergeKernel,
  RefMerge: mergeKernel,
  Enter: forward,
  RefEnter: forward,
  Exit: forward,
  RefExit: forward,
  NextIteration: forward,
  RefNextIteration: forward,
  LoopCond: forward,
  ControlTrigger: () => () => [],
};
