// MetaGraphDef export (meta_graph.py export_scoped_meta_graph) and import (import_scoped_meta_graph): the graph with
// `_output_shapes`, the stripped op list, the collections (VariableDefs and SaverDefs as serialized bytes), the SaverDef.
// Import renames everything with the scope TensorFlow would pick, collections in TensorFlow's order.
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import { bytes, utf8 } from './attrs.js';
import type { CollectionItem } from './collections.js';
import { VARIABLE_COLLECTIONS } from './collections.js';
import { GraphError, namingFile } from './errors.js';
import type { Graph } from './graph.js';
import { graphFromGraphDef, graphToGraphDef } from './graph-def.js';
import { importGraphDef, type Rename } from './import-graph-def.js';
import { decodeKeepingUnknowns } from './io.js';
import { prependNameScope } from './names.js';
import { TENSORFLOW_VERSION } from './ops/op-defs.generated.js';
import { registerOpDef, strippedOpList } from './ops/op-registry.js';

export interface ExportMetaGraphOptions {
  saverDef?: tensorflow.SaverDef.$Properties;
  /** Collections to write (default: every collection of the graph). */
  collectionList?: readonly string[];
  clearDevices?: boolean;
  tags?: readonly string[];
}

/** Proto-valued collection keys (their bytes_list items are serialized protos, not names). */
const PROTO_COLLECTIONS = new Set([
  ...VARIABLE_COLLECTIONS,
  'savers',
  'queue_runners',
  'cond_context',
  'while_context',
]);

export function exportMetaGraph(graph: Graph, options: ExportMetaGraphOptions = {}): tensorflow.MetaGraphDef {
  const graphDef = graphToGraphDef(graph, { addShapes: true });
  if (options.clearDevices) {
    graphDef.node = graphDef.node.map((n) => tensorflow.NodeDef.create({ ...n, device: '' }));
  }
  const meta = tensorflow.MetaGraphDef.create({
    meta_info_def: {
      stripped_op_list: strippedOpList(graphDef.node.map((n) => n.op ?? '')),
      // TensorFlow parses this as a version number on import (and needs >= 1.9 for VariableDef.trainable)
      tensorflow_version: TENSORFLOW_VERSION,
      tensorflow_git_version: 'tensorgraft',
      tags: [...(options.tags ?? [])],
    },
    graph_def: graphDef,
  });
  if (options.saverDef) meta.saver_def = tensorflow.SaverDef.create(options.saverDef);
  const keys = options.collectionList ?? [...graph.collections.keys()];
  for (const key of keys) {
    const items = graph.getCollection(key);
    if (!items.length) continue;
    meta.collection_def[key] = collectionDef(key, items);
  }
  return meta;
}

function collectionDef(key: string, items: readonly CollectionItem[]): tensorflow.CollectionDef.$Properties {
  const kind = items[0]!.kind;
  if (items.some((i) => i.kind !== kind)) {
    throw new GraphError('INVALID_ARGUMENT', `collection '${key}' mixes ${kind} and other kinds of items`);
  }
  switch (kind) {
    case 'node':
      return { node_list: { value: items.map((i) => (i as { name: string }).name) } };
    case 'bytes':
      return { bytes_list: { value: items.map((i) => (i as { value: Uint8Array }).value) } };
    case 'variable':
      return {
        bytes_list: {
          value: items.map((i) =>
            encodeMessage(tensorflow.VariableDef, (i as { def: tensorflow.VariableDef.$Properties }).def),
          ),
        },
      };
    case 'saver':
      return {
        bytes_list: {
          value: items.map((i) =>
            encodeMessage(tensorflow.SaverDef, (i as { def: tensorflow.SaverDef.$Properties }).def),
          ),
        },
      };
    case 'int64':
      return { int64_list: { value: items.map((i) => (i as { value: Long }).value) } };
    case 'float':
      return { float_list: { value: items.map((i) => (i as { value: number }).value) } };
    case 'any':
      return {
        any_list: {
          value: items.map((i) => (i as { value: { type_url?: string | null; value?: Uint8Array | null } }).value),
        },
      };
  }
}

export interface ImportMetaGraphOptions {
  importScope?: string;
  clearDevices?: boolean;
  inputMap?: Readonly<Record<string, string>>;
  returnElements?: readonly string[];
  /** Refuse (NAME_COLLISION) instead of taking a renamed scope or renamed nodes. */
  strict?: boolean;
  path?: string;
}

