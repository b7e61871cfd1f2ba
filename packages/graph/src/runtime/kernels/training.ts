// Optimizer apply kernels (tensorflow/core/kernels/training_ops.cc): GradientDescent, Momentum (plain and Nesterov),
// Adam (plain and Nesterov), RMSProp (plain and centered) and Adagrad (V1 and V2), each on a ref variable (Apply*: updates the VariableV2 and outputs its ref) and on a
// resource variable (ResourceApply*: no output). Slots (accum, m, v) are variables of the same kind as `var`.
// use_locking is accepted and has no effect: a Session runs one kernel at a time.
// When no later op of the run reads the variable or a slot (or they are host-resident: values.ts), the update is
// written in place, element by element in float32 as the tfjs ops compute it (same values): a VGG-16 step keeps one
// copy of its variables and slots and makes no temporaries, and host-resident slots never enter the backend;
// otherwise new values are computed and adopted (Adagrad always: rsqrt's rounding differs between backends).
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { floatView } from '../in-place.js';
import { nativeAdam, nativeMomentum } from '../native-loops.js';
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
  shape: number[];
  /** The current value as a backend tensor (uploads a host-resident one: only the tensor path asks). */
  value: () => tf.Tensor;
}

/** The variables an apply op updates, read and checked to have one shape (TensorFlow's "same shape" checks). */
function slots(inputs: Value[], count: number, s: RunState, n: NodeDef, kind: 'ref' | 'resource'): Slot[] {
  const out: Slot[] = [];
  for (let k = 0; k < count; k++) {
    const ref = R(inputs, k, n, kind);
    out.push({ ref, shape: s.vars.shapeOf(ref, n.name), value: () => s.vars.read(ref, n.name) });
  }
  const shape = out[0]!.shape;
  for (const slot of out.slice(1)) {
    if (!sameShape(slot.shape, shape)) {
      throw new GraphError(
        'KERNEL',
        `var and ${slot.ref.node} do not have the same shape: [${shape}] vs [${slot.shape}]`,
        { node: n.name },
      );
    }
  }
  return out;
}

function grad(inputs: Value[], k: number, s: RunState, n: NodeDef, like: Slot): tf.Tensor {
  const g = T(inputs, k, s, n);
  if (!sameShape(g.shape, like.shape)) {
    throw new GraphError('KERNEL', `var and grad do not have the same shape: [${like.shape}] vs [${g.shape}]`, {
      node: n.name,
    });
  }
  return g;
}

