// What `tensorgraft graph FILE` prints: as TensorFlow's summarize_graph (tools/graph_transforms), the likely inputs
// (Placeholders), variables, likely outputs (nodes nothing consumes, other than Const/Assign/NoOp/Placeholder), const
// parameter and control edge counts and the op histogram; then versions, which op types the @tensorgraft/graph
// Session can run, and for a MetaGraphDef its tags, collections, signatures and saver.
import { opSupport } from '@tensorgraft/graph/op-support';
import { dtypeName, type tensorflow } from '@tensorgraft/proto';
import type { LoadedGraphFile } from './graph-file.js';

/** A Placeholder or variable node: its name, dtype and shape (`?` for an unknown dimension, null: unknown rank). */
export interface NodeInfo {
  name: string;
  op: string;
  dtype: string | null;
  shape: (number | '?')[] | null;
}

export interface GraphSummary {
  kind: 'GraphDef' | 'MetaGraphDef';
  format: 'binary' | 'text';
  nodes: number;
  /** Placeholders: the likely inputs. */
  inputs: NodeInfo[];
  /** Variable, VariableV2 (as summarize_graph) and VarHandleOp nodes. */
  variables: NodeInfo[];
  /** Nodes no other node consumes (data or control), other than Const, Assign, NoOp and Placeholder. */
  outputs: { name: string; op: string }[];
  /** Elements of every Const's value. */
  constParameters: number;
  controlEdges: number;
  /** Op type → node count, most frequent first. */
  ops: Record<string, number>;
  /** What @tensorgraft/graph's Session can run here (no kernel runs to find out). */
  runtime: { supportedNodes: number; unsupported: string[] };
  functions: number;
  producer: number | undefined;
  minConsumer: number | undefined;
  meta?: {
    tags: string[];
    tensorflowVersion: string;
    collections: Record<string, { kind: string; size: number }>;
    signatures: string[];
    saver: { filename: string; save: string; restore: string; version: string; maxToKeep: number } | undefined;
  };
}

export function summarizeGraphFile(loaded: LoadedGraphFile): GraphSummary {
  const graph = loaded.kind === 'graph' ? loaded.message : loaded.message.graph_def;
  const summary: GraphSummary = {
    kind: loaded.kind === 'graph' ? 'GraphDef' : 'MetaGraphDef',
    format: loaded.format,
    ...graphFacts(graph ?? undefined),
  };
  if (loaded.kind === 'meta') {
    const m = loaded.message;
    const collections: Record<string, { kind: string; size: number }> = {};
    for (const key of Object.keys(m.collection_def ?? {}).sort()) {
      collections[key] = collectionFacts(m.collection_def[key]!);
    }
    const saver = m.saver_def;
    summary.meta = {
      tags: [...(m.meta_info_def?.tags ?? [])],
      tensorflowVersion: m.meta_info_def?.tensorflow_version ?? '',
      collections,
      signatures: Object.keys(m.signature_def ?? {}).sort(),
      saver: saver
        ? {
            filename: saver.filename_tensor_name ?? '',
            save: saver.save_tensor_name ?? '',
            restore: saver.restore_op_name ?? '',
            version: ['LEGACY', 'V1', 'V2'][saver.version ?? 0] ?? String(saver.version),
            maxToKeep: saver.max_to_keep ?? 0,
          }
        : undefined,
    };
  }
  return summary;
}

function graphFacts(graph: tensorflow.IGraphDef | undefined) {
  const counts = new Map<string, number>();
  for (const node of graph?.node ?? []) counts.set(node.op ?? '', (counts.get(node.op ?? '') ?? 0) + 1);
  const ops = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  const support = opSupport({ node: graph?.node ?? [] });
  const nodes = graph?.node ?? [];
  const consumed = new Set<string>();
  let controlEdges = 0;
  let constParameters = 0;
  for (const node of nodes) {
    for (const input of node.input ?? []) {
      if (input.startsWith('^')) controlEdges++;
      consumed.add(input.replace(/^\^/, '').replace(/:\d+$/, ''));
    }
    if (node.op === 'Const') constParameters += constElements(node);
  }
  const unlikelyOutputs = new Set(['Const', 'Assign', 'NoOp', 'Placeholder']);
  return {
    nodes: graph?.node?.length ?? 0,
    inputs: nodes.filter((n) => n.op === 'Placeholder').map(nodeInfo),
    variables: nodes.filter((n) => ['Variable', 'VariableV2', 'VarHandleOp'].includes(n.op ?? '')).map(nodeInfo),
    outputs: nodes
      .filter((n) => !consumed.has(n.name ?? '') && !unlikelyOutputs.has(n.op ?? ''))
      .map((n) => ({ name: n.name ?? '', op: n.op ?? '' })),
    constParameters,
    controlEdges,
    ops,
    runtime: { supportedNodes: support.supportedNodes, unsupported: support.unsupported },
    functions: graph?.library?.function?.length ?? 0,
    producer: graph?.versions?.producer ?? undefined,
    minConsumer: graph?.versions?.min_consumer ?? undefined,
  };
}

