// importGraphDef: tf.import_graph_def's semantics (python/framework/importer.py + core/common_runtime/
// graph_constructor.cc): the `import` scope made unique (or the caller's prefix), names prefixed and then made unique
// against the graph's nodes and name prefixes (`y` → `y_1`, skipping names the GraphDef itself uses), inputs and
// `_class` colocation rewritten to match, input_map applied to inputs before prefixing, default attrs added,
// `_output_shapes` dropped, nodes created in topological order (lowest GraphDef index first), versions merged.
// Beyond TensorFlow: an unused inputMap key is an error, and every silent rename is reported (or refused with strict).
import { tensorflow } from '@tensorgraft/proto';
import { bytes, utf8 } from './attrs.js';
import { GraphError, namingFile } from './errors.js';
import type { Graph } from './graph.js';
import { topoOrder, validateNodes } from './graph-def.js';
import { parseInput } from './names.js';
import { addDefaultAttrs, outputCount } from './ops/op-registry.js';

export interface ImportGraphDefOptions {
  /** Name scope for the imported nodes: undefined → `import` (made unique), '' → none, else made unique too. */
  prefix?: string;
  /** GraphDef tensor (`x:0`, `x`) or control input (`^x`) → tensor or op in the graph. */
  inputMap?: Readonly<Record<string, string>>;
  /** Names in the GraphDef to return: `x:0` gives the tensor's new name, `x` the op's. */
  returnElements?: readonly string[];
  /** Refuse (NAME_COLLISION) instead of renaming a node or the scope that collides with the graph. */
  strict?: boolean;
  path?: string;
}

export interface Rename {
  /** The name the GraphDef (or caller) asked for, with the prefix applied. */
  from: string;
  to: string;
}

export interface ImportResult {
  /** The prefix used, without trailing `/` ('' for none). */
  prefix: string;
  returnElements: string[];
  /** Imported node names, in creation order. */
  nodes: string[];
  /** Names TensorFlow would have changed silently: the scope, and nodes that collided with the graph. */
  renamed: Rename[];
}

export function importGraphDef(
  graph: Graph,
  graphDef: tensorflow.GraphDef.$Properties,
  options: ImportGraphDefOptions = {},
): ImportResult {
  return namingFile(options.path, () => importGraphDefUnnamed(graph, graphDef, options));
}

