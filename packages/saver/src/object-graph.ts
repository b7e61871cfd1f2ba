// TF2 object-based checkpoints (tf.train.Checkpoint, Keras): the bundle's `_CHECKPOINTABLE_OBJECT_GRAPH` entry is a
// scalar DT_STRING holding a serialized tensorflow.TrackableObjectGraph (core/protobuf/trackable_object_graph.proto):
//   nodes[0] is the root; node.children = [{node_id, local_name}]; node.attributes = [{name: 'VARIABLE_VALUE',
//   full_name: the variable's own name (Keras: 'd1/kernel'), checkpoint_key: the bundle key}]; optimizer nodes list
//   slot_variables = [{original_variable_node_id, slot_name, slot_variable_node_id}].
// Checkpoint keys follow the first (breadth-first) path to each object, which for a Keras model trained with an
// optimizer is often `optimizer/_trainable_variables/0/...`, not the model's own path. So every variable is listed
// with every path that reaches it (`model/_operations/1/_kernel`), its full name, and its key: any of them can be
// used to restore it.
import { decodeMessage, tensorflow } from '@tensorgraft/proto';
import type { OpenCheckpoint } from './checkpoint-io.js';
import { SaverError } from './errors.js';

export const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

export interface ObjectVariable {
  /** Bundle key, e.g. `model/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE`. */
  key: string;
  /** The variable's name when it was saved (TrackableObjectGraph full_name), e.g. `d1/kernel`. */
  fullName: string;
  /** Attribute name (VARIABLE_VALUE for variables). */
  attribute: string;
  /** Every object path from the root to the variable, shortest first, local names escaped as TensorFlow does. */
  paths: string[];
  /** For an optimizer slot: the optimizer's path, the slot name and the original variable's paths. */
  slot?: { optimizer: string; name: string; original: string[] };
}

const MAX_PATHS = 32;

/** TensorFlow's escaping of local names inside keys ('/' -> '.S', '.' -> '..'). */
export function escapeLocalName(name: string): string {
  return name.replaceAll('.', '..').replaceAll('/', '.S');
}

/** Decodes the object graph bytes and lists its variables. */
export function objectGraphVariables(bytes: Uint8Array, path?: string): ObjectVariable[] {
  let graph: tensorflow.TrackableObjectGraph.$Properties;
  try {
    graph = decodeMessage(tensorflow.TrackableObjectGraph, bytes, path === undefined ? {} : { path });
  } catch (err) {
    throw new SaverError('CORRUPT', `cannot decode ${OBJECT_GRAPH_KEY}: ${(err as Error).message}`, {
      path,
      variable: OBJECT_GRAPH_KEY,
      cause: err,
    });
  }
  const nodes = graph.nodes ?? [];
  const n = nodes.length;
  // Breadth-first: every path (up to MAX_PATHS per node), shortest first; a node's children are expanded once.
  const paths: string[][] = Array.from({ length: n }, () => []);
  if (n) paths[0]!.push('');
  const queue = n ? [0] : [];
  const expanded = new Set<number>();
  for (let qi = 0; qi < queue.length; qi++) {
    const id = queue[qi]!;
    if (expanded.has(id)) continue;
    expanded.add(id);
    for (const child of nodes[id]!.children ?? []) {
      const cid = child.node_id ?? 0;
      if (cid < 0 || cid >= n) {
        throw new SaverError('CORRUPT', `object graph node ${id} names child ${cid} of ${n}`, {
          path,
          variable: OBJECT_GRAPH_KEY,
        });
      }
      const local = escapeLocalName(child.local_name ?? '');
      for (const p of paths[id]!) {
        if (paths[cid]!.length >= MAX_PATHS) break;
        paths[cid]!.push(p ? `${p}/${local}` : local);
      }
      queue.push(cid);
    }
  }
  const out: ObjectVariable[] = [];
  const byNode = new Map<number, ObjectVariable[]>();
  nodes.forEach((node, id) => {
    for (const a of node.attributes ?? []) {
      if (!a.checkpoint_key) continue;
      const v: ObjectVariable = {
        key: a.checkpoint_key,
        fullName: a.full_name ?? '',
        attribute: a.name ?? '',
        paths: paths[id]!,
      };
      out.push(v);
      byNode.set(id, [...(byNode.get(id) ?? []), v]);
    }
  });
  nodes.forEach((node, id) => {
    for (const s of node.slot_variables ?? []) {
      for (const v of byNode.get(s.slot_variable_node_id ?? -1) ?? []) {
        v.slot = {
          optimizer: paths[id]![0] ?? '',
          name: s.slot_name ?? '',
          original: paths[s.original_variable_node_id ?? -1] ?? [],
        };
      }
    }
  });
  return out;
}

/** The object graph's variables, or undefined for a name-based (TF1) checkpoint. */
export function checkpointObjectVariables(ckpt: OpenCheckpoint): ObjectVariable[] | undefined {
  const info = ckpt.tensors.get(OBJECT_GRAPH_KEY);
  if (!info) return undefined;
  const t = ckpt.get(OBJECT_GRAPH_KEY);
  if (info.dtype !== 'string' || !Array.isArray(t.data) || t.data.length !== 1) {
    throw new SaverError('CORRUPT', `${OBJECT_GRAPH_KEY} is not a scalar string`, {
      path: ckpt.prefix,
      variable: OBJECT_GRAPH_KEY,
    });
  }
  return objectGraphVariables(t.data[0]!, ckpt.prefix);
}

/**
 * Other names each tensor of an object-based checkpoint can be restored by: its full name and every object path
 * (also with the `/.ATTRIBUTES/VARIABLE_VALUE` suffix dropped from the key). Ambiguous names are left out.
 */
export function objectAliases(vars: readonly ObjectVariable[]): Map<string, string> {
  const aliases = new Map<string, string>();
  const ambiguous = new Set<string>();
  const add = (alias: string, key: string) => {
    if (!alias || alias === key || ambiguous.has(alias)) return;
    const prev = aliases.get(alias);
    if (prev !== undefined && prev !== key) {
      aliases.delete(alias);
      ambiguous.add(alias);
      return;
    }
    aliases.set(alias, key);
  };
  for (const v of vars) {
    if (v.attribute !== 'VARIABLE_VALUE') continue;
    add(v.fullName, v.key);
    for (const p of v.paths) add(p, v.key);
  }
  return aliases;
}
