// Sparse updates of resource variables, what embeddings train with: ResourceScatter{Add,Sub,Mul,Div,Min,Max,Update}
// (tensorflow/core/kernels/resource_variable_ops.cc), the sparse optimizer steps ResourceSparseApply{Momentum,
// Adagrad,AdagradV2,RMSProp} (training_ops.cc: one row of var and its slots per index, in index order, so a
// repeated index is applied twice as TensorFlow does), and Unique (the optimizers' de-duplication of IndexedSlices).
// Rows are updated on host copies in float32, then the variable is assigned once.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory, RunState, Value, VarRef } from '../values.js';
import { attrsOf, R, T, tf } from './common.js';

const f32 = Math.fround;

function fail(n: NodeDef, message: string): GraphError {
  return new GraphError('KERNEL', message, { node: n.name });
}

/** Row indices as numbers, each checked to be in [0, rows). */
function rowIndices(t: tf.Tensor, rows: number, n: NodeDef): number[] {
  const out = Array.from(t.dataSync() as ArrayLike<number>, Number);
  for (const [k, r] of out.entries()) {
    if (!Number.isInteger(r) || r < 0 || r >= rows) throw fail(n, `indices[${k}] = ${r} is not in [0, ${rows})`);
  }
  return out;
}

interface Host {
  ref: VarRef;
  shape: number[];
  data: Float32Array;
}

function readHost(inputs: Value[], k: number, s: RunState, n: NodeDef): Host {
  const ref = R(inputs, k, n, 'resource');
  const value = s.vars.read(ref, n.name);
  if (value.dtype !== 'float32') throw fail(n, `${ref.node} is ${value.dtype}: sparse updates here are float32 only`);
  if (value.rank < 1) throw fail(n, `${ref.node} is a scalar: a sparse update needs rows`);
  return { ref, shape: value.shape, data: Float32Array.from(value.dataSync() as Float32Array) };
}

function writeHost(h: Host, s: RunState, n: NodeDef): void {
  const next = tf.tensor(h.data, h.shape, 'float32');
  s.vars.assign(h.ref, next, true, n.name);
  next.dispose();
}

const rowSize = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

const SCATTER: Record<string, (old: number, u: number) => number> = {
  ResourceScatterAdd: (a, u) => a + u,
  ResourceScatterSub: (a, u) => a - u,
  ResourceScatterMul: (a, u) => a * u,
  ResourceScatterDiv: (a, u) => a / u,
  ResourceScatterMin: (a, u) => Math.min(a, u),
  ResourceScatterMax: (a, u) => Math.max(a, u),
  ResourceScatterUpdate: (_, u) => u,
};

/** (resource, indices, updates): updates is indices.shape + var.shape[1:], or a scalar applied to every element. */
function scatterKernel(op: (old: number, u: number) => number): KernelFactory {
  return (n) => (i, s) => {
    const v = readHost(i, 0, s, n);
    const indicesT = T(i, 1, s, n);
    const idx = rowIndices(indicesT, v.shape[0]!, n);
    const updatesT = T(i, 2, s, n);
    const row = rowSize(v.shape);
    const u = updatesT.dataSync() as Float32Array;
    if (updatesT.rank !== 0 && u.length !== idx.length * row) {
      throw fail(
        n,
        `updates shape [${updatesT.shape}] is not indices.shape + var.shape[1:] = [${[...indicesT.shape, ...v.shape.slice(1)]}]`,
      );
    }
    for (const [k, r] of idx.entries()) {
      for (let e = 0; e < row; e++) {
        const at = r * row + e;
        v.data[at] = op(v.data[at]!, updatesT.rank === 0 ? u[0]! : u[k * row + e]!);
      }
    }
    writeHost(v, s, n);
    return [];
  };
}

function scalarAt(inputs: Value[], k: number, s: RunState, n: NodeDef, what: string): number {
  const t = T(inputs, k, s, n);
  if (t.size !== 1) throw fail(n, `${what} is not a scalar: shape [${t.shape}]`);
  return f32((t.dataSync() as Float32Array)[0]!);
}

/**
 * A sparse apply: `slots` variables (var first) at inputs 0.., grad and indices at `gradAt` and `gradAt + 1`, and
 * `step(values, g)` updating one element of each (values[0] is var's) from its gradient element.
 */
