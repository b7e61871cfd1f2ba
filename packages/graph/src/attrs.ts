// AttrValue helpers: making attrs the way TensorFlow's Python API writes them, and reading them with the OpDef's
// defaults and a typed error naming the node when an attr is missing or of the wrong kind.
import { tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import { GraphError } from './errors.js';

export type AttrValue = tensorflow.AttrValue.$Properties;
export type NodeDefLike = tensorflow.NodeDef.$Properties;
type ListValue = tensorflow.AttrValue.ListValue.$Properties;

const ENC = new TextEncoder();
const DEC = new TextDecoder();

/** Shape as TensorFlow writes it: dims with size -1 for unknown, or `null` for an unknown rank. */
export type ShapeLike = readonly number[] | null;

export function shapeProto(shape: ShapeLike): tensorflow.TensorShapeProto.$Properties {
  if (shape === null) return { unknown_rank: true };
  return { dim: shape.map((size) => ({ size: Long.fromNumber(size) })) };
}

export function shapeFromProto(p: tensorflow.TensorShapeProto.$Properties | null | undefined): ShapeLike {
  if (!p || p.unknown_rank) return null;
  return (p.dim ?? []).map((d) => toNumber(d.size));
}

export function toNumber(v: Long | number | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export const attr = {
  s: (v: string | Uint8Array): AttrValue =>
    tensorflow.AttrValue.create({ s: typeof v === 'string' ? ENC.encode(v) : v }),
  i: (v: number): AttrValue => tensorflow.AttrValue.create({ i: Long.fromNumber(v) }),
  f: (v: number): AttrValue => tensorflow.AttrValue.create({ f: v }),
  b: (v: boolean): AttrValue => tensorflow.AttrValue.create({ b: v }),
  type: (v: number): AttrValue => tensorflow.AttrValue.create({ type: v }),
  shape: (v: ShapeLike): AttrValue => tensorflow.AttrValue.create({ shape: shapeProto(v) }),
  tensor: (v: tensorflow.TensorProto.$Properties): AttrValue => tensorflow.AttrValue.create({ tensor: v }),
  list: (v: ListValue): AttrValue => tensorflow.AttrValue.create({ list: v }),
  listS: (v: readonly string[]): AttrValue => attr.list({ s: v.map((x) => ENC.encode(x)) }),
  listI: (v: readonly number[]): AttrValue => attr.list({ i: v.map((x) => Long.fromNumber(x)) }),
  listType: (v: readonly number[]): AttrValue => attr.list({ type: [...v] }),
  listShape: (v: readonly ShapeLike[]): AttrValue => attr.list({ shape: v.map(shapeProto) }),
};

/** Which member of AttrValue's oneof is set (protobufjs keeps unset members off the instance). */
export function attrKind(a: AttrValue): keyof AttrValue | undefined {
  for (const k of ['list', 's', 'i', 'f', 'b', 'type', 'shape', 'tensor', 'placeholder', 'func'] as const) {
    if (Object.hasOwn(a, k) && a[k] !== null && a[k] !== undefined) return k;
  }
  return undefined;
}

function bad(node: NodeDefLike, name: string, want: string): GraphError {
  const a = node.attr?.[name];
  const got = a ? (attrKind(a) ?? 'nothing') : 'no attr';
  return new GraphError('BAD_ATTR', `attr '${name}' of ${node.op} must be ${want}, got ${got}`, {
    node: node.name ?? '',
  });
}

/** The attr, or the OpDef default passed in, or a BAD_ATTR error. */
function get(node: NodeDefLike, name: string, defaults?: Readonly<Record<string, AttrValue>>): AttrValue {
  const a = node.attr?.[name] ?? defaults?.[name];
  if (!a) throw new GraphError('BAD_ATTR', `${node.op} needs attr '${name}'`, { node: node.name ?? '' });
  return a;
}

type Defaults = Readonly<Record<string, AttrValue>> | undefined;

export const read = {
  has(node: NodeDefLike, name: string, defaults?: Defaults): boolean {
    return node.attr?.[name] !== undefined || defaults?.[name] !== undefined;
  },
  s(node: NodeDefLike, name: string, defaults?: Defaults): string {
    const a = get(node, name, defaults);
    if (attrKind(a) !== 's') throw bad(node, name, 'a string');
    return DEC.decode(a.s!);
  },
  i(node: NodeDefLike, name: string, defaults?: Defaults): number {
    const a = get(node, name, defaults);
    if (attrKind(a) !== 'i') throw bad(node, name, 'an int');
    return toNumber(a.i);
  },
  f(node: NodeDefLike, name: string, defaults?: Defaults): number {
    const a = get(node, name, defaults);
    if (attrKind(a) !== 'f') throw bad(node, name, 'a float');
    return a.f!;
  },
  b(node: NodeDefLike, name: string, defaults?: Defaults): boolean {
    const a = get(node, name, defaults);
    const k = attrKind(a);
    // proto3 drops false, so an attr with nothing set is `false`
    if (k === undefined) return false;
    if (k !== 'b') throw bad(node, name, 'a bool');
    return a.b!;
  },
  type(node: NodeDefLike, name: string, defaults?: Defaults): number {
    const a = get(node, name, defaults);
    const k = attrKind(a);
    if (k === undefined) return 0;
    if (k !== 'type') throw bad(node, name, 'a type');
    return a.type!;
  },
  shape(node: NodeDefLike, name: string, defaults?: Defaults): ShapeLike {
    const a = get(node, name, defaults);
    if (attrKind(a) !== 'shape') throw bad(node, name, 'a shape');
    return shapeFromProto(a.shape);
  },
  tensor(node: NodeDefLike, name: string, defaults?: Defaults): tensorflow.TensorProto.$Properties {
    const a = get(node, name, defaults);
    if (attrKind(a) !== 'tensor') throw bad(node, name, 'a tensor');
    return a.tensor!;
  },
  /** A list attr; an empty list decodes as an AttrValue with `list` set to an empty ListValue, or nothing at all. */
  list(node: NodeDefLike, name: string, defaults?: Defaults): ListValue {
    const a = get(node, name, defaults);
    const k = attrKind(a);
    if (k === undefined) return {};
    if (k !== 'list') throw bad(node, name, 'a list');
    return a.list!;
  },
  listI(node: NodeDefLike, name: string, defaults?: Defaults): number[] {
    return (read.list(node, name, defaults).i ?? []).map(toNumber);
  },
  listS(node: NodeDefLike, name: string, defaults?: Defaults): string[] {
    return (read.list(node, name, defaults).s ?? []).map((x) => DEC.decode(x));
  },
  listType(node: NodeDefLike, name: string, defaults?: Defaults): number[] {
    return [...(read.list(node, name, defaults).type ?? [])];
  },
};

export function utf8(bytes: Uint8Array): string {
  return DEC.decode(bytes);
}

export function bytes(s: string): Uint8Array {
  return ENC.encode(s);
}
