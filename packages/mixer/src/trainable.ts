// The `trainable_variables` collection is what an optimizer's minimize() differentiates by default (as
// tf.compat.v1's Optimizer does): taking a variable out of it, and marking its VariableDef trainable=false in the
// other collections, keeps it fixed through training and through an export/import round trip.
import { type Graph, GraphKeys, parseInput } from '@tensorgraft/graph';
import { tensorflow } from '@tensorgraft/proto';

/** Takes the variables (op names) out of `trainable_variables`; returns those that were in it. */
export function markNotTrainable(graph: Graph, variables: ReadonlySet<string>): string[] {
  const removed: string[] = [];
  for (const [key, items] of graph.collections) {
    if (key === GraphKeys.TRAINABLE_VARIABLES) {
      const kept = items.filter((item) => {
        if (item.kind !== 'variable') return true;
        const name = parseInput(item.def.variable_name ?? '').node;
        if (!variables.has(name)) return true;
        removed.push(name);
        return false;
      });
      graph.collections.set(key, kept);
      continue;
    }
    for (const item of items) {
      if (item.kind !== 'variable' || !item.def.trainable) continue;
      if (variables.has(parseInput(item.def.variable_name ?? '').node)) {
        item.def = tensorflow.VariableDef.create({ ...item.def, trainable: false });
      }
    }
  }
  return removed;
}

/** Op names of the variables in `trainable_variables`. */
export function trainableVariables(graph: Graph): string[] {
  return graph
    .getCollection(GraphKeys.TRAINABLE_VARIABLES)
    .flatMap((item) => (item.kind === 'variable' ? [parseInput(item.def.variable_name ?? '').node] : []));
}

/** Op names and VariableDefs of the variables in `variables` (the global collection). */
export function globalVariables(graph: Graph): Map<string, tensorflow.VariableDef.$Properties> {
  const out = new Map<string, tensorflow.VariableDef.$Properties>();
  for (const item of graph.getCollection(GraphKeys.GLOBAL_VARIABLES)) {
    if (item.kind === 'variable') out.set(parseInput(item.def.variable_name ?? '').node, item.def);
  }
  return out;
}
