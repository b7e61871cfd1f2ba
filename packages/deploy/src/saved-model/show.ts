// What `saved_model_cli show --all` lists: every tag-set, and under it every SignatureDef with its inputs and outputs
// (name, dtype, shape) and method name, sorted by signature key as the CLI prints them.
import { findDType, type tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import { readSavedModel } from './files.js';

export interface TensorInfoSummary {
  /** The graph tensor (`x:0`), or the composite/sparse kind when it is not a plain tensor. */
  name: string;
  /** TensorFlow's dtype enum name (`DT_FLOAT`), as saved_model_cli prints it. */
  dtype: string;
  /** Dims (-1 unknown), or null for an unknown rank. */
  shape: number[] | null;
}

export interface SignatureSummary {
  key: string;
  methodName: string;
  inputs: Record<string, TensorInfoSummary>;
  outputs: Record<string, TensorInfoSummary>;
}

export interface MetaGraphSummary {
  tags: string[];
  signatures: SignatureSummary[];
  /** Variables restored from variables/ (VariableDefs of the `variables` collection, or the object graph's). */
  hasVariables: boolean;
}

export interface SavedModelSummary {
  schemaVersion: number;
  metaGraphs: MetaGraphSummary[];
}

export function showSavedModel(dir: string): SavedModelSummary {
  const model = readSavedModel(dir);
  return {
    schemaVersion: Long.fromValue(model.saved_model_schema_version ?? 0).toNumber(),
    metaGraphs: model.meta_graphs.map((m) => ({
      tags: [...(m.meta_info_def?.tags ?? [])],
      signatures: signatures(m),
      hasVariables: (m.graph_def?.node ?? []).some((n) => /^(VariableV2|VarHandleOp)$/.test(n.op ?? '')),
    })),
  };
}

export function signatures(meta: tensorflow.MetaGraphDef.$Properties): SignatureSummary[] {
  return Object.keys(meta.signature_def ?? {})
    .sort()
    .map((key) => {
      const s = meta.signature_def![key]!;
      return {
        key,
        methodName: s.method_name ?? '',
        inputs: infos(s.inputs ?? {}),
        outputs: infos(s.outputs ?? {}),
      };
    });
}

function infos(map: Record<string, tensorflow.TensorInfo.$Properties>): Record<string, TensorInfoSummary> {
  const out: Record<string, TensorInfoSummary> = {};
  for (const key of Object.keys(map).sort()) {
    const t = map[key]!;
    const shape = t.tensor_shape;
    out[key] = {
      name: t.name ?? (t.coo_sparse ? 'coo_sparse' : t.composite_tensor ? 'composite_tensor' : ''),
      dtype: (t.dtype ?? 0) === 0 ? 'DT_INVALID' : (findDType(t.dtype ?? 0)?.enumName ?? String(t.dtype)),
      shape: !shape || shape.unknown_rank ? null : (shape.dim ?? []).map((d) => Long.fromValue(d.size ?? 0).toNumber()),
    };
  }
  return out;
}

/** The text saved_model_cli prints for `show --all` (the signature part). */
export function formatSavedModel(summary: SavedModelSummary): string {
  const lines: string[] = [];
  for (const m of summary.metaGraphs) {
    lines.push(`MetaGraphDef with tag-set: '${m.tags.join(', ')}' contains the following SignatureDefs:`, '');
    for (const s of m.signatures) {
      lines.push(`signature_def['${s.key}']:`, '  The given SavedModel SignatureDef contains the following input(s):');
      for (const [k, t] of Object.entries(s.inputs)) lines.push(...tensorLines('inputs', k, t));
      lines.push('  The given SavedModel SignatureDef contains the following output(s):');
      for (const [k, t] of Object.entries(s.outputs)) lines.push(...tensorLines('outputs', k, t));
      lines.push(`  Method name is: ${s.methodName}`, '');
    }
  }
  return `${lines.join('\n')}\n`;
}

function tensorLines(kind: string, key: string, t: TensorInfoSummary): string[] {
  const shape = t.shape === null ? 'unknown_rank' : `(${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''})`;
  return [
    `    ${kind}['${key}'] tensor_info:`,
    `        dtype: ${t.dtype}`,
    `        shape: ${shape}`,
    `        name: ${t.name}`,
  ];
}
