// convert_to_constants._replace_variables_by_constants (python/framework/convert_to_constants.py), for the main graph:
// each converted variable node becomes a Const holding its value, and the conversion follows the variable's data
// edges the way TensorFlow's node classes do:
// - VariableV2 / VarHandleOp / Placeholder: cleared (no inputs, no device) to `Const` with `dtype` and `value`; goes on.
// - ReadVariableOp: cleared to `Identity(input 0)` with `T` = its `dtype` and its `_class`; stops.
// - ResourceGather: `GatherV2(params, indices, <name>/axis)` plus that axis Const (appended); ResourceGatherNd: GatherNd.
// - Identity, Enter, Exit, NextIteration, Switch, _SwitchN: `T` (at the edge's input index) set to the value's dtype,
//   `_output_shapes` dropped; goes on.
// - Anything else (Merge included) is left as it is. The old `Variable` op is collected but, as in TensorFlow, not
//   rewritten. A variable that flows into a function call (PartitionedCall, If, While, Case) is refused: TensorFlow
//   rewrites the function bodies, which this port does not.
// Every rule reads the node as it was before conversion and edits the copy in the output graph.
import { compareWireKeys, tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import { GraphError } from '../errors.js';
import { copyNode } from './extract-sub-graph.js';

export interface ConstantValue {
  dtype: number;
  tensor: tensorflow.TensorProto;
}

const INTERMEDIATE = new Set(['Enter', 'Exit', 'Identity', 'NextIteration', 'Switch', '_SwitchN']);
const FUNCTION_CALLERS = new Set([
  'PartitionedCall',
  'StatefulPartitionedCall',
  'If',
  'StatelessIf',
  'Case',
  'While',
  'StatelessWhile',
]);

interface Edge {
  dest: string;
  index: number;
}

/** Rewrites `graphDef` (a private copy) in place; `values` maps variable node names to their constants. */
export function replaceVariablesByConstants(
  graphDef: tensorflow.GraphDef,
  values: ReadonlyMap<string, ConstantValue>,
): void {
  const nodes = graphDef.node as tensorflow.NodeDef[];
  const converted = new Map<string, tensorflow.NodeDef>();
  const original = new Map<string, tensorflow.NodeDef>();
  for (const n of nodes) {
    converted.set(n.name, n);
    original.set(n.name, copyNode(n));
  }
  const edges = new Map<string, Edge[]>();
  for (const n of nodes) {
    n.input.forEach((input, index) => {
      if (input.startsWith('^')) return;
      const source = input.split(':')[0]!;
      if (!converted.has(source)) {
        throw new GraphError('MISSING_INPUT', `input '${input}' names no node of the graph`, { node: n.name });
      }
      const list = edges.get(source);
      if (list) list.push({ dest: n.name, index });
      else edges.set(source, [{ dest: n.name, index }]);
    });
  }

  const propagate = (name: string, value: ConstantValue) => {
    for (const e of edges.get(name) ?? []) convert(e.dest, e.index, value);
  };

  const convert = (name: string, index: number | null, value: ConstantValue) => {
    const orig = original.get(name)!;
    const node = converted.get(name)!;
    if (orig.op === 'VariableV2' || orig.op === 'VarHandleOp' || orig.op === 'Placeholder') {
      reset(node, 'Const');
      node.attr.dtype = tensorflow.AttrValue.create({ type: value.dtype });
      node.attr.value = tensorflow.AttrValue.create({ tensor: value.tensor });
      propagate(name, value);
    } else if (INTERMEDIATE.has(orig.op)) {
      updateDtype(node, 'T', index ?? 0, value.dtype);
      delete node.attr._output_shapes;
      propagate(name, value);
    } else if (orig.op === 'ReadVariableOp') {
      reset(node, 'Identity');
      node.input = [orig.input[0]!];
      copyAttr(node, 'T', orig, 'dtype');
      copyAttr(node, '_class', orig, '_class');
    } else if (orig.op === 'ResourceGather') {
      resourceGather(graphDef, converted, orig, node);
    } else if (orig.op === 'ResourceGatherNd') {
      reset(node, 'GatherNd');
      node.input = [orig.input[0]!, orig.input[1]!];
      copyAttr(node, 'Tparams', orig, 'dtype');
      copyAttr(node, 'Tindices', orig, 'Tindices');
      copyAttr(node, '_class', orig, '_class');
    } else if (FUNCTION_CALLERS.has(orig.op)) {
      throw new GraphError(
        'UNSUPPORTED',
        `a frozen variable flows into ${orig.op} '${name}': freezing variables inside functions is not supported`,
        { node: name },
      );
    }
  };

  for (const [name, value] of values) convert(name, null, value);
  // TensorFlow's deterministic write orders map entries (compareWireKeys); our encoder keeps insertion order
  for (const n of nodes) n.attr = Object.fromEntries(Object.entries(n.attr).sort(([a], [b]) => compareWireKeys(a, b)));
}

/** NodeDef.Clear() then the name back: no inputs, device, attrs or unknown fields. */
function reset(node: tensorflow.NodeDef, op: string): void {
  node.op = op;
  node.input = [];
  node.device = '';
  node.attr = {};
  node.experimental_debug_info = null;
  node.experimental_type = null;
  delete node.$unknowns;
}

function copyAttr(node: tensorflow.NodeDef, to: string, from: tensorflow.NodeDef, key: string): void {
  const a = from.attr[key];
  if (a) node.attr[to] = tensorflow.AttrValue.create(a);
  else if (key !== '_class') node.attr[to] = tensorflow.AttrValue.create({});
}

/** _Node.update_dtype: a `list(type)` attr in range, or a `type` attr at index 0; anything else is an error. */
function updateDtype(node: tensorflow.NodeDef, attrName: string, index: number, dtype: number): void {
  const a = node.attr[attrName];
  if (a?.list) {
    const types = a.list.type ?? [];
    if (types.length > index) {
      types[index] = dtype;
      return;
    }
  } else if (a?.type !== undefined && a.type !== null) {
    if (index === 0) {
      a.type = dtype;
      return;
    }
  }
  throw new GraphError('INVALID_ARGUMENT', `input ${index} is out of range for attr '${attrName}' of the node`, {
    node: node.name,
  });
}

function resourceGather(
  graphDef: tensorflow.GraphDef,
  converted: Map<string, tensorflow.NodeDef>,
  orig: tensorflow.NodeDef,
  node: tensorflow.NodeDef,
): void {
  const batchDims = orig.attr.batch_dims?.i;
  if (batchDims !== undefined && batchDims !== null && Long.fromValue(batchDims).toNumber() !== 0) {
    throw new GraphError('UNSUPPORTED', 'batch_dims must be 0 to freeze a ResourceGather', { node: orig.name });
  }
  const axisName = `${orig.name}/axis`;
  const indexType = orig.attr.Tindices?.type ?? 3;
  let axis = converted.get(axisName);
  if (!axis) {
    axis = tensorflow.NodeDef.create({ name: axisName });
    graphDef.node.push(axis);
    converted.set(axisName, axis);
  }
  axis.op = 'Const';
  axis.attr.dtype = tensorflow.AttrValue.create(orig.attr.Tindices ?? {});
  const tensor = tensorflow.TensorProto.create({ dtype: indexType, tensor_shape: {} });
  if (indexType === 9) tensor.int64_val = [Long.ZERO];
  else tensor.int_val = [0];
  axis.attr.value = tensorflow.AttrValue.create({ tensor });
  reset(node, 'GatherV2');
  node.input = [orig.input[0]!, orig.input[1]!, axisName];
  copyAttr(node, 'Tparams', orig, 'dtype');
  copyAttr(node, 'Tindices', orig, 'Tindices');
  node.attr.Taxis = tensorflow.AttrValue.create(orig.attr.Tindices ?? {});
  copyAttr(node, '_class', orig, '_class');
}
