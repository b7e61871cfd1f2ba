// Function calls inlined into the main graph, so a TF2 graph (tf.function signatures: StatefulPartitionedCall into the
// function library, which receives the variables as resource arguments) can be frozen and run without functions, as
// the converters do with Grappler's function inlining (convert_variables_to_constants_v2). This is not Grappler's
// output node for node: each PartitionedCall / StatefulPartitionedCall N calling F becomes F's body under the scope
// `N/` (arguments replaced by N's inputs, N's control inputs put on the body nodes that read no argument), plus an
// IdentityN named N over F's return values (NoOp when F returns nothing), so `N:k` and `^N` keep meaning what they
// meant. Calls nested in bodies are inlined too. The library is dropped once nothing refers to it.
import { tensorflow } from '@tensorgraft/proto';
import { attr } from '../attrs.js';
import { GraphError } from '../errors.js';
import { findFunction, functionBody } from '../runtime/functions.js';

const CALLS = new Set(['PartitionedCall', 'StatefulPartitionedCall']);
const MAX_DEPTH = 32;

export function inlineFunctionCalls(graphDef: tensorflow.GraphDef.$Properties): tensorflow.GraphDef {
  const library = graphDef.library ?? null;
  const nodes = inlineNodes(graphDef.node ?? [], library, 0);
  const stillCalls = nodes.some((n) => Object.values(n.attr ?? {}).some((a) => a.func || a.list?.func?.length));
  return tensorflow.GraphDef.create({
    node: nodes,
    library: stillCalls ? (library ?? {}) : {},
    versions: graphDef.versions ?? {},
  });
}

function inlineNodes(
  nodes: readonly tensorflow.NodeDef.$Properties[],
  library: tensorflow.FunctionDefLibrary.$Properties | null,
  depth: number,
): tensorflow.NodeDef.$Properties[] {
  const out: tensorflow.NodeDef.$Properties[] = [];
  for (const n of nodes) {
    if (!CALLS.has(n.op ?? '')) {
      out.push(n);
      continue;
    }
    if (depth >= MAX_DEPTH) {
      throw new GraphError('UNSUPPORTED', `function calls nest deeper than ${MAX_DEPTH}`, { node: n.name ?? '' });
    }
    const name = n.name ?? '';
    const fname = n.attr?.f?.func?.name ?? '';
    const body = functionBody(findFunction(library, fname, name), name);
    const dataInputs = (n.input ?? []).filter((i) => !i.startsWith('^'));
    const controls = (n.input ?? []).filter((i) => i.startsWith('^'));
    const args = new Map<string, string>();
    body.inputs.forEach((arg, i) => {
      const input = dataInputs[i];
      if (input === undefined) {
        throw new GraphError('MISSING_INPUT', `${n.op} gives ${fname} fewer inputs than it takes`, { node: name });
      }
      args.set(arg.split(':')[0]!, input);
    });
    const mapRef = (ref: string): string => {
      const control = ref.startsWith('^');
      const bare = control ? ref.slice(1) : ref;
      const node = bare.split(':')[0]!;
      const arg = args.get(node);
      if (arg !== undefined) return control ? `^${arg.replace(/^\^/, '').split(':')[0]}` : arg;
      return `${control ? '^' : ''}${name}/${bare}`;
    };
    const inner: tensorflow.NodeDef.$Properties[] = [];
    for (const b of body.graph.nodes) {
      if (args.has(b.name)) continue;
      const readsArg = b.input.some((i) => args.has(i.replace(/^\^/, '').split(':')[0]!));
      const input = b.input.map(mapRef);
      if (!readsArg) input.push(...controls);
      inner.push(tensorflow.NodeDef.create({ ...b, name: `${name}/${b.name}`, input }));
    }
    out.push(...inlineNodes(inner, library, depth + 1));
    const results = body.outputs.map(mapRef);
    out.push(
      results.length
        ? tensorflow.NodeDef.create({
            name,
            op: 'IdentityN',
            input: results,
            device: n.device ?? '',
            attr: { T: n.attr?.Tout ?? attr.list({ type: [] }) },
          })
        : tensorflow.NodeDef.create({
            name,
            op: 'NoOp',
            input: inner.map((b) => `^${b.name}`),
            device: n.device ?? '',
          }),
    );
  }
  return out;
}
