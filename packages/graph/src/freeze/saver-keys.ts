// What a meta graph's own tf.compat.v1 Saver tells us about its checkpoint:
// - the checkpoint key of each variable: SaveV2's `tensor_names` Const lists the keys in the order of its tensor inputs
//   (inputs 3...), and each tensor input leads back (through Identity / ReadVariableOp) to a variable op. Usually the
//   key is the variable's op name, but a Saver built with a var_list dict saves under other names.
// - the saver's scope (`save/` from restore_op_name `save/restore_all`).
// Freezing reads variable values by these keys; the mixer uses both to drop a source model's own saver.
import type { tensorflow } from '@tensorgraft/proto';

type NodeProps = tensorflow.NodeDef.$Properties;

export interface SaverKeys {
  /** The saver's name scope with its trailing `/` (`save/`), or '' when it has none. */
  scope: string;
  /** Variable op name -> checkpoint key. */
  keys: Map<string, string>;
}

const VARIABLE_OPS = new Set(['VariableV2', 'Variable', 'VarHandleOp']);
const PASS_THROUGH = new Set(['Identity', 'ReadVariableOp', 'Snapshot']);

const nodeOf = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');

/** The keys the meta graph's SaverDef saves each variable under, or undefined when it has no saver. */
export function readSaverKeys(meta: tensorflow.MetaGraphDef.$Properties): SaverKeys | undefined {
  const restoreOp = meta.saver_def?.restore_op_name ?? '';
  if (!restoreOp) return undefined;
  const slash = restoreOp.lastIndexOf('/');
  const scope = slash < 0 ? '' : restoreOp.slice(0, slash + 1);
  const nodes = new Map<string, NodeProps>();
  for (const n of meta.graph_def?.node ?? []) nodes.set(n.name ?? '', n);
  const keys = new Map<string, string>();
  // the save ops the SaverDef's save tensor depends on (a graph may hold several savers in one scope: save/SaveV2 and
  // save/SaveV2_1); failing that, every save op in the saver's scope
  const reached = saveOpsBehind(meta.saver_def?.save_tensor_name ?? '', nodes);
  const saveOps = reached.length
    ? reached
    : [...nodes.values()].filter((n) => (n.op === 'SaveV2' || n.op === 'Save') && (n.name ?? '').startsWith(scope));
  for (const n of saveOps) {
    const inputs = (n.input ?? []).filter((i) => !i.startsWith('^'));
    const namesNode = nodes.get(nodeOf(inputs[1] ?? ''));
    const names = (namesNode?.attr?.value?.tensor?.string_val ?? []).map((b) => new TextDecoder().decode(b));
    const first = n.op === 'SaveV2' ? 3 : 2;
    names.forEach((key, i) => {
      const variable = variableBehind(inputs[first + i], nodes);
      if (variable !== undefined && !keys.has(variable)) keys.set(variable, key);
    });
  }
  return { scope, keys };
}

function saveOpsBehind(tensor: string, nodes: Map<string, NodeProps>): NodeProps[] {
  const found: NodeProps[] = [];
  const seen = new Set<string>();
  let frontier = tensor ? [nodeOf(tensor)] : [];
  // save tensor -> control_dependency (Identity ^SaveV2); sharded: Identity ^MergeV2Checkpoints ^control_dependency_k
  for (let depth = 0; depth < 4 && frontier.length; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      if (seen.has(name)) continue;
      seen.add(name);
      const n = nodes.get(name);
      if (!n) continue;
      if (n.op === 'SaveV2' || n.op === 'Save') found.push(n);
      else next.push(...(n.input ?? []).map(nodeOf));
    }
    frontier = next;
  }
  return found;
}

function variableBehind(input: string | undefined, nodes: Map<string, NodeProps>): string | undefined {
  let name = input === undefined ? undefined : nodeOf(input);
  for (let hops = 0; name !== undefined && hops < 8; hops++) {
    const n = nodes.get(name);
    if (!n) return undefined;
    if (VARIABLE_OPS.has(n.op ?? '')) return name;
    if (!PASS_THROUGH.has(n.op ?? '')) return undefined;
    name = n.input?.[0] === undefined ? undefined : nodeOf(n.input[0]);
  }
  return undefined;
}
