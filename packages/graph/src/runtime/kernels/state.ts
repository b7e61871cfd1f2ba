// Variables: ref variables (VariableV2, Assign*, IsVariableInitialized) and resource variables (VarHandleOp,
// ReadVariableOp, Assign*VariableOp, VarIsInitializedOp), plus the plain graph-plumbing ops.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory, RunState, Value } from '../values.js';
import { attrsOf, R, T, tf } from './common.js';

function varKey(node: { name: string }, a: ReturnType<typeof attrsOf>): string {
  const shared = a.has('shared_name') ? a.s('shared_name') : '';
  const container = a.has('container') ? a.s('container') : '';
  return `${container}/${shared || node.name}`;
}

/** Identity's input: a ref variable is read; a resource handle, TensorArray or TensorList passes as it is. */
const through = (i: Value[], k: number, s: RunState, n: NodeDef): Value => {
  const v = i[k];
  if (v !== undefined && !(v instanceof tf.Tensor) && (v.kind === 'opaque' || v.kind === 'resource')) return v;
  return T(i, k, s, n);
};

export const stateKernels: Record<string, KernelFactory> = {
  NoOp: () => () => [],
  Identity: (n) => (i, s) => [through(i, 0, s, n)],
  Snapshot: (n) => (i, s) => [T(i, 0, s, n)],
  StopGradient: (n) => (i, s) => [T(i, 0, s, n)],
  PlaceholderWithDefault: (n) => (i, s) => [T(i, 0, s, n)],
  IdentityN: (n) => (i, s) => i.map((_, k) => through(i, k, s, n)),
  Placeholder: (n) => {
    const a = attrsOf(n);
    const shape = a.has('shape') ? a.shape('shape') : null;
    return () => {
      throw new GraphError(
        'FEED',
        `You must feed a value for placeholder tensor '${n.name}' with dtype ${a.type('dtype')}` +
          (shape ? ` and shape [${shape.map((d) => (d < 0 ? '?' : d)).join(',')}]` : ''),
        { node: n.name },
      );
    };
  },
  VariableV2: (n) => {
    const a = attrsOf(n);
    const ref = {
      kind: 'ref' as const,
      key: varKey(n, a),
      dtype: a.type('dtype'),
      shape: a.shape('shape'),
      node: n.name,
    };
    return () => [ref];
  },
  VarHandleOp: (n) => {
    const a = attrsOf(n);
    const ref = {
      kind: 'resource' as const,
      key: varKey(n, a),
      dtype: a.type('dtype'),
      shape: a.shape('shape'),
      node: n.name,
    };
    return () => [ref];
  },
  Assign: (n) => {
    const validate = attrsOf(n).b('validate_shape');
    return (i, s) => {
      const ref = R(i, 0, n, 'ref');
      s.vars.assign(ref, T(i, 1, s, n), validate, n.name);
      return [ref];
    };
  },
  AssignAdd: (n) => (i, s) => {
    const ref = R(i, 0, n, 'ref');
    const next = tf.add(s.vars.read(ref, n.name), T(i, 1, s, n));
    s.vars.assign(ref, next, true, n.name);
    next.dispose();
    return [ref];
  },
  AssignSub: (n) => (i, s) => {
    const ref = R(i, 0, n, 'ref');
    const next = tf.sub(s.vars.read(ref, n.name), T(i, 1, s, n));
    s.vars.assign(ref, next, true, n.name);
    next.dispose();
    return [ref];
  },
  IsVariableInitialized: (n) => (i, s) => [tf.scalar(s.vars.has(R(i, 0, n, 'ref').key), 'bool')],
  VarIsInitializedOp: (n) => (i, s) => [tf.scalar(s.vars.has(R(i, 0, n, 'resource').key), 'bool')],
  ReadVariableOp: (n) => (i, s) => [s.vars.read(R(i, 0, n, 'resource'), n.name)],
  // tf.nn.embedding_lookup on a resource variable: gather along axis 0 of the variable's value
  ResourceGather: (n) => {
    const batchDims = attrsOf(n).has('batch_dims') ? attrsOf(n).i('batch_dims') : 0;
    return (i, s) => {
      const params = s.vars.read(R(i, 0, n, 'resource'), n.name);
      return [tf.gather(params, tf.cast(T(i, 1, s, n), 'int32'), batchDims, batchDims)];
    };
  },
  // ResourceGather's gradient when the variable's shape is not static
  VariableShape: (n) => (i, s) => [tf.tensor1d(s.vars.read(R(i, 0, n, 'resource'), n.name).shape, 'int32')],
  AssignVariableOp: (n) => (i, s) => {
    s.vars.assign(R(i, 0, n, 'resource'), T(i, 1, s, n), false, n.name);
    return [];
  },
  AssignAddVariableOp: (n) => (i, s) => {
    const ref = R(i, 0, n, 'resource');
    const next = tf.add(s.vars.read(ref, n.name), T(i, 1, s, n));
    s.vars.assign(ref, next, true, n.name);
    next.dispose();
    return [];
  },
  AssignSubVariableOp: (n) => (i, s) => {
    const ref = R(i, 0, n, 'resource');
    const next = tf.sub(s.vars.read(ref, n.name), T(i, 1, s, n));
    s.vars.assign(ref, next, true, n.name);
    next.dispose();
    return [];
  },
};