export interface ImportMetaGraphResult {
  /** The scope prepended to every name ('' for none). */
  scope: string;
  /** The meta graph's SaverDef with the scope applied (what import_meta_graph's Saver uses), if it had one. */
  saverDef: tensorflow.SaverDef | undefined;
  returnElements: string[];
  nodes: string[];
  renamed: Rename[];
}

export function importMetaGraph(
  graph: Graph,
  meta: tensorflow.MetaGraphDef.$Properties,
  options: ImportMetaGraphOptions = {},
): ImportMetaGraphResult {
  return namingFile(options.path, () => importMetaGraphUnnamed(graph, meta, options));
}

function importMetaGraphUnnamed(
  graph: Graph,
  meta: tensorflow.MetaGraphDef.$Properties,
  options: ImportMetaGraphOptions = {},
): ImportMetaGraphResult {
  const path = options.path;
  const unbound = meta.collection_def?.unbound_inputs;
  const unboundNames = [...(unbound?.bytes_list?.value ?? []).map(utf8), ...(unbound?.node_list?.value ?? [])];
  const missing = unboundNames.filter((n) => !(options.inputMap && n in options.inputMap));
  if (missing.length) {
    throw new GraphError(
      'INPUT_MAP',
      `the meta graph has unbound inputs that inputMap must cover: ${missing.join(', ')}`,
      { path },
    );
  }
  for (const op of meta.meta_info_def?.stripped_op_list?.op ?? []) registerOpDef(tensorflow.OpDef.create(op));

  let graphDef = meta.graph_def ?? {};
  if (options.clearDevices) graphDef = { ...graphDef, node: (graphDef.node ?? []).map((n) => ({ ...n, device: '' })) };

  const scope = graph.uniqueName(options.importScope ?? '', false);
  const imported = importGraphDef(graph, graphDef, {
    prefix: options.importScope || scope,
    ...(options.inputMap ? { inputMap: options.inputMap } : {}),
    ...(options.returnElements ? { returnElements: options.returnElements } : {}),
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
    ...(path !== undefined ? { path } : {}),
  });
  const prefix = imported.prefix;

  const tfVersion = meta.meta_info_def?.tensorflow_version ?? '';
  const haveTrainable = !tfVersion || versionAtLeast(tfVersion, 1, 9);
  const defs = meta.collection_def ?? {};
  const keys = Object.keys(defs).sort();
  const ordered = keys.includes('trainable_variables')
    ? ['trainable_variables', ...keys.filter((k) => k !== 'trainable_variables')]
    : keys;
  for (const key of ordered) {
    if (key === 'unbound_inputs') continue;
    const def = defs[key]!;
    const items = collectionItems(key, def, prefix, haveTrainable, path);
    for (const item of items) graph.addToCollection(key, item);
  }

  let saverDef: tensorflow.SaverDef | undefined;
  if (meta.saver_def) {
    saverDef = tensorflow.SaverDef.create({
      ...meta.saver_def,
      filename_tensor_name: prependNameScope(meta.saver_def.filename_tensor_name ?? '', prefix),
      save_tensor_name: prependNameScope(meta.saver_def.save_tensor_name ?? '', prefix),
      restore_op_name: prependNameScope(meta.saver_def.restore_op_name ?? '', prefix),
    });
  }
  return {
    scope: prefix,
    saverDef,
    returnElements: imported.returnElements,
    nodes: imported.nodes,
    renamed: imported.renamed,
  };
}

