// A node's data inputs and outputs as tensor names (`name:k`), for gradient functions and the Emitter.
import type { NodeDef } from '../graph.js';
import { parseInput } from '../names.js';

export const inputs = (op: NodeDef): string[] =>
  op.input.filter((s) => !s.startsWith('^')).map((i) => (i.includes(':') ? i : `${i}:0`));
export const input = (op: NodeDef, k: number): string => inputs(op)[k]!;
export const output = (op: NodeDef, k = 0): string => `${op.name}:${k}`;

/** A tensor or input name as `node:k` (`x` is `x:0`). */
export function canonical(t: string): string {
  const r = parseInput(t);
  return `${r.node}:${r.index}`;
}
