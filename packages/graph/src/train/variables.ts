// The variables an optimizer works on: built by GraphBuilder, or found by name in the graph (imported graphs), and
// the non-trainable variables optimizers add (slots such as `<var>/Adam`, `beta1_power`, `global_step`), made with
// the nodes, colocation and VariableDefs tf.compat.v1 gives them.
import { DataType, tensorflow } from '@tensorgraft/proto';
import { type AttrValue, attr, read } from '../attrs.js';
import type { BuiltVariable, GraphBuilder } from '../builder.js';
import { GraphKeys } from '../collections.js';
import { GraphError } from '../errors.js';
import { output } from '../gradients/node-io.js';
import type { Graph } from '../graph.js';
import { parseInput } from '../names.js';
import { tensorProtoFrom } from '../runtime/tensor-proto.js';
import { createVariableNodes } from '../variable-ops.js';

/** A variable by its BuiltVariable or its name (`v` or `v:0`), looked up in the graph's variable collections. */
export type VariableLike = BuiltVariable | string;

export function resolveVariable(graph: Graph, v: VariableLike): BuiltVariable {
  if (typeof v !== 'string') return v;
  const name = parseInput(v).node;
  const node = graph.requireNode(name);
  if (node.op !== 'VariableV2' && node.op !== 'VarHandleOp')
    throw new GraphError('INVALID_ARGUMENT', `'${name}' is a ${node.op}, not a variable`, { node: name });
  const resource = node.op === 'VarHandleOp';
  let def: tensorflow.VariableDef.$Properties | undefined;
  for (const key of [GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES, GraphKeys.GLOBAL_STEP])
    for (const item of graph.getCollection(key))
      if (item.kind === 'variable' && parseInput(item.def.variable_name ?? '').node === name) def = item.def;
  const dtype = read.type(node, 'dtype');
  return {
    name,
    value: def?.snapshot_name || (resource ? `${name}/Read/ReadVariableOp:0` : `${name}/read:0`),
    initializer: def?.initializer_name || `${name}/Assign`,
    resource,
    dtype,
    shape: [...(read.shape(node, 'shape') ?? [])],
  };
}

/** tf.compat.v1.trainable_variables(): the graph's trainable VariableDefs, in collection order. */
export function trainableVariables(graph: Graph): BuiltVariable[] {
  const list: BuiltVariable[] = [];
  for (const item of graph.getCollection(GraphKeys.TRAINABLE_VARIABLES))
    if (item.kind === 'variable') list.push(resolveVariable(graph, item.def.variable_name ?? ''));
  return list;
}

export interface NewVariable {
  name: string;
  shape: readonly number[];
  dtype: number;
  resource: boolean;
  /** The initial value: one number for every element. */
  fill: number;
  /** Name of the initial-value Const: `Initializer/zeros` for slots, `initial_value` for VariableV1 values. */
  initName: string;
  /** Colocate every op with this variable (its `_class`), as slot_creator and _create_non_slot_variable do. */
  colocateWith: string;
  collections: readonly string[];
}

/**
 * A non-trainable variable at the root scope with no outer control dependencies (ops.init_scope), its name made
 * unique. Nodes and `_class` as the pinned TensorFlow writes them for slots and VariableV1 values.
 */
export function createVariable(graph: Graph, spec: NewVariable): BuiltVariable {
  return graph.withNameScope('', () =>
    graph.withControlDependencies(null, () =>
      graph.withNameScope(spec.name, (scope) => {
        const full = scope.slice(0, -1);
        const cls: Record<string, AttrValue> = { _class: attr.listS([`loc:@${spec.colocateWith}`]) };
        const d = spec.dtype;
        const proto = tensorProtoFrom([spec.fill], spec.shape, d);
        const [initScope, initLeaf] = spec.initName.includes('/')
          ? (spec.initName.split('/') as [string, string])
          : [null, spec.initName];
        const makeInit = () =>
          graph.createOp('Const', [], { dtype: attr.type(d), value: attr.tensor(proto), ...cls }, initLeaf);
        const init = output(initScope ? graph.withNameScope(initScope, makeInit) : makeInit());
        const value = createVariableNodes(graph, {
          full,
          shape: spec.shape,
          dtype: d,
          resource: spec.resource,
          initValue: init,
          cls,
          colocateReads: true,
        });
        const built: BuiltVariable = {
          name: full,
          value,
          initializer: `${full}/Assign`,
          resource: spec.resource,
          dtype: d,
          shape: [...spec.shape],
        };
        const def = tensorflow.VariableDef.create({
          variable_name: `${full}:0`,
          initializer_name: built.initializer,
          snapshot_name: value,
          initial_value_name: init,
          trainable: false,
          ...(spec.resource ? { is_resource: true } : {}),
        });
        for (const key of spec.collections) graph.addToCollection(key, { kind: 'variable', def });
        return built;
      }),
    ),
  );
}

/**
 * tf.compat.v1.train.get_or_create_global_step: the graph's `global_step` (its collection entry, or a variable of
 * that name), else a new int64 resource variable `global_step` initialized to 0 in the `variables` and `global_step`
 * collections.
 */
export function getOrCreateGlobalStep(target: Graph | GraphBuilder): BuiltVariable {
  const graph = 'graph' in target ? target.graph : target;
  const builder = 'graph' in target ? target : undefined;
  const listed = graph.getCollection(GraphKeys.GLOBAL_STEP).find((i) => i.kind === 'variable');
  if (listed?.kind === 'variable') return resolveVariable(graph, listed.def.variable_name ?? '');
  if (graph.hasNode('global_step')) return resolveVariable(graph, 'global_step');
  return graph.withNameScope('', () =>
    graph.withControlDependencies(null, () =>
      graph.withNameScope('global_step', (scope) => {
        const full = scope.slice(0, -1);
        const d = DataType.DT_INT64;
        const cls = { _class: attr.listS([`loc:@${full}`]) };
        const init = graph.withNameScope('Initializer', () =>
          output(
            graph.createOp(
              'Const',
              [],
              { dtype: attr.type(d), value: attr.tensor(tensorProtoFrom([0], [], d)), ...cls },
              'zeros',
            ),
          ),
        );
        // only the initial value is colocated: the variable's own ops carry no `_class`
        const value = createVariableNodes(graph, {
          full,
          shape: [],
          dtype: d,
          resource: true,
          initValue: init,
          cls: {},
        });
        const def = tensorflow.VariableDef.create({
          variable_name: `${full}:0`,
          initializer_name: `${full}/Assign`,
          snapshot_name: value,
          initial_value_name: init,
          trainable: false,
          is_resource: true,
        });
        graph.addToCollection(GraphKeys.GLOBAL_VARIABLES, { kind: 'variable', def });
        graph.addToCollection(GraphKeys.GLOBAL_STEP, { kind: 'variable', def });
        const v: BuiltVariable = {
          name: full,
          value,
          initializer: `${full}/Assign`,
          resource: true,
          dtype: d,
          shape: [],
        };
        builder?.variables.push(v);
        return v;
      }),
    ),
  );
}
