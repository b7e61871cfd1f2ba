// TensorFlow's naming rules: node names, tensor names (`node:k`), control inputs (`^node`), name scopes.
import { GraphError } from './errors.js';

/** graph_constructor.cc: first char [A-Za-z0-9.], then [A-Za-z0-9_./-]. */
const NODE_NAME = /^[A-Za-z0-9.][A-Za-z0-9_./-]*$/;

export function isValidNodeName(name: string): boolean {
  return NODE_NAME.test(name);
}

export function checkNodeName(name: string, path?: string): void {
  if (!isValidNodeName(name)) {
    throw new GraphError(
      'BAD_NAME',
      `'${name}' is not a valid node name (TensorFlow allows [A-Za-z0-9.][A-Za-z0-9_./-]*)`,
      {
        node: name,
        path,
      },
    );
  }
}

export interface InputRef {
  node: string;
  /** Output index; -1 for a control input. */
  index: number;
}

/** Parses a NodeDef input (`x`, `x:2`, `^x`) or a tensor name. */
export function parseInput(input: string, node?: string): InputRef {
  if (input.startsWith('^')) return { node: input.slice(1), index: -1 };
  const colon = input.lastIndexOf(':');
  if (colon > 0) {
    const digits = input.slice(colon + 1);
    if (/^\d+$/.test(digits) && digits.length < 10) return { node: input.slice(0, colon), index: Number(digits) };
    if (digits.length > 0) throw new GraphError('BAD_NAME', `cannot parse input '${input}'`, { node });
  }
  if (input.length === 0) throw new GraphError('BAD_NAME', 'empty input name', { node });
  return { node: input, index: 0 };
}

/** `x:0` for tensors; a name with no `:k` means output 0. */
export function tensorName(ref: InputRef): string {
  return ref.index < 0 ? `^${ref.node}` : `${ref.node}:${ref.index}`;
}

/** Canonical tensor key `node:k` for a fetch/feed/tensor name. */
export function canonicalTensor(name: string): string {
  const r = parseInput(name);
  if (r.index < 0) throw new GraphError('BAD_NAME', `'${name}' names an operation, not a tensor`);
  return `${r.node}:${r.index}`;
}

/** ops.prepend_name_scope: the scope goes after a leading `^` or `loc:@`, or at the start. */
export function prependNameScope(name: string, scope: string): string {
  if (!scope) return name;
  const s = scope.endsWith('/') ? scope.slice(0, -1) : scope;
  const m = /^(\^|loc:@)?(.*)$/s.exec(name)!;
  return `${m[1] ?? ''}${s}/${m[2]}`;
}

/** ops.strip_name_scope: removes a leading `scope/` after an optional `^` or `loc:@`. */
export function stripNameScope(name: string, scope: string): string {
  if (!scope) return name;
  const s = scope.endsWith('/') ? scope : `${scope}/`;
  const m = /^(\^|loc:@)?(.*)$/s.exec(name)!;
  const rest = m[2]!;
  return rest.startsWith(s) ? `${m[1] ?? ''}${rest.slice(s.length)}` : name;
}