function collectionItems(
  key: string,
  def: tensorflow.CollectionDef.$Properties,
  scope: string,
  haveTrainable: boolean,
  path: string | undefined,
): CollectionItem[] {
  if (def.bytes_list && PROTO_COLLECTIONS.has(key)) {
    const values = def.bytes_list.value ?? [];
    if (VARIABLE_COLLECTIONS.has(key)) {
      return values.map((b) => {
        const v = decodeKeepingUnknowns(tensorflow.VariableDef, b, path) as tensorflow.VariableDef;
        if (!haveTrainable) v.trainable = key === 'trainable_variables';
        return { kind: 'variable', def: renameVariableDef(v, scope) };
      });
    }
    if (key === 'savers') {
      return values.map((b) => {
        const s = decodeKeepingUnknowns(tensorflow.SaverDef, b, path) as tensorflow.SaverDef;
        s.filename_tensor_name = prependNameScope(s.filename_tensor_name ?? '', scope);
        s.save_tensor_name = prependNameScope(s.save_tensor_name ?? '', scope);
        s.restore_op_name = prependNameScope(s.restore_op_name ?? '', scope);
        return { kind: 'saver', def: s };
      });
    }
    // queue runners and control-flow contexts are kept as they are (this package does not run them)
    return values.map((value) => ({ kind: 'bytes', value }));
  }
  if (def.node_list)
    return (def.node_list.value ?? []).map((name) => ({ kind: 'node', name: prependNameScope(name, scope) }));
  if (def.int64_list) return (def.int64_list.value ?? []).map((v) => ({ kind: 'int64', value: Long.fromValue(v) }));
  if (def.float_list) return (def.float_list.value ?? []).map((value) => ({ kind: 'float', value }));
  if (def.any_list) return (def.any_list.value ?? []).map((value) => ({ kind: 'any', value }));
  // meta_graph.py prepends the scope even to plain bytes items
  if (def.bytes_list)
    return (def.bytes_list.value ?? []).map((b) => ({
      kind: 'bytes',
      value: scope ? bytes(prependNameScope(utf8(b), scope)) : b,
    }));
  return [];
}

/** Variable.from_proto(import_scope): every name in the VariableDef gets the scope. */
export function renameVariableDef(v: tensorflow.VariableDef.$Properties, scope: string): tensorflow.VariableDef {
  const out = tensorflow.VariableDef.create({ ...v });
  if (!scope) return out;
  out.variable_name = prependNameScope(v.variable_name ?? '', scope);
  if (v.initializer_name) out.initializer_name = prependNameScope(v.initializer_name, scope);
  if (v.snapshot_name) out.snapshot_name = prependNameScope(v.snapshot_name, scope);
  if (v.initial_value_name) out.initial_value_name = prependNameScope(v.initial_value_name, scope);
  if (v.save_slice_info_def) {
    out.save_slice_info_def = {
      ...v.save_slice_info_def,
      full_name: prependNameScope(v.save_slice_info_def.full_name ?? '', scope),
    };
  }
  return out;
}

function versionAtLeast(v: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(v);
  if (!m) return true;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/**
 * A Graph holding exactly the meta graph: its GraphDef verbatim (file order, no defaults added), its collections
 * (VariableDefs and SaverDefs decoded) and the parts it does not model in `graph.meta`. metaGraphFromGraph writes the
 * same message back.
 */
export function graphFromMetaGraph(meta: tensorflow.MetaGraphDef.$Properties, options: { path?: string } = {}): Graph {
  return namingFile(options.path, () => graphFromMetaGraphUnnamed(meta, options));
}

function graphFromMetaGraphUnnamed(meta: tensorflow.MetaGraphDef.$Properties, options: { path?: string } = {}): Graph {
  const graph = graphFromGraphDef(meta.graph_def ?? {}, options);
  for (const key of Object.keys(meta.collection_def ?? {})) {
    const def = meta.collection_def![key]!;
    graph.collections.set(key, collectionItems(key, def, '', true, options.path));
    if (!collectionKindOf(def)) graph.emptyCollectionKinds.set(key, def);
  }
  const { graph_def: _g, collection_def: _c, ...rest } = meta;
  graph.meta = rest;
  return graph;
}

/** The MetaGraphDef of a Graph made by graphFromMetaGraph (or built here): graph, collections and `graph.meta`. */
export function metaGraphFromGraph(graph: Graph): tensorflow.MetaGraphDef {
  const meta = tensorflow.MetaGraphDef.create({ ...graph.meta, graph_def: graphToGraphDef(graph) });
  if (graph.meta.$unknowns) meta.$unknowns = graph.meta.$unknowns;
  for (const [key, items] of graph.collections) {
    meta.collection_def[key] = items.length ? collectionDef(key, items) : (graph.emptyCollectionKinds.get(key) ?? {});
  }
  return meta;
}

function collectionKindOf(def: tensorflow.CollectionDef.$Properties): boolean {
  const lists = [
    def.node_list?.value,
    def.bytes_list?.value,
    def.int64_list?.value,
    def.float_list?.value,
    def.any_list?.value,
  ];
  return lists.some((l) => l && l.length > 0);
}