function sparseApply(
  slotCount: number,
  gradAt: number,
  make: (
    n: NodeDef,
    i: Value[],
    s: RunState,
  ) => (x: Float32Array, at: number, g: number, slots: Float32Array[]) => void,
): KernelFactory {
  return (n) => (i, s) => {
    const hosts: Host[] = [];
    for (let k = 0; k < slotCount; k++) hosts.push(readHost(i, k, s, n));
    const shape = hosts[0]!.shape;
    for (const h of hosts.slice(1)) {
      if (h.shape.join() !== shape.join()) {
        throw fail(n, `var and ${h.ref.node} do not have the same shape: [${shape}] vs [${h.shape}]`);
      }
    }
    const gradT = T(i, gradAt, s, n);
    const idx = rowIndices(T(i, gradAt + 1, s, n), shape[0]!, n);
    const row = rowSize(shape);
    if (gradT.size !== idx.length * row) {
      throw fail(n, `grad shape [${gradT.shape}] does not hold ${idx.length} rows of var's [${shape.slice(1)}]`);
    }
    const g = gradT.dataSync() as Float32Array;
    const step = make(n, i, s);
    const [x, ...rest] = hosts.map((h) => h.data);
    for (const [k, r] of idx.entries()) {
      for (let e = 0; e < row; e++) step(x!, r * row + e, g[k * row + e]!, rest);
    }
    for (const h of hosts) writeHost(h, s, n);
    return [];
  };
}

export const sparseUpdateKernels: Record<string, KernelFactory> = {
  ...Object.fromEntries(Object.entries(SCATTER).map(([op, f]) => [op, scatterKernel(f)])),
  // var, accum, lr, grad, indices, momentum
  ResourceSparseApplyMomentum: sparseApply(2, 3, (n, i, s) => {
    const lr = scalarAt(i, 2, s, n, 'lr');
    const momentum = scalarAt(i, 5, s, n, 'momentum');
    const nesterov = attrsOf(n).has('use_nesterov') && attrsOf(n).b('use_nesterov');
    return (x, at, g, [accum]) => {
      const a = f32(f32(accum![at]! * momentum) + g);
      accum![at] = a;
      x[at] = nesterov ? f32(x[at]! - f32(f32(g * lr) + f32(f32(a * momentum) * lr))) : f32(x[at]! - f32(a * lr));
    };
  }),
  // var, accum, lr, grad, indices
  ResourceSparseApplyAdagrad: sparseApply(2, 3, (n, i, s) => {
    const lr = scalarAt(i, 2, s, n, 'lr');
    const updateSlots = !attrsOf(n).has('update_slots') || attrsOf(n).b('update_slots');
    return (x, at, g, [accum]) => {
      if (updateSlots) accum![at] = f32(accum![at]! + f32(g * g));
      x[at] = f32(x[at]! - f32(f32(lr * g) / f32(Math.sqrt(accum![at]!))));
    };
  }),
  // var, accum, lr, epsilon, grad, indices
  ResourceSparseApplyAdagradV2: sparseApply(2, 4, (n, i, s) => {
    const lr = scalarAt(i, 2, s, n, 'lr');
    const epsilon = scalarAt(i, 3, s, n, 'epsilon');
    const updateSlots = !attrsOf(n).has('update_slots') || attrsOf(n).b('update_slots');
    return (x, at, g, [accum]) => {
      if (updateSlots) accum![at] = f32(accum![at]! + f32(g * g));
      x[at] = f32(x[at]! - f32(f32(lr * g) / f32(f32(Math.sqrt(accum![at]!)) + epsilon)));
    };
  }),
  // var, ms, mom, lr, rho, momentum, epsilon, grad, indices
  ResourceSparseApplyRMSProp: sparseApply(3, 7, (n, i, s) => {
    const lr = scalarAt(i, 3, s, n, 'lr');
    const rho = scalarAt(i, 4, s, n, 'rho');
    const momentum = scalarAt(i, 5, s, n, 'momentum');
    const epsilon = scalarAt(i, 6, s, n, 'epsilon');
    return (x, at, g, [ms, mom]) => {
      const m = f32(f32(ms![at]! * rho) + f32(f32(g * g) * f32(1 - rho)));
      ms![at] = m;
      const v = f32(f32(mom![at]! * momentum) + f32(f32(lr * g) / f32(Math.sqrt(f32(m + epsilon)))));
      mom![at] = v;
      x[at] = f32(x[at]! - v);
    };
  }),
  // x (1-D) -> y (its distinct values in order of first appearance), idx (x[k] = y[idx[k]])
  // out_idx int64 comes out int32 (TensorFlow.js dtypes)
  Unique: (n) => {
    return (i, s) => {
      const x = T(i, 0, s, n);
      if (x.rank !== 1) throw fail(n, `Unique takes a 1-D tensor, not shape [${x.shape}]`);
      const values = x.dataSync() as ArrayLike<number>;
      const first = new Map<number, number>();
      const y: number[] = [];
      const idx = new Int32Array(values.length);
      for (let k = 0; k < values.length; k++) {
        let at = first.get(values[k]!);
        if (at === undefined) {
          at = y.length;
          first.set(values[k]!, at);
          y.push(values[k]!);
        }
        idx[k] = at;
      }
      return [tf.tensor1d(y, x.dtype as 'float32' | 'int32'), tf.tensor1d(idx, 'int32')];
    };
  },
};
