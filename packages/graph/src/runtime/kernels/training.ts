// Optimizer apply kernels (tensorflow/core/kernels/training_ops.cc): GradientDescent, Momentum (plain and Nesterov)
// and Adam (plain and Nesterov), each on a ref variable (Apply*: updates the VariableV2 and outputs its ref) and on a
// resource variable (ResourceApply*: no output). Slots (accum, m, v) are variables of the same kind as `var`.
// use_locking is accepted and has no effect: a Session runs one kernel at a time.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { type KernelFactory, type RunState, sameShape, type Value, type VarRef } from '../values.js';
import { attrsOf, R, T, tf } from './common.js';

const f32 = Math.fround;

/** A scalar input as a float32 number (learning rate, momentum, betas, epsilon). */
function scalar(inputs: Value[], k: number, s: RunState, n: NodeDef, what: string): number {
  const t = T(inputs, k, s, n);
  if (t.size !== 1) throw new GraphError('KERNEL', `${what} is not a scalar: shape [${t.shape}]`, { node: n.name });
  return f32((t.dataSync() as Float32Array)[0]!);
}

interface Slot {
  ref: VarRef;
  value: tf.Tensor;
}

/** The variables an apply op updates, read and checked to have one shape (TensorFlow's "same shape" checks). */
function slots(inputs: Value[], count: number, s: RunState, n: NodeDef, kind: 'ref' | 'resource'): Slot[] {
  const out: Slot[] = [];
  for (let k = 0; k < count; k++) {
    const ref = R(inputs, k, n, kind);
    out.push({ ref, value: s.vars.read(ref, n.name) });
  }
  const shape = out[0]!.value.shape;
  for (const slot of out.slice(1)) {
    if (!sameShape(slot.value.shape, shape)) {
      throw new GraphError(
        'KERNEL',
        `var and ${slot.ref.node} do not have the same shape: [${shape}] vs [${slot.value.shape}]`,
        { node: n.name },
      );
    }
  }
  return out;
}

function grad(inputs: Value[], k: number, s: RunState, n: NodeDef, like: tf.Tensor): tf.Tensor {
  const g = T(inputs, k, s, n);
  if (!sameShape(g.shape, like.shape)) {
    throw new GraphError('KERNEL', `var and grad do not have the same shape: [${like.shape}] vs [${g.shape}]`, {
      node: n.name,
    });
  }
  return g;
}

/** The new value is this kernel's own fresh tensor: the store takes it as it is (no copy of a large variable). */
function store(s: RunState, slot: Slot, value: tf.Tensor): void {
  s.vars.adopt(slot.ref, value);
}

/** var -= alpha * delta */
function gradientDescent(kind: 'ref' | 'resource'): KernelFactory {
  return (n) => (i, s) => {
    const [v] = slots(i, 1, s, n, kind);
    const alpha = scalar(i, 1, s, n, 'alpha');
    const delta = grad(i, 2, s, n, v!.value);
    store(s, v!, tf.sub(v!.value, tf.mul(delta, alpha)));
    return kind === 'ref' ? [v!.ref] : [];
  };
}

/**
 * accum = accum * momentum + grad;
 * var -= lr * accum, or with Nesterov var -= grad * lr + accum * momentum * lr
 */
function momentum(kind: 'ref' | 'resource'): KernelFactory {
  return (n) => {
    const nesterov = attrsOf(n).b('use_nesterov');
    return (i, s) => {
      const [v, accum] = slots(i, 2, s, n, kind);
      const lr = scalar(i, 2, s, n, 'lr');
      const g = grad(i, 3, s, n, v!.value);
      const mom = scalar(i, 4, s, n, 'momentum');
      const a = tf.add(tf.mul(accum!.value, mom), g);
      const step = nesterov ? tf.add(tf.mul(g, lr), tf.mul(tf.mul(a, mom), lr)) : tf.mul(a, lr);
      store(s, v!, tf.sub(v!.value, step));
      store(s, accum!, a);
      return kind === 'ref' ? [v!.ref] : [];
    };
  };
}

/**
 * alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power)   (scalars in float32, as Eigen computes them)
 * m += (grad - m) * (1 - beta1);  v += (grad^2 - v) * (1 - beta2)
 * var -= m * alpha / (sqrt(v) + epsilon), or with Nesterov (grad * (1 - beta1) + beta1 * m) * alpha / (sqrt(v) + epsilon)
 */
function adam(kind: 'ref' | 'resource'): KernelFactory {
  return (n) => {
    const nesterov = attrsOf(n).b('use_nesterov');
    return (i, s) => {
      const [v, m, vv] = slots(i, 3, s, n, kind);
      const b1p = scalar(i, 3, s, n, 'beta1_power');
      const b2p = scalar(i, 4, s, n, 'beta2_power');
      const lr = scalar(i, 5, s, n, 'lr');
      const b1 = scalar(i, 6, s, n, 'beta1');
      const b2 = scalar(i, 7, s, n, 'beta2');
      const eps = scalar(i, 8, s, n, 'epsilon');
      const g = grad(i, 9, s, n, v!.value);
      const alpha = f32(f32(lr * f32(Math.sqrt(f32(1 - b2p)))) / f32(1 - b1p));
      const m1 = tf.add(m!.value, tf.mul(tf.sub(g, m!.value), f32(1 - b1)));
      const v1 = tf.add(vv!.value, tf.mul(tf.sub(tf.square(g), vv!.value), f32(1 - b2)));
      const num = nesterov ? tf.add(tf.mul(g, f32(1 - b1)), tf.mul(m1, b1)) : m1;
      const update = tf.div(tf.mul(num, alpha), tf.add(tf.sqrt(v1), eps));
      store(s, m!, m1);
      store(s, vv!, v1);
      store(s, v!, tf.sub(v!.value, update));
      return kind === 'ref' ? [v!.ref] : [];
    };
  };
}

export const trainingKernels: Record<string, KernelFactory> = {
  ApplyGradientDescent: gradientDescent('ref'),
  ResourceApplyGradientDescent: gradientDescent('resource'),
  ApplyMomentum: momentum('ref'),
  ResourceApplyMomentum: momentum('resource'),
  ApplyAdam: adam('ref'),
  ResourceApplyAdam: adam('resource'),
};
