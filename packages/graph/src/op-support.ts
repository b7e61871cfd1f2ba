// Which op types a graph uses, which of them this runtime can run, and which it could not differentiate when asked to
// train the graph (for `tensorgraft graph --check` and for users checking a graph before building a Session). Loads no
// TensorFlow.js: import it as `@tensorgraft/graph/op-support`.
import { DataType, tensorflow } from '@tensorgraft/proto';
import { gradientFunction } from './gradients/registry.js';
import { Graph } from './graph.js';
import { parseInput } from './names.js';
import { outputTypes } from './ops/op-registry.js';
import { SUPPORTED_OP_TYPES } from './ops/supported-op-types.js';

export interface OpSupport {
  /** Op type → node count, sorted by op type; `differentiable` is false for a type `notDifferentiable` lists. */
  ops: { op: string; count: number; supported: boolean; differentiable: boolean }[];
  /** Op types without a kernel here, sorted. */
  unsupported: string[];
  /**
   * Op types on a path from a trainable variable that have no gradient function here, sorted: gradients() would stop
   * at them. Empty for a graph that already holds its gradients (a `gradients/` scope, as TensorFlow's training
   * graphs do): those run, they are not differentiated again.
   */
  notDifferentiable: string[];
  /** For every op type in `unsupported` or `notDifferentiable`: its nodes (the first 10). */
  nodes: Record<string, string[]>;
  supportedNodes: number;
  totalNodes: number;
}

type NodeLike = tensorflow.NodeDef.$Properties;

const FLOATS: ReadonlySet<number> = new Set([
  DataType.DT_FLOAT,
  DataType.DT_DOUBLE,
  DataType.DT_HALF,
  DataType.DT_BFLOAT16,
  DataType.DT_RESOURCE,
]);
/** State updates: they consume variables but are not on the way from a variable to a loss. */
const WRITES = /^(Assign|Apply|ResourceApply|ScatterUpdate|ScatterAdd|ScatterSub|ResourceScatter|SparseApply)/;
const GRADIENT_SCOPE = /^gradients(_\d+)?\//;

/** A graph, a GraphDef, or a MetaGraphDef (whose `trainable_variables` collection then names the variables). */
export function opSupport(
  graph: Graph | tensorflow.GraphDef.$Properties | tensorflow.MetaGraphDef.$Properties,
): OpSupport {
  const nodes: readonly NodeLike[] =
    graph instanceof Graph
      ? graph.nodes
      : 'graph_def' in graph || 'collection_def' in graph
        ? ((graph as tensorflow.MetaGraphDef.$Properties).graph_def?.node ?? [])
        : ((graph as tensorflow.GraphDef.$Properties).node ?? []);
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.op ?? '', (counts.get(n.op ?? '') ?? 0) + 1);
  const missingGrad = needsGradient(nodes, trainableNames(graph));
  const ops = [...counts]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([op, count]) => ({
      op,
      count,
      supported: SUPPORTED_OP_TYPES.has(op),
      differentiable: !missingGrad.has(op),
    }));
  const unsupported = ops.filter((o) => !o.supported).map((o) => o.op);
  const notDifferentiable = ops.filter((o) => !o.differentiable).map((o) => o.op);
  const named: Record<string, string[]> = {};
  for (const op of [...unsupported, ...notDifferentiable]) {
    named[op] = missingGrad.get(op) ?? nodes.filter((n) => n.op === op).map((n) => n.name ?? '');
    named[op] = named[op]!.slice(0, 10);
  }
  return {
    ops,
    unsupported,
    notDifferentiable,
    nodes: named,
    supportedNodes: ops.filter((o) => o.supported).reduce((a, o) => a + o.count, 0),
    totalNodes: nodes.length,
  };
}

/** Every op type this runtime has a kernel for, sorted. */
export function supportedOpTypes(): string[] {
  return [...SUPPORTED_OP_TYPES].sort();
}

/** The trainable variables' node names, or undefined when the input carries no collections (then: every variable). */
function trainableNames(
  graph: Graph | tensorflow.GraphDef.$Properties | tensorflow.MetaGraphDef.$Properties,
): Set<string> | undefined {
  if (graph instanceof Graph) {
    const items = graph.getCollection('trainable_variables');
    if (items.length === 0) return undefined;
    return new Set(items.flatMap((i) => (i.kind === 'variable' ? [parseInput(i.def.variable_name ?? '').node] : [])));
  }
  const list = (graph as tensorflow.MetaGraphDef.$Properties).collection_def?.trainable_variables?.bytes_list?.value;
  if (!list?.length) return undefined;
  return new Set(list.map((b) => parseInput(tensorflow.VariableDef.decode(b).variable_name ?? '').node));
}

/**
 * Op type → nodes that gradients() would need a gradient function for and has none: nodes reached from a trainable
 * variable through float outputs (integer and boolean tensors carry no gradient; state updates lead to no loss).
 */
function needsGradient(nodes: readonly NodeLike[], trainable: Set<string> | undefined): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  if (nodes.some((n) => GRADIENT_SCOPE.test(n.name ?? ''))) return missing;
  const consumers = new Map<string, NodeLike[]>();
  for (const n of nodes)
    for (const i of n.input ?? []) {
      if (i.startsWith('^')) continue;
      const src = parseInput(i).node;
      consumers.set(src, [...(consumers.get(src) ?? []), n]);
    }
  const isVariable = (n: NodeLike) => n.op === 'VariableV2' || n.op === 'VarHandleOp' || n.op === 'Variable';
  const queue = nodes.filter((n) => isVariable(n) && (!trainable || trainable.has(n.name ?? '')));
  const seen = new Set(queue.map((n) => n.name));
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const c of consumers.get(n.name ?? '') ?? []) {
      if (seen.has(c.name) || WRITES.test(c.op ?? '')) continue;
      seen.add(c.name);
      const types = outputTypes(c);
      // an op we know nothing about may carry floats; one with only integer / bool outputs does not
      if (types && !types.some((t) => FLOATS.has(t % 100))) continue;
      if (gradientFunction(c.op ?? '') === undefined) {
        const list = missing.get(c.op ?? '') ?? [];
        list.push(c.name ?? '');
        missing.set(c.op ?? '', list);
      }
      queue.push(c);
    }
  }
  return missing;
}