function nodeInfo(node: tensorflow.INodeDef): NodeInfo {
  const attr = node.attr ?? {};
  const dtype = attr.dtype?.type;
  const shape = attr.shape?.shape;
  return {
    name: node.name ?? '',
    op: node.op ?? '',
    dtype: dtype === undefined || dtype === null ? null : safeDtypeName(Number(dtype)),
    shape:
      !shape || shape.unknown_rank ? null : (shape.dim ?? []).map((d) => (Number(d.size) < 0 ? '?' : Number(d.size))),
  };
}

function safeDtypeName(dtype: number): string {
  try {
    return dtypeName(dtype);
  } catch {
    return `dtype_${dtype}`;
  }
}

/** Elements of a Const's value tensor, from its shape (a scalar is 1). */
function constElements(node: tensorflow.INodeDef): number {
  const dims = node.attr?.value?.tensor?.tensor_shape?.dim ?? [];
  return dims.reduce((n, d) => n * Math.max(0, Number(d.size)), 1);
}

function formatShape(shape: NodeInfo['shape']): string {
  return shape === null ? '<unknown>' : `[${shape.join(',')}]`;
}

function collectionFacts(c: tensorflow.ICollectionDef): { kind: string; size: number } {
  if (c.node_list) return { kind: 'node_list', size: c.node_list.value?.length ?? 0 };
  if (c.bytes_list) return { kind: 'bytes_list', size: c.bytes_list.value?.length ?? 0 };
  if (c.int64_list) return { kind: 'int64_list', size: c.int64_list.value?.length ?? 0 };
  if (c.float_list) return { kind: 'float_list', size: c.float_list.value?.length ?? 0 };
  if (c.any_list) return { kind: 'any_list', size: c.any_list.value?.length ?? 0 };
  return { kind: 'empty', size: 0 };
}

export function formatSummary(file: string, s: GraphSummary): string {
  const lines = [`${file}: ${s.kind} (${s.format}), ${s.nodes} nodes, ${Object.keys(s.ops).length} op types`];
  if (s.producer !== undefined) lines.push(`versions: producer ${s.producer}, min_consumer ${s.minConsumer ?? 0}`);
  if (s.functions) lines.push(`functions: ${s.functions}`);
  const info = (n: NodeInfo) => `  ${n.name}  ${n.dtype ?? '?'}  ${formatShape(n.shape)}`;
  lines.push(s.inputs.length ? `${s.inputs.length} possible inputs:` : 'no inputs spotted');
  for (const n of s.inputs) lines.push(info(n));
  lines.push(s.variables.length ? `${s.variables.length} variables:` : 'no variables spotted');
  for (const n of s.variables) lines.push(`${info(n)}${n.op === 'VarHandleOp' ? '  (resource)' : ''}`);
  lines.push(s.outputs.length ? `${s.outputs.length} possible outputs:` : 'no outputs spotted');
  for (const n of s.outputs) lines.push(`  ${n.name}  (${n.op})`);
  lines.push(`${s.constParameters} const parameters, ${s.controlEdges} control edges`);
  lines.push('ops:');
  const missing = new Set(s.runtime.unsupported);
  for (const [op, n] of Object.entries(s.ops)) {
    lines.push(`  ${String(n).padStart(6)}  ${op}${missing.has(op) ? '  (no kernel here)' : ''}`);
  }
  lines.push(
    `runtime: ${s.runtime.supportedNodes} of ${s.nodes} nodes have kernels in @tensorgraft/graph` +
      (missing.size ? `; no kernel for ${s.runtime.unsupported.join(', ')}` : '; every op type runs'),
  );
  if (s.meta) {
    lines.push(`tensorflow_version: ${s.meta.tensorflowVersion || '(none)'}`);
    if (s.meta.tags.length) lines.push(`tags: ${s.meta.tags.join(', ')}`);
    lines.push('collections:');
    for (const [k, c] of Object.entries(s.meta.collections)) lines.push(`  ${k}: ${c.kind} of ${c.size}`);
    if (s.meta.signatures.length) lines.push(`signatures: ${s.meta.signatures.join(', ')}`);
    if (s.meta.saver) {
      const v = s.meta.saver;
      lines.push(
        `saver: ${v.version}, filename ${v.filename}, save ${v.save}, restore ${v.restore}, max_to_keep ${v.maxToKeep}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