/** Views of the variable and slots (in `slots` order) and of the gradient, or undefined when one cannot be written. */
function inPlace(
  s: RunState,
  vars: Slot[],
  g: tf.Tensor,
  n: NodeDef,
): { w: Float32Array[]; g: Float32Array } | undefined {
  const w: Float32Array[] = [];
  for (const v of vars) {
    const view = s.vars.writable(v.ref, n.name);
    if (!view) return undefined;
    w.push(view);
  }
  const gv = floatView(g);
  if (!gv) return undefined;
  // the backend's caches of the old values go, host values' uploaded copies too (the writes follow in this kernel,
  // before any other op runs)
  for (const v of vars) s.vars.changing(v.ref);
  return { w, g: gv };
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
    const delta = grad(i, 2, s, n, v!);
    const views = inPlace(s, [v!], delta, n);
    if (views) {
      const [w] = views.w as [Float32Array];
      const d = views.g;
      for (let k = 0; k < w.length; k++) w[k] = w[k]! - f32(d[k]! * alpha);
    } else store(s, v!, tf.sub(v!.value(), tf.mul(delta, alpha)));
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
      const g = grad(i, 3, s, n, v!);
      const mom = scalar(i, 4, s, n, 'momentum');
      const views = inPlace(s, [v!, accum!], g, n);
      if (views && nativeMomentum(views, nesterov, lr, mom)) return kind === 'ref' ? [v!.ref] : [];
      if (views) {
        const [w, acc] = views.w as [Float32Array, Float32Array];
        const d = views.g;
        for (let k = 0; k < w.length; k++) {
          const a = f32(f32(acc[k]! * mom) + d[k]!);
          acc[k] = a;
          w[k] = w[k]! - (nesterov ? f32(f32(d[k]! * lr) + f32(f32(a * mom) * lr)) : f32(a * lr));
        }
        return kind === 'ref' ? [v!.ref] : [];
      }
      const a = tf.add(tf.mul(accum!.value(), mom), g);
      const step = nesterov ? tf.add(tf.mul(g, lr), tf.mul(tf.mul(a, mom), lr)) : tf.mul(a, lr);
      store(s, v!, tf.sub(v!.value(), step));
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
      const g = grad(i, 9, s, n, v!);
      const alpha = f32(f32(lr * f32(Math.sqrt(f32(1 - b2p)))) / f32(1 - b1p));
      const views = inPlace(s, [v!, m!, vv!], g, n);
      if (views) {
        const c = { alpha, c1: f32(1 - b1), c2: f32(1 - b2), b1, eps };
        if (!nativeAdam(views, nesterov, c)) adamInPlace(views, nesterov, c);
        return kind === 'ref' ? [v!.ref] : [];
      }
      const m1 = tf.add(m!.value(), tf.mul(tf.sub(g, m!.value()), f32(1 - b1)));
      const v1 = tf.add(vv!.value(), tf.mul(tf.sub(tf.square(g), vv!.value()), f32(1 - b2)));
      const num = nesterov ? tf.add(tf.mul(g, f32(1 - b1)), tf.mul(m1, b1)) : m1;
      const update = tf.div(tf.mul(num, alpha), tf.add(tf.sqrt(v1), eps));
      store(s, m!, m1);
      store(s, vv!, v1);
      store(s, v!, tf.sub(v!.value(), update));
      return kind === 'ref' ? [v!.ref] : [];
    };
  };
}

/** Adam's update on views (var, m, v): the ops of the tensor path, in float32, in their order. */
function adamInPlace(
  views: { w: Float32Array[]; g: Float32Array },
  nesterov: boolean,
  c: { alpha: number; c1: number; c2: number; b1: number; eps: number },
): void {
  const [w, m, v] = views.w as [Float32Array, Float32Array, Float32Array];
  const g = views.g;
  for (let k = 0; k < w.length; k++) {
    const gk = g[k]!;
    const m1 = f32(m[k]! + f32(f32(gk - m[k]!) * c.c1));
    m[k] = m1;
    const v1 = f32(v[k]! + f32(f32(f32(gk * gk) - v[k]!) * c.c2));
    v[k] = v1;
    const num = nesterov ? f32(f32(gk * c.c1) + f32(m1 * c.b1)) : m1;
    w[k] = w[k]! - f32(f32(num * c.alpha) / f32(f32(Math.sqrt(v1)) + c.eps));
  }
}

/**
 * ms += (grad^2 - ms) * (1 - rho);  mom = mom * momentum + grad * lr / sqrt(ms + epsilon);  var -= mom.
 * Centered (inputs var, mg, ms, mom, ...): mg += (grad - mg) * (1 - rho), and the root is of ms - mg^2 + epsilon.
 */
