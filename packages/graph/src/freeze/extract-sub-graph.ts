// graph_util.extract_sub_graph (python/framework/graph_util_impl.py): the nodes that the destination nodes reach
// through data inputs, control inputs and `_class` colocation (`loc:@x` keeps x), in the GraphDef's original order,
// plus the library and versions (always present in the result, as CopyFrom makes them).
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import { GraphError } from '../errors.js';
import { decodeKeepingUnknowns } from '../io.js';

const nodeName = (input: string) => (input.startsWith('^') ? input.slice(1) : input.split(':')[0]!);

export function extractSubGraph(
  graphDef: tensorflow.GraphDef.$Properties,
  destNodes: readonly string[],
): tensorflow.GraphDef {
  const nodes = graphDef.node ?? [];
  const inputsOf = new Map<string, string[]>();
  for (const n of nodes) {
    const inputs = (n.input ?? []).map(nodeName);
    for (const s of n.attr?._class?.list?.s ?? []) {
      const c = new TextDecoder().decode(s);
      inputs.push(c.startsWith('loc:@') ? c.slice(5) : c);
    }
    inputsOf.set(nodeName(n.name ?? ''), inputs);
  }
  for (const d of destNodes) {
    if (!inputsOf.has(d)) throw new GraphError('NOT_FOUND', `output node '${d}' is not in the graph`, { node: d });
  }
  const keep = new Set<string>();
  const queue = [...destNodes];
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    if (keep.has(name)) continue;
    keep.add(name);
    const inputs = inputsOf.get(name);
    if (inputs) queue.push(...inputs);
  }
  return tensorflow.GraphDef.create({
    node: nodes.filter((n) => keep.has(nodeName(n.name ?? ''))).map((n) => copyNode(n)),
    library: graphDef.library ?? {},
    versions: graphDef.versions ?? {},
  });
}

/** A deep copy of a NodeDef (unknown fields kept), so the conversion never edits the caller's graph. */
export function copyNode(n: tensorflow.NodeDef.$Properties): tensorflow.NodeDef {
  const bytes = encodeMessage(tensorflow.NodeDef, tensorflow.NodeDef.create(n));
  return decodeKeepingUnknowns(tensorflow.NodeDef, bytes) as tensorflow.NodeDef;
}
