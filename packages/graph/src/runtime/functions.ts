// Function bodies (FunctionDefLibrary) as Graphs the executor can run: If / StatelessIf branches and
// PartitionedCall / StatefulPartitionedCall bodies. A FunctionDef names tensors `node:output_arg:index` and arguments
// by name; the body becomes a Graph with one Placeholder per argument and inputs rewritten to `node:k`, where k counts
// the outputs of the op's OpDef output args before `output_arg` (number_attr / type_list_attr expanded).
import { tensorflow } from '@tensorgraft/proto';
import { attr, read } from '../attrs.js';
import { GraphError } from '../errors.js';
import { Graph } from '../graph.js';
import { getOpDef, opDefaults } from '../ops/op-registry.js';

export interface FunctionBody {
  graph: Graph;
  /** Placeholder tensor per input argument, in order. */
  inputs: string[];
  /** Tensor per output argument, in order. */
  outputs: string[];
}

export function findFunction(
  library: tensorflow.FunctionDefLibrary.$Properties | null,
  name: string,
  user: string,
): tensorflow.FunctionDef.$Properties {
  const f = library?.function?.find((fn) => fn.signature?.name === name);
  if (!f) throw new GraphError('NOT_FOUND', `function '${name}' is not in the graph's library`, { node: user });
  return f;
}

/** The body of a FunctionDef as a Graph. */
export function functionBody(fdef: tensorflow.FunctionDef.$Properties, user: string): FunctionBody {
  const sig = fdef.signature ?? {};
  const fname = sig.name ?? '';
  const graph = new Graph();
  const argNames = new Set<string>();
  const inputs: string[] = [];
  for (const arg of sig.input_arg ?? []) {
    const name = arg.name ?? '';
    argNames.add(name);
    // resource arguments carry variable references, not tensors; the placeholder only marks the feed point
    graph.addNode({ name, op: 'Placeholder', attr: { dtype: attr.type(arg.type ?? 0) } });
    inputs.push(`${name}:0`);
  }
  const nodes = fdef.node_def ?? [];
  const byName = new Map(nodes.map((n) => [n.name ?? '', n]));
  const tensor = (ref: string): string => {
    if (ref.startsWith('^')) return ref;
    const parts = ref.split(':');
    if (parts.length === 1) {
      if (argNames.has(ref)) return `${ref}:0`;
      throw new GraphError('MISSING_INPUT', `function ${fname}: '${ref}' is neither an argument nor node:arg:index`, {
        node: user,
      });
    }
    if (parts.length === 2 && argNames.has(parts[0]!)) return ref;
    const [node, outArg, idx] = [parts[0]!, parts[1]!, Number(parts[2] ?? 0)];
    const def = byName.get(node);
    if (!def) throw new GraphError('MISSING_INPUT', `function ${fname}: no node '${node}'`, { node: user });
    return `${node}:${outputOffset(def, outArg, fname, user) + idx}`;
  };
  for (const n of nodes) {
    graph.addNode(
      tensorflow.NodeDef.create({
        name: n.name ?? '',
        op: n.op ?? '',
        input: (n.input ?? []).map(tensor),
        device: n.device ?? '',
        attr: { ...(n.attr ?? {}) },
      }),
    );
  }
  const outputs = (sig.output_arg ?? []).map((arg) => {
    const ref = fdef.ret?.[arg.name ?? ''];
    if (ref === undefined)
      throw new GraphError('MISSING_INPUT', `function ${fname} returns nothing for '${arg.name}'`, { node: user });
    return tensor(ref);
  });
  graph.library = null;
  return { graph, inputs, outputs };
}

function outputOffset(n: tensorflow.NodeDef.$Properties, outArg: string, fname: string, user: string): number {
  const def = getOpDef(n.op ?? '');
  if (!def)
    throw new GraphError('UNSUPPORTED_OP', `function ${fname}: no OpDef for ${n.op} (node ${n.name})`, { node: user });
  const defaults = opDefaults(def.name);
  let offset = 0;
  for (const arg of def.output_arg ?? []) {
    if (arg.name === outArg) return offset;
    if (arg.number_attr) offset += read.i(n, arg.number_attr, defaults);
    else if (arg.type_list_attr) offset += read.listType(n, arg.type_list_attr, defaults).length;
    else offset += 1;
  }
  throw new GraphError('MISSING_INPUT', `function ${fname}: ${n.op} has no output '${outArg}'`, { node: user });
}
