// A TF2 object-based checkpoint's tensors, with no Node built-in (the browser's tfjs handler writes them too): each
// variable at an object path (`model/_operations/1/_kernel`) under the key `<path>/.ATTRIBUTES/VARIABLE_VALUE`, plus
// `_CHECKPOINTABLE_OBJECT_GRAPH`, the tensorflow.TrackableObjectGraph of those paths (root = node 0, one node per path
// segment, a VARIABLE_VALUE attribute with full_name and checkpoint_key on each variable node).
// tf.train.Checkpoint(model=...).restore() matches objects by these names.
import type { Tensor } from '@tensorgraft/bundle-io';
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import { SaverError } from './errors.js';
import { OBJECT_GRAPH_KEY } from './object-graph.js';

export interface ObjectEntry {
  /** Object path of escaped local names joined by '/', e.g. `model/_operations/1/_kernel`. */
  path: string;
  /** The variable's own name, recorded as full_name (Keras: `d1/kernel`). */
  fullName: string;
  tensor: Tensor;
  /** Other object paths to the same variable (an optimizer's view of a model variable, a list entry). */
  aliases?: readonly string[];
}

const SUFFIX = '/.ATTRIBUTES/VARIABLE_VALUE';

/** The object graph for these entries (serialized) and the key of each entry. */
export function buildObjectGraph(entries: readonly ObjectEntry[]): { bytes: Uint8Array; keys: string[] } {
  type Node = { children: Map<string, number>; attr?: { full_name: string; checkpoint_key: string } };
  const nodes: Node[] = [{ children: new Map() }];
  const keys: string[] = [];
  /** Walks `path` from the root, creating nodes; the last segment links to `target` when given. */
  const walk = (path: string, variable: string, target?: number): number => {
    const parts = path.split('/');
    if (!path || parts.some((p) => p === ''))
      throw new SaverError('INVALID_ARGUMENT', `bad object path ${JSON.stringify(path)}`, { variable });
    let id = 0;
    for (const [i, part] of parts.entries()) {
      let next = nodes[id]!.children.get(part);
      if (next === undefined) {
        if (target !== undefined && i === parts.length - 1) next = target;
        else {
          next = nodes.length;
          nodes.push({ children: new Map() });
        }
        nodes[id]!.children.set(part, next);
      } else if (target !== undefined && i === parts.length - 1 && next !== target) {
        throw new SaverError('INVALID_ARGUMENT', `object path ${path} is taken`, { variable });
      }
      id = next;
    }
    return id;
  };
  const ids: number[] = [];
  for (const e of entries) {
    const id = walk(e.path, e.fullName);
    ids.push(id);
    if (nodes[id]!.attr)
      throw new SaverError('INVALID_ARGUMENT', `two variables at object path ${e.path}`, { variable: e.fullName });
    const key = e.path + SUFFIX;
    nodes[id]!.attr = { full_name: e.fullName, checkpoint_key: key };
    keys.push(key);
  }
  for (const [i, e] of entries.entries()) for (const alias of e.aliases ?? []) walk(alias, e.fullName, ids[i]);
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

const utf8 = new TextEncoder();

/** Bytewise order of the UTF-8 of two names: the order of a bundle's keys (and of TensorFlow's savers' adds). */
export function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The entries' tensors and the object graph's, sorted by key as written; and the key of each entry. */
export function objectCheckpointTensors(entries: readonly ObjectEntry[]): {
  tensors: [string, Tensor][];
  keys: string[];
} {
  const { bytes, keys } = buildObjectGraph(entries);
  const tensors: [string, Tensor][] = entries.map((e, i) => [keys[i]!, e.tensor]);
  tensors.push([OBJECT_GRAPH_KEY, { dtype: 'string', shape: [], data: [bytes] }]);
  tensors.sort((a, b) => compareUtf8(a[0], b[0]));
  return { tensors, keys };
}
