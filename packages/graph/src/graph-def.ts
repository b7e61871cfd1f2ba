// Graph <-> tensorflow.GraphDef. Export keeps every node verbatim (unknown ops, unknown attrs, unknown fields), the
// function library, versions and debug info; import from a GraphDef keeps the file's node order so a round trip is
// lossless. Validation (names, duplicates, inputs, control-after-data, attrs against the OpDef, cycles) names the node.
import { tensorflow } from '@tensorgraft/proto';
import { attr } from './attrs.js';
import { GraphError, namingFile } from './errors.js';
import { Graph } from './graph.js';
import { checkNodeName, parseInput } from './names.js';
import { getOpDef, outputCount, validateNodeAttrs } from './ops/op-registry.js';
import { inferOutputShapes } from './shape-inference.js';

export interface ExportOptions {
  /** Add `_output_shapes` to every node with outputs, as as_graph_def(add_shapes=True) (meta graph export) does. */
  addShapes?: boolean;
}

export function graphToGraphDef(graph: Graph, options: ExportOptions = {}): tensorflow.GraphDef {
  const shapes = options.addShapes ? inferOutputShapes(graph) : undefined;
  const node = graph.nodes.map((n) => {
    if (!shapes) return n;
    const s = shapes.get(n.name);
    if (!s || s.length === 0 || n.attr._output_shapes) return n;
    const copy = tensorflow.NodeDef.create({ ...n, attr: { ...n.attr, _output_shapes: attr.listShape(s) } });
    if (n.$unknowns) copy.$unknowns = n.$unknowns;
    return copy;
  });
  const def = tensorflow.GraphDef.create({ node, versions: graph.versions });
  if (graph.library) def.library = graph.library;
  if (graph.extras.debug_info) def.debug_info = graph.extras.debug_info;
  if (graph.extras.$unknowns) def.$unknowns = graph.extras.$unknowns;
  return def;
}

export interface FromGraphDefOptions {
  path?: string;
}

/**
 * A new Graph holding exactly the GraphDef's nodes, in the file's order. The structure is validated (names, inputs,
 * cycles); attrs are kept verbatim, even ones this package's OpDefs do not know, and are checked when a node is run
 * (or when the GraphDef goes through importGraphDef, which checks them as TensorFlow's importer does).
 */
export function graphFromGraphDef(def: tensorflow.GraphDef.$Properties, options: FromGraphDefOptions = {}): Graph {
  return namingFile(options.path, () => graphFromGraphDefUnnamed(def, options));
}

function graphFromGraphDefUnnamed(def: tensorflow.GraphDef.$Properties, options: FromGraphDefOptions): Graph {
  const graph = new Graph();
  const nodes = def.node ?? [];
  validateNodes(nodes, () => undefined, options.path, { attrs: false });
  for (const n of nodes) graph.addNode(n instanceof tensorflow.NodeDef ? n : tensorflow.NodeDef.create(n));
  if (def.versions) graph.versions = def.versions;
  graph.library = def.library ?? null;
  if (def.debug_info) graph.extras.debug_info = def.debug_info;
  if (def.$unknowns) graph.extras.$unknowns = def.$unknowns;
  return graph;
}

/**
 * Checks a list of nodes as graph_constructor.cc does: valid unique names, inputs that parse and exist (in the list, or
 * through `outside(name)` which returns the output count of a node outside it, or -1 when it exists with unknown
 * outputs), control inputs after data inputs, attrs against the OpDef, and no cycle except through Merge.
 */
export function validateNodes(
  nodes: readonly tensorflow.NodeDef.$Properties[],
  outside: (name: string) => number | undefined,
  path?: string,
  options: { attrs?: boolean } = {},
): void {
  const checkAttrs = options.attrs ?? true;
  const byName = new Map<string, tensorflow.NodeDef.$Properties>();
  for (const n of nodes) {
    const name = n.name ?? '';
    checkNodeName(name, path);
    if (byName.has(name)) throw new GraphError('DUPLICATE_NODE', `node '${name}' appears twice`, { node: name, path });
    byName.set(name, n);
  }
  for (const n of nodes) {
    const name = n.name!;
    if (!n.op) throw new GraphError('BAD_ATTR', 'node has no op', { node: name, path });
    let sawControl = false;
    for (const input of n.input ?? []) {
      const ref = parseInput(input, name);
      if (ref.index < 0) sawControl = true;
      else if (sawControl) {
        throw new GraphError('BAD_NAME', `data input '${input}' comes after a control input`, { node: name, path });
      }
      const src = byName.get(ref.node);
      let count: number | undefined;
      if (src) count = checkAttrs ? (outputCount(src) ?? -1) : lenientOutputCount(src);
      else {
        count = outside(ref.node);
        if (count === undefined) {
          throw new GraphError('MISSING_INPUT', `input '${input}' names a node that does not exist`, {
            node: name,
            path,
          });
        }
      }
      if (ref.index >= 0 && count >= 0 && ref.index >= count) {
        throw new GraphError('MISSING_INPUT', `input '${input}' asks for output ${ref.index} of a node with ${count}`, {
          node: name,
          path,
        });
      }
    }
    if (checkAttrs && getOpDef(n.op))
      validateNodeAttrs(n instanceof tensorflow.NodeDef ? n : tensorflow.NodeDef.create(n), path);
  }
  topoOrder(nodes, path);
}

/**
 * Kahn's algorithm over the nodes' own edges (inputs from outside the list count as ready). Merge nodes may close a
 * loop (their back edge from NextIteration is ignored), like graph_constructor.cc. Returns the nodes in creation order:
 * ready nodes first, ties by their index in the list.
 */
export function topoOrder<T extends tensorflow.NodeDef.$Properties>(nodes: readonly T[], path?: string): T[] {
  const index = new Map<string, number>();
  for (const [i, n] of nodes.entries()) index.set(n.name!, i);
  const pending = new Array<number>(nodes.length).fill(0);
  const users: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const isMerge = n.op === 'Merge' || n.op === 'RefMerge';
    const seen = new Set<number>();
    for (const input of n.input ?? []) {
      const src = index.get(parseInput(input).node);
      if (src === undefined || seen.has(src)) continue;
      if (isMerge && nodes[src]!.op === 'NextIteration') continue;
      seen.add(src);
      pending[i]!++;
      users[src]!.push(i);
    }
  });
  // graph_constructor.cc keeps the ready nodes in an ordered set and always takes the lowest index
  const ready = new MinHeap();
  for (const [i, p] of pending.entries()) if (p === 0) ready.push(i);
  const out: T[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    out.push(nodes[i]!);
    for (const u of users[i]!) if (--pending[u]! === 0) ready.push(u);
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.find((_, i) => pending[i]! > 0)!;
    throw new GraphError(
      'CYCLE',
      `the graph has a cycle through '${stuck.name}' (only loops through Merge are allowed)`,
      {
        node: stuck.name ?? '',
        path,
      },
    );
  }
  return out;
}

class MinHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

function lenientOutputCount(n: tensorflow.NodeDef.$Properties): number {
  try {
    return outputCount(n) ?? -1;
  } catch {
    return -1;
  }
}
