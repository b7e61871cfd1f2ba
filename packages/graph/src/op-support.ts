// Which op types a graph uses and which of them this runtime can run (for `tensorgraft graph` and for users checking a
// graph before building a Session). Loads no TensorFlow.js: import it as `@tensorgraft/graph/op-support`.
import type { tensorflow } from '@tensorgraft/proto';
import { Graph } from './graph.js';
import { SUPPORTED_OP_TYPES } from './ops/supported-op-types.js';

export interface OpSupport {
  /** Op type → node count, sorted by op type. */
  ops: { op: string; count: number; supported: boolean }[];
  /** Op types without a kernel here, sorted. */
  unsupported: string[];
  supportedNodes: number;
  totalNodes: number;
}

export function opSupport(graph: Graph | tensorflow.GraphDef.$Properties): OpSupport {
  const counts = new Map<string, number>();
  const nodes = graph instanceof Graph ? graph.nodes : (graph.node ?? []);
  for (const n of nodes) counts.set(n.op ?? '', (counts.get(n.op ?? '') ?? 0) + 1);
  const ops = [...counts]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([op, count]) => ({ op, count, supported: SUPPORTED_OP_TYPES.has(op) }));
  return {
    ops,
    unsupported: ops.filter((o) => !o.supported).map((o) => o.op),
    supportedNodes: ops.filter((o) => o.supported).reduce((a, o) => a + o.count, 0),
    totalNodes: nodes.length,
  };
}

/** Every op type this runtime has a kernel for, sorted. */
export function supportedOpTypes(): string[] {
  return [...SUPPORTED_OP_TYPES].sort();
}
