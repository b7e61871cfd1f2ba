// OpDefs (from the pinned TensorFlow, see op-defs.generated.ts): attr defaults, output counts, stripped op lists.
import { decodeMessage, tensorflow } from '@tensorgraft/proto';
import type { AttrValue, NodeDefLike } from '../attrs.js';
import { read } from '../attrs.js';
import { GraphError } from '../errors.js';
import { OP_DEFS_BASE64 } from './op-defs.generated.js';

export type OpDef = tensorflow.OpDef.$Properties & { name: string };

const registry = new Map<string, OpDef>();
const defaultsCache = new Map<string, Readonly<Record<string, AttrValue>>>();

/** The OpDef TensorFlow registers for `op`, or undefined for an op this package does not know. */
export function getOpDef(op: string): OpDef | undefined {
  let def = registry.get(op);
  if (def) return def;
  const b64 = OP_DEFS_BASE64[op];
  if (b64 === undefined) return undefined;
  const decoded = decodeMessage(tensorflow.OpDef, Buffer.from(b64, 'base64'));
  def = { ...decoded, name: decoded.name ?? op };
  registry.set(op, def);
  return def;
}

/** Adds an OpDef (e.g. from a meta graph's stripped_op_list) for an op this package does not know. */
export function registerOpDef(def: tensorflow.OpDef.$Properties): void {
  const name = def.name ?? '';
  if (name && !registry.has(name) && OP_DEFS_BASE64[name] === undefined) registry.set(name, { ...def, name });
}

/** The default attr values of `op` (empty for an unknown op). */
export function opDefaults(op: string): Readonly<Record<string, AttrValue>> {
  let d = defaultsCache.get(op);
  if (d) return d;
  const def = getOpDef(op);
  const out: Record<string, AttrValue> = {};
  for (const a of def?.attr ?? []) if (a.default_value) out[a.name!] = a.default_value;
  d = Object.freeze(out);
  defaultsCache.set(op, d);
  return d;
}

/** AddDefaultsToNodeDef: fills every attr the node leaves out that has a default. Returns the names added. */
export function addDefaultAttrs(node: tensorflow.NodeDef): string[] {
  const def = getOpDef(node.op);
  const added: string[] = [];
  if (!def) return added;
  for (const a of def.attr ?? []) {
    const name = a.name ?? '';
    if (a.default_value && node.attr[name] === undefined) {
      node.attr[name] = tensorflow.AttrValue.create(a.default_value);
      added.push(name);
    }
  }
  return added;
}

/** Number of outputs of the node, from its OpDef and attrs; undefined for an unknown op. */
export function outputCount(node: NodeDefLike): number | undefined {
  const def = getOpDef(node.op ?? '');
  if (!def) return undefined;
  const defaults = opDefaults(def.name);
  let n = 0;
  for (const arg of def.output_arg ?? []) {
    if (arg.number_attr) n += read.i(node, arg.number_attr, defaults);
    else if (arg.type_list_attr) n += read.listType(node, arg.type_list_attr, defaults).length;
    else n += 1;
  }
  return n;
}

/** Output dtypes of the node (per output), resolving type attrs; undefined for an unknown op. */
export function outputTypes(node: NodeDefLike): number[] | undefined {
  const def = getOpDef(node.op ?? '');
  if (!def) return undefined;
  const defaults = opDefaults(def.name);
  const out: number[] = [];
  for (const arg of def.output_arg ?? []) {
    const ref = arg.is_ref ? 100 : 0;
    if (arg.type_list_attr) {
      for (const t of read.listType(node, arg.type_list_attr, defaults)) out.push(t + ref);
      continue;
    }
    const t = arg.type_attr ? read.type(node, arg.type_attr, defaults) : (arg.type ?? 0);
    const count = arg.number_attr ? read.i(node, arg.number_attr, defaults) : 1;
    for (let i = 0; i < count; i++) out.push(t + ref);
  }
  return out;
}

/** Is the op stateful (variables, random, save/restore)? Unknown ops count as stateful. */
export function isStateful(op: string): boolean {
  const def = getOpDef(op);
  // is_stateful is absent (not false) in OpDefs of stateless ops
  return def ? def.is_stateful === true : true;
}

/** The sorted OpList of the ops a graph uses, as meta_graph.stripped_op_list_for_graph writes it. */
export function strippedOpList(ops: Iterable<string>): tensorflow.OpList {
  const names = [...new Set(ops)].sort();
  const list: OpDef[] = [];
  for (const n of names) {
    const def = getOpDef(n);
    if (def) list.push(def);
  }
  return tensorflow.OpList.create({ op: list });
}

/** Checks attrs against the OpDef: known kinds, allowed types. Unknown ops pass (kept verbatim). */
export function validateNodeAttrs(node: tensorflow.NodeDef, path?: string): void {
  const def = getOpDef(node.op);
  if (!def) return;
  const defaults = opDefaults(node.op);
  const known = new Set((def.attr ?? []).map((a) => a.name ?? ''));
  for (const name of Object.keys(node.attr)) {
    if (!name.startsWith('_') && !known.has(name)) {
      throw new GraphError(
        'BAD_ATTR',
        `${node.op} has no attr '${name}' (TensorFlow ${node.op}'s OpDef does not list it)`,
        { node: node.name, path },
      );
    }
  }
  for (const attrDef of def.attr ?? []) {
    const a = { ...attrDef, name: attrDef.name ?? '' };
    const v = node.attr[a.name] ?? defaults[a.name];
    if (!v) {
      throw new GraphError('BAD_ATTR', `${node.op} needs attr '${a.name}'`, { node: node.name, path });
    }
    const t = a.type;
    if (t === 'type') {
      const dt = read.type(node, a.name, defaults);
      if (!isKnownDtype(dt)) {
        throw new GraphError('UNKNOWN_DTYPE', `attr '${a.name}' of ${node.op} has unknown dtype ${dt}`, {
          node: node.name,
          path,
        });
      }
      const allowed = a.allowed_values?.list?.type;
      if (allowed?.length && !allowed.includes(dt)) {
        throw new GraphError('BAD_ATTR', `attr '${a.name}' of ${node.op} does not allow dtype ${dt}`, {
          node: node.name,
          path,
        });
      }
    } else if (t === 'int') read.i(node, a.name, defaults);
    else if (t === 'float') read.f(node, a.name, defaults);
    else if (t === 'bool') read.b(node, a.name, defaults);
    else if (t === 'string') read.s(node, a.name, defaults);
    else if (t === 'shape') read.shape(node, a.name, defaults);
    else if (t === 'tensor') read.tensor(node, a.name, defaults);
    else if (t?.startsWith('list(')) read.list(node, a.name, defaults);
  }
}

/** A DataType enum value TensorFlow defines (with or without `_REF`). */
export function isKnownDtype(dt: number): boolean {
  const base = dt > 100 ? dt - 100 : dt;
  return Number.isInteger(base) && base >= 1 && base <= 33;
}
