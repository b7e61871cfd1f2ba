// `tensorgraft graph FILE --check`: the op types @tensorgraft/graph cannot run, and those it cannot differentiate on
// the way from a trainable variable (what gradients() would stop at), each with its nodes.
import { opSupport } from '@tensorgraft/graph/op-support';
import type { LoadedGraphFile } from './graph-file.js';

export interface GraphCheck {
  ok: boolean;
  nodes: number;
  opTypes: number;
  /** No kernel here: op type, node count, the first nodes. */
  unsupported: { op: string; count: number; nodes: string[] }[];
  /** No gradient function here, on a path from a trainable variable (none for a graph holding its gradients). */
  notDifferentiable: { op: string; nodes: string[] }[];
}

export function checkGraph(loaded: LoadedGraphFile): GraphCheck {
  const s = opSupport(loaded.message);
  const count = (op: string) => s.ops.find((o) => o.op === op)?.count ?? 0;
  return {
    ok: s.unsupported.length === 0 && s.notDifferentiable.length === 0,
    nodes: s.totalNodes,
    opTypes: s.ops.length,
    unsupported: s.unsupported.map((op) => ({ op, count: count(op), nodes: s.nodes[op] ?? [] })),
    notDifferentiable: s.notDifferentiable.map((op) => ({ op, nodes: s.nodes[op] ?? [] })),
  };
}

export function formatCheck(file: string, c: GraphCheck): string {
  if (c.ok) return `${file}: all ${c.opTypes} op types (${c.nodes} nodes) run and differentiate here\n`;
  const lines = [`${file}: not supported by @tensorgraft/graph`];
  const list = (nodes: string[], total: number) =>
    `${nodes.join(', ')}${total > nodes.length ? `, ... (${total} nodes)` : ''}`;
  for (const u of c.unsupported) lines.push(`  no kernel:   ${u.op}  ${list(u.nodes, u.count)}`);
  for (const d of c.notDifferentiable) lines.push(`  no gradient: ${d.op}  ${list(d.nodes, d.nodes.length)}`);
  return `${lines.join('\n')}\n`;
}