function rmsProp(kind: 'ref' | 'resource', centered: boolean): KernelFactory {
  return (n) => (i, s) => {
    const vars = slots(i, centered ? 4 : 3, s, n, kind);
    const [v, ms, mom] = centered ? [vars[0]!, vars[2]!, vars[3]!] : [vars[0]!, vars[1]!, vars[2]!];
    const k = vars.length;
    const lr = scalar(i, k, s, n, 'lr');
    const rho = scalar(i, k + 1, s, n, 'rho');
    const momentum = scalar(i, k + 2, s, n, 'momentum');
    const eps = scalar(i, k + 3, s, n, 'epsilon');
    const g = grad(i, k + 4, s, n, v);
    const decay = f32(1 - rho);
    const views = inPlace(s, vars, g, n);
    if (views) {
      rmsPropInPlace(views, centered, { lr, decay, momentum, eps });
      return kind === 'ref' ? [v.ref] : [];
    }
    const ms1 = tf.add(ms.value(), tf.mul(tf.sub(tf.square(g), ms.value()), decay));
    let denom = ms1;
    if (centered) {
      const mg = vars[1]!;
      const mg1 = tf.add(mg.value(), tf.mul(tf.sub(g, mg.value()), decay));
      denom = tf.sub(ms1, tf.square(mg1));
      store(s, mg, mg1);
    }
    const mom1 = tf.add(tf.mul(mom.value(), momentum), tf.div(tf.mul(g, lr), tf.sqrt(tf.add(denom, eps))));
    store(s, ms, ms1);
    store(s, mom, mom1);
    store(s, v, tf.sub(v.value(), mom1));
    return kind === 'ref' ? [v.ref] : [];
  };
}

/** RMSProp's update on views (var, [mg,] ms, mom): the ops of the tensor path, in float32, in their order. */
function rmsPropInPlace(
  views: { w: Float32Array[]; g: Float32Array },
  centered: boolean,
  c: { lr: number; decay: number; momentum: number; eps: number },
): void {
  const [w, a, b, d] = views.w as [Float32Array, Float32Array, Float32Array, Float32Array | undefined];
  const [mg, ms, mom] = centered ? [a, b, d!] : [undefined, a, b];
  const g = views.g;
  for (let k = 0; k < w.length; k++) {
    const gk = g[k]!;
    const ms1 = f32(ms[k]! + f32(f32(f32(gk * gk) - ms[k]!) * c.decay));
    ms[k] = ms1;
    let denom = ms1;
    if (mg) {
      const mg1 = f32(mg[k]! + f32(f32(gk - mg[k]!) * c.decay));
      mg[k] = mg1;
      denom = f32(ms1 - f32(mg1 * mg1));
    }
    const m1 = f32(f32(mom[k]! * c.momentum) + f32(f32(gk * c.lr) / f32(Math.sqrt(f32(denom + c.eps)))));
    mom[k] = m1;
    w[k] = w[k]! - m1;
  }
}

/**
 * Adagrad: accum += grad^2 (when update_slots);  var -= grad * lr * rsqrt(accum).
 * AdagradV2 (an epsilon input after lr): var -= grad * lr / (sqrt(accum) + epsilon).
 */
function adagrad(kind: 'ref' | 'resource', v2: boolean): KernelFactory {
  return (n) => {
    const a = attrsOf(n);
    const update = a.has('update_slots') ? a.b('update_slots') : true;
    return (i, s) => {
      const [v, accum] = slots(i, 2, s, n, kind);
      const lr = scalar(i, 2, s, n, 'lr');
      const eps = v2 ? scalar(i, 3, s, n, 'epsilon') : 0;
      const g = grad(i, v2 ? 4 : 3, s, n, v!);
      const acc = update ? tf.add(accum!.value(), tf.square(g)) : accum!.value();
      const step = v2 ? tf.div(tf.mul(g, lr), tf.add(tf.sqrt(acc), eps)) : tf.mul(tf.mul(g, lr), tf.rsqrt(acc));
      if (update) store(s, accum!, acc);
      store(s, v!, tf.sub(v!.value(), step));
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
  ApplyRMSProp: rmsProp('ref', false),
  ResourceApplyRMSProp: rmsProp('resource', false),
  ApplyCenteredRMSProp: rmsProp('ref', true),
  ResourceApplyCenteredRMSProp: rmsProp('resource', true),
  ApplyAdagrad: adagrad('ref', false),
  ResourceApplyAdagrad: adagrad('resource', false),
  ApplyAdagradV2: adagrad('ref', true),
  ResourceApplyAdagradV2: adagrad('resource', true),
};
