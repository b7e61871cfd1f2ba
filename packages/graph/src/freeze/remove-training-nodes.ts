// graph_util.remove_training_nodes (python/framework/graph_util_impl.py), what optimize_for_inference runs after
// freezing: CheckNumerics nodes are dropped (and control inputs naming them; TensorFlow drops data inputs naming them
// too, which leaves their consumers short of an input or crashes it, so here a data consumer reads the CheckNumerics'
// own input instead), then Identity and StopGradient nodes are spliced
// out (their consumers read the Identity's input) unless protected, colocated with, given control inputs, or used as a
// control input. As in TensorFlow, the result holds only the nodes (no library, no versions).
import { tensorflow } from '@tensorgraft/proto';
import { copyNode } from './extract-sub-graph.js';

export function removeTrainingNodes(
  graphDef: tensorflow.GraphDef.$Properties,
  protectedNodes: readonly string[] = [],
): tensorflow.GraphDef {
  const isProtected = new Set(protectedNodes);
  const removed = new Map<string, string>();
  for (const n of graphDef.node ?? []) {
    if (n.op === 'CheckNumerics' && !isProtected.has(n.name ?? '')) removed.set(n.name ?? '', n.input?.[0] ?? '');
  }
  const bypass = (input: string): string => {
    for (let hops = 0; removed.has(input.split(':')[0]!) && hops <= removed.size; hops++) {
      input = removed.get(input.split(':')[0]!)!;
    }
    return input;
  };
  const afterRemoval = (graphDef.node ?? [])
    .filter((n) => !removed.has(n.name ?? ''))
    .map((n) => {
      const copy = copyNode(n);
      copy.input = copy.input.flatMap((i) => {
        if (i.startsWith('^')) return removed.has(i.slice(1)) ? [] : [i];
        return removed.has(i.split(':')[0]!) ? [bypass(i)] : [i];
      });
      return copy;
    });

  const controlInputs = new Set<string>();
  const withControlInput = new Set<string>();
  const colocated = new Set<string>();
  for (const n of afterRemoval) {
    for (const i of n.input) {
      if (i.includes('^')) {
        controlInputs.add(i.replaceAll('^', ''));
        withControlInput.add(n.name);
      }
    }
    for (const s of n.attr._class?.list?.s ?? []) {
      const c = new TextDecoder().decode(s);
      colocated.add(c.startsWith('loc:@') ? c.slice(5) : c);
    }
  }
  const splice = new Map<string, string>();
  for (const n of afterRemoval) {
    if ((n.op === 'Identity' || n.op === 'StopGradient') && !isProtected.has(n.name)) {
      if (colocated.has(n.name) || withControlInput.has(n.name) || controlInputs.has(n.name)) continue;
      splice.set(n.name, n.input[0]!);
    }
  }
  const nodes = afterRemoval
    .filter((n) => !splice.has(n.name))
    .map((n) => {
      n.input = n.input.map((full) => {
        let name = full.replace(/^\^/, '');
        while (splice.has(name)) {
          full = splice.get(name)!;
          name = full.replace(/^\^/, '');
        }
        return full;
      });
      return n;
    });
  return tensorflow.GraphDef.create({ node: nodes });
}
