// freezeGraph: what freeze_graph / graph_util.convert_variables_to_constants (TF1 graphs: convert_to_constants'
// session path) do, with the values read from a checkpoint instead of a live session:
// 1. extract_sub_graph to the output nodes (so initializers, savers, optimizers and summaries fall away);
// 2. every VariableV2 / VarHandleOp left (minus the deny list, within the allow list) becomes a Const holding its
//    checkpoint value, under the key the graph's own Saver saves it as (a var_list dict may rename it);
// 3. reads are rewritten as TensorFlow does (see convert-variables.ts).
// The result is the GraphDef TensorFlow writes for the same graph and values, byte for byte.
import { type CheckpointReader, openCheckpoint } from '@tensorgraft/bundle-io';
import { baseDType, dtypeName, type tensorflow } from '@tensorgraft/proto';
import { GraphError } from '../errors.js';
import { Graph } from '../graph.js';
import { graphToGraphDef } from '../graph-def.js';
import { constTensorProto } from './const-tensor.js';
import { type ConstantValue, replaceVariablesByConstants } from './convert-variables.js';
import { extractSubGraph } from './extract-sub-graph.js';
import { readSaverKeys } from './saver-keys.js';

export type FreezeSource = Graph | tensorflow.MetaGraphDef.$Properties | tensorflow.GraphDef.$Properties;

export interface FreezeGraphOptions {
  /** Output node names (`head/probs`; a `:k` suffix is ignored). */
  outputs: readonly string[];
  /** Only these variables are converted (variable_names_whitelist). */
  variableAllowlist?: readonly string[];
  /** These variables are left as variables (variable_names_blacklist). */
  variableDenylist?: readonly string[];
  /** Blank every node's device first (freeze_graph's --clear_devices). */
  clearDevices?: boolean;
}

export interface FrozenGraph {
  graphDef: tensorflow.GraphDef;
  /** The variables that became constants, in graph order, with the checkpoint key each was read from. */
  converted: { variable: string; key: string }[];
}

/** Freezes `source` with the variable values of `checkpoint` (a prefix or path, or an open reader). */
export function freezeGraph(
  source: FreezeSource,
  checkpoint: string | CheckpointReader,
  options: FreezeGraphOptions,
): FrozenGraph {
  if (!options.outputs.length) throw new GraphError('INVALID_ARGUMENT', 'freezing needs at least one output node');
  const { graphDef, meta } = split(source);
  const outputs = options.outputs.map((o) => o.replace(/^\^/, '').replace(/:\d+$/, ''));
  const frozen = extractSubGraph(graphDef, outputs);
  if (options.clearDevices) for (const n of frozen.node) n.device = '';
  const keys = meta ? readSaverKeys(meta)?.keys : undefined;
  const allow = options.variableAllowlist ? new Set(options.variableAllowlist) : undefined;
  const deny = new Set(options.variableDenylist ?? []);
  const reader = typeof checkpoint === 'string' ? openCheckpoint(checkpoint) : checkpoint;
  const converted: FrozenGraph['converted'] = [];
  const values = new Map<string, ConstantValue>();
  try {
    for (const n of frozen.node as tensorflow.NodeDef[]) {
      if (n.op !== 'Variable' && n.op !== 'VariableV2' && n.op !== 'VarHandleOp') continue;
      if ((allow && !allow.has(n.name)) || deny.has(n.name)) continue;
      const key = keys?.get(n.name) ?? n.name;
      const dtype = baseDType(n.attr.dtype?.type ?? 0);
      if (!reader.has(key)) {
        throw new GraphError('CHECKPOINT', `the checkpoint has no tensor '${key}' for variable '${n.name}'`, {
          node: n.name,
        });
      }
      const tensor = reader.get(key);
      if (tensor.dtype !== dtypeName(dtype)) {
        throw new GraphError(
          'CHECKPOINT',
          `checkpoint tensor '${key}' is ${tensor.dtype} but variable '${n.name}' is ${dtypeName(dtype)}`,
          { node: n.name },
        );
      }
      values.set(n.name, { dtype, tensor: constTensorProto(tensor, dtype, n.name) });
      converted.push({ variable: n.name, key });
    }
  } finally {
    if (typeof checkpoint === 'string') reader.close();
  }
  replaceVariablesByConstants(frozen, values);
  return { graphDef: frozen, converted };
}

function split(source: FreezeSource): {
  graphDef: tensorflow.GraphDef.$Properties;
  meta: tensorflow.MetaGraphDef.$Properties | undefined;
} {
  if (source instanceof Graph) {
    const graphDef = graphToGraphDef(source);
    return { graphDef, meta: { ...source.meta, graph_def: graphDef } };
  }
  if ('node' in source && Array.isArray(source.node)) return { graphDef: source, meta: undefined };
  const meta = source as tensorflow.MetaGraphDef.$Properties;
  return { graphDef: meta.graph_def ?? {}, meta };
}