function importGraphDefUnnamed(
  graph: Graph,
  graphDef: tensorflow.GraphDef.$Properties,
  options: ImportGraphDefOptions = {},
): ImportResult {
  const path = options.path;
  const renamed: Rename[] = [];
  const requested = options.prefix === undefined ? 'import' : options.prefix;
  let prefix = '';
  if (requested !== '') {
    const scope = graph.withNameScope(requested, (s) => s);
    prefix = scope.slice(0, -1);
    const asked = requested.endsWith('/')
      ? requested.slice(0, -1)
      : (graph.nameScope ? `${graph.nameScope}/` : '') + requested;
    if (prefix !== asked) renamed.push({ from: asked, to: prefix });
  }
  if (options.strict && renamed.length) {
    throw new GraphError(
      'NAME_COLLISION',
      `import scope '${renamed[0]!.from}' is taken (TensorFlow would use '${prefix}')`,
      { path },
    );
  }

  // input_map keys, canonical: `x:0` for tensors, `^x` for control
  const inputMap = new Map<string, string>();
  const used = new Set<string>();
  for (const [k, v] of Object.entries(options.inputMap ?? {})) {
    const key = parseInput(k);
    const val = parseInput(v);
    if (key.index < 0 !== val.index < 0) {
      throw new GraphError(
        'INPUT_MAP',
        `inputMap maps '${k}' to '${v}': control inputs map only to ops, tensors to tensors`,
        { path },
      );
    }
    if (!graph.hasNode(val.node))
      throw new GraphError('NOT_FOUND', `inputMap value '${v}' is not in the graph`, { node: val.node, path });
    inputMap.set(
      key.index < 0 ? `^${key.node}` : `${key.node}:${key.index}`,
      key.index < 0 ? `^${val.node}` : `${val.node}:${val.index}`,
    );
  }
  const mappedNodes = new Set([...inputMap.keys()].map((k) => parseInput(k).node));

  const source = (graphDef.node ?? []).map((n) => cloneNode(n));
  validateNodes(source, (name) => (mappedNodes.has(name) ? -1 : undefined), path);

  // names: prefix, then make unique against the graph's nodes and prefixes (graph_constructor's UniquifyNames)
  const existingPrefixes = new Set<string>();
  for (const n of graph.nodes) addPrefixes(n.name, existingPrefixes);
  const withPrefix = (name: string) => (prefix ? `${prefix}/${name}` : name);
  const defNames = new Set(source.map((n) => withPrefix(n.name)));
  const taken = (name: string) => graph.hasNode(name) || existingPrefixes.has(name) || newNames.has(name);
  const newNames = new Set<string>();
  const finalName = new Map<string, string>();
  const uniquified = new Set<string>();
  for (const n of topoOrder(source, path)) {
    const want = withPrefix(n.name);
    let name = want;
    let count = 0;
    while (taken(name) || (count > 0 && defNames.has(name))) name = `${want}_${++count}`;
    if (name !== want) {
      renamed.push({ from: want, to: name });
      uniquified.add(n.name);
      if (options.strict) {
        throw new GraphError('NAME_COLLISION', `'${want}' already exists (TensorFlow would rename it '${name}')`, {
          node: want,
          path,
        });
      }
    }
    finalName.set(n.name, name);
    newNames.add(name);
  }

  for (const n of source) {
    n.input = n.input.map((input) => {
      const ref = parseInput(input, n.name);
      const key = ref.index < 0 ? `^${ref.node}` : `${ref.node}:${ref.index}`;
      const mapped = inputMap.get(key);
      if (mapped !== undefined) {
        used.add(key);
        return mapped;
      }
      const target = finalName.get(ref.node);
      if (target === undefined) {
        throw new GraphError('MISSING_INPUT', `input '${input}' names a node that does not exist`, {
          node: n.name,
          path,
        });
      }
      if (uniquified.has(ref.node)) return ref.index < 0 ? `^${target}` : `${target}:${ref.index}`;
      return input.startsWith('^') ? `^${withPrefix(input.slice(1))}` : withPrefix(input);
    });
    const cls = n.attr._class?.list?.s;
    if (cls?.length) {
      n.attr._class = tensorflow.AttrValue.create({
        list: {
          s: cls.map((b) => {
            const s = utf8(b);
            if (!s.startsWith('loc:@')) return b;
            const target = finalName.get(s.slice(5));
            return bytes(`loc:@${target ?? withPrefix(s.slice(5))}`);
          }),
        },
      });
    }
    delete n.attr._output_shapes;
    addDefaultAttrs(n);
    n.name = finalName.get(n.name)!;
  }
  const unused = [...inputMap.keys()].filter((k) => !used.has(k));
  if (unused.length) {
    throw new GraphError('INPUT_MAP', `inputMap keys not used by any input of the GraphDef: ${unused.join(', ')}`, {
      path,
    });
  }

  const created: string[] = [];
  const order = topoOrder(source, path);
  for (const n of order) {
    graph.addNode(n);
    created.push(n.name);
  }
  mergeVersions(graph, graphDef.versions);
  mergeLibrary(graph, graphDef.library);

  const returnElements = (options.returnElements ?? []).map((name) => {
    const ref = parseInput(name);
    if (name.includes(':')) {
      const mapped = inputMap.get(`${ref.node}:${ref.index}`);
      if (mapped) return mapped;
    }
    const target = finalName.get(ref.node);
    if (target === undefined)
      throw new GraphError('NOT_FOUND', `return element '${name}' is not in the GraphDef`, { node: name, path });
    if (!name.includes(':')) return target;
    const count = outputCount(graph.node(target)!);
    if (count !== undefined && ref.index >= count) {
      throw new GraphError('NOT_FOUND', `return element '${name}': the node has ${count} outputs`, {
        node: name,
        path,
      });
    }
    return `${target}:${ref.index}`;
  });
  return { prefix, returnElements, nodes: created, renamed };
}

function addPrefixes(name: string, out: Set<string>): void {
  let i = name.indexOf('/');
  while (i > 0) {
    out.add(name.slice(0, i));
    i = name.indexOf('/', i + 1);
  }
}

function cloneNode(n: tensorflow.NodeDef.$Properties): tensorflow.NodeDef {
  const c = tensorflow.NodeDef.create({
    name: n.name ?? '',
    op: n.op ?? '',
    input: [...(n.input ?? [])],
    device: n.device ?? '',
    attr: { ...(n.attr ?? {}) },
  });
  if (n.experimental_debug_info) c.experimental_debug_info = n.experimental_debug_info;
  if (n.experimental_type) c.experimental_type = n.experimental_type;
  if (n.$unknowns) c.$unknowns = n.$unknowns;
  return c;
}

function mergeVersions(graph: Graph, v: tensorflow.VersionDef.$Properties | null | undefined): void {
  if (!v) return;
  const cur = graph.versions;
  graph.versions = {
    ...cur,
    producer: Math.min(cur.producer ?? 0, v.producer ?? 0),
    min_consumer: Math.max(cur.min_consumer ?? 0, v.min_consumer ?? 0),
    bad_consumers: [...new Set([...(cur.bad_consumers ?? []), ...(v.bad_consumers ?? [])])],
  };
}

function mergeLibrary(graph: Graph, lib: tensorflow.FunctionDefLibrary.$Properties | null | undefined): void {
  if (!lib || (!lib.function?.length && !lib.gradient?.length)) return;
  if (!graph.library) {
    graph.library = lib;
    return;
  }
  const have = new Set((graph.library.function ?? []).map((f) => f.signature?.name));
  graph.library = {
    ...graph.library,
    function: [...(graph.library.function ?? []), ...(lib.function ?? []).filter((f) => !have.has(f.signature?.name))],
    gradient: [...(graph.library.gradient ?? []), ...(lib.gradient ?? [])],
  };
}
