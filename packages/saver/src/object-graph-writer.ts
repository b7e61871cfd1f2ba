// Writes a TF2 object-based checkpoint: each variable at an object path (`model/_operations/1/_kernel`) under the
// key `<path>/.ATTRIBUTES/VARIABLE_VALUE`, plus `_CHECKPOINTABLE_OBJECT_GRAPH`, the tensorflow.TrackableObjectGraph
// of those paths (root = node 0, one node per path segment, a VARIABLE_VALUE attribute with full_name and
// checkpoint_key on each variable node). tf.train.Checkpoint(model=...).restore() matches objects by these names.
import type { Tensor } from '@tensorgraft/bundle-io';
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import { writeCheckpoint } from './checkpoint-io.js';
import { SaverError } from './errors.js';
import { OBJECT_GRAPH_KEY } from './object-graph.js';
import { compareBytes } from './saver.js';

export interface ObjectEntry {
  /** Object path of escaped local names joined by '/', e.g. `model/_operations/1/_kernel`. */
  path: string;
  /** The variable's own name, recorded as full_name (Keras: `d1/kernel`). */
  fullName: string;
  tensor: Tensor;
}

const SUFFIX = '/.ATTRIBUTES/VARIABLE_VALUE';

/** The object graph for these entries (serialized) and the key of each entry. */
export function buildObjectGraph(entries: readonly ObjectEntry[]): { bytes: Uint8Array; keys: string[] } {
  type Node = { children: Map<string, number>; attr?: { full_name: string; checkpoint_key: string } };
  const nodes: Node[] = [{ children: new Map() }];
  const keys: string[] = [];
  for (const e of entries) {
    const parts = e.path.split('/');
    if (!e.path || parts.some((p) => p === ''))
      throw new SaverError('INVALID_ARGUMENT', `bad object path ${JSON.stringify(e.path)}`, { variable: e.fullName });
    let id = 0;
    for (const part of parts) {
      let next = nodes[id]!.children.get(part);
      if (next === undefined) {
        next = nodes.length;
        nodes.push({ children: new Map() });
        nodes[id]!.children.set(part, next);
      }
      id = next;
    }
    if (nodes[id]!.attr)
      throw new SaverError('INVALID_ARGUMENT', `two variables at object path ${e.path}`, { variable: e.fullName });
    const key = e.path + SUFFIX;
    nodes[id]!.attr = { full_name: e.fullName, checkpoint_key: key };
    keys.push(key);
  }
  const graph = tensorflow.TrackableObjectGraph.create({
    nodes: nodes.map((n) =>
      tensorflow.TrackableObjectGraph.TrackableObject.create({
        children: [...n.children].map(([local_name, node_id]) => ({ node_id, local_name })),
        attributes: n.attr ? [{ name: 'VARIABLE_VALUE', ...n.attr }] : [],
        has_checkpoint_values: { value: true },
      }),
    ),
  });
  return { bytes: encodeMessage(tensorflow.TrackableObjectGraph, graph), keys };
}

/** Writes the entries as an object-based checkpoint at `prefix` (crash-safe, as every save here). */
export function writeObjectCheckpoint(prefix: string, entries: readonly ObjectEntry[]): string[] {
  const { bytes, keys } = buildObjectGraph(entries);
  const tensors: [string, Tensor][] = entries.map((e, i) => [keys[i]!, e.tensor]);
  tensors.push([OBJECT_GRAPH_KEY, { dtype: 'string', shape: [], data: [bytes] }]);
  tensors.sort((a, b) => compareBytes(a[0], b[0]));
  writeCheckpoint(prefix, tensors);
  return keys;
}
