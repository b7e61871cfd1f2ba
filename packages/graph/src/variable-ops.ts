// The nodes of one tf.compat.v1 variable inside its name scope, as the pinned TensorFlow writes them: a ref variable
// (VariableV2, Assign, `read` Identity) or a resource variable (VarHandleOp, IsInitialized/VarIsInitializedOp,
// AssignVariableOp `Assign`, Read/ReadVariableOp). Shared by GraphBuilder.variable, the optimizers' slots and
// get_or_create_global_step.
import { type AttrValue, attr } from './attrs.js';
import type { Graph, NodeDef } from './graph.js';

const out = (n: NodeDef, k = 0) => `${n.name}:${k}`;

export interface VariableNodesSpec {
  /** The variable's full name (its scope without the trailing slash). */
  full: string;
  shape: readonly number[];
  dtype: number;
  resource: boolean;
  /** The initial value tensor. */
  initValue: string;
  /** `_class` colocation attrs put on the variable and its Assign/read ops. */
  cls: Record<string, AttrValue>;
  /** Resource variables: also colocate the IsInitialized and Read ops (slot_creator does; get_variable does not). */
  colocateReads?: boolean;
}

/** Creates the variable's nodes in the current name scope; returns the tensor that reads its value. */
export function createVariableNodes(graph: Graph, spec: VariableNodesSpec): string {
  const { full, shape, dtype: d, initValue, cls } = spec;
  if (!spec.resource) {
    const v = graph.createOp(
      'VariableV2',
      [],
      { shape: attr.shape(shape), dtype: attr.type(d), container: attr.s(''), shared_name: attr.s(''), ...cls },
      `${full}/`,
    );
    graph.createOp(
      'Assign',
      [out(v), initValue],
      { T: attr.type(d), validate_shape: attr.b(true), use_locking: attr.b(true), ...cls },
      'Assign',
    );
    return out(graph.createOp('Identity', [out(v)], { T: attr.type(d), ...cls }, 'read'));
  }
  const readCls = spec.colocateReads ? cls : {};
  const h = graph.createOp(
    'VarHandleOp',
    [],
    {
      shape: attr.shape(shape),
      dtype: attr.type(d),
      container: attr.s(''),
      shared_name: attr.s(full),
      debug_name: attr.s(`${full}/`),
      allowed_devices: attr.listS([]),
      ...cls,
    },
    `${full}/`,
  );
  graph.withNameScope('IsInitialized', () =>
    graph.createOp('VarIsInitializedOp', [out(h)], readCls, 'VarIsInitializedOp'),
  );
  graph.createOp(
    'AssignVariableOp',
    [out(h), initValue],
    { dtype: attr.type(d), validate_shape: attr.b(false) },
    'Assign',
  );
  return graph.withNameScope('Read', () =>
    out(graph.createOp('ReadVariableOp', [out(h)], { dtype: attr.type(d), ...readCls }, 'ReadVariableOp')),
  );
}
