// Field tables for the text format, built once from the generated JSON descriptors (gen/descriptors.js) and tied to
// the generated static classes (gen/messages.js), which carry no reflection of their own.
// A TextType lists its fields in field-number order (the order Python's text printer uses) and by name (for the
// parser). Type references in the descriptors are resolved the way protoc resolves them: absolute when they start
// with '.', else from the innermost enclosing scope outwards.
import type { INamespace } from 'protobufjs';
import descriptors from '../gen/descriptors.js';
import * as gen from '../gen/messages.js';

/** Scalar kinds as they appear in .proto files. */
export type ScalarKind =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

export interface TextEnum {
  readonly fullName: string;
  readonly byName: ReadonlyMap<string, number>;
  /** First name declared for each number (aliases print as the first). */
  readonly byNumber: ReadonlyMap<number, string>;
  /** proto2 enums are closed: unknown numbers are rejected. */
  readonly closed: boolean;
}

export interface TextField {
  readonly name: string;
  readonly id: number;
  /** 'message' and 'enum' point at `message` / `enumType`; everything else is a scalar kind. */
  kind: ScalarKind | 'message' | 'enum';
  readonly repeated: boolean;
  /** Map fields: the key's scalar kind; the value is described by kind / message / enumType. */
  readonly mapKey: ScalarKind | undefined;
  /** Explicit presence (proto2, proto3 `optional`, oneof members): printed when set, even to the default. */
  readonly explicit: boolean;
  /** Real (not synthetic) oneof this field belongs to: its other members, which setting this field clears. */
  readonly oneofSiblings: readonly string[] | undefined;
  /** The oneof this field is in, real or proto3 `optional`'s synthetic `_<field>` (protobufjs's getter of it). */
  readonly oneof: string | undefined;
  message: TextType | undefined;
  enumType: TextEnum | undefined;
}

export interface TextType {
  readonly fullName: string;
  /** Fields in field-number order. */
  readonly fields: readonly TextField[];
  readonly byName: ReadonlyMap<string, TextField>;
  /** The generated class (decode gives its instances; the parser builds them too). */
  readonly ctor: new () => Record<string, unknown>;
  readonly isAny: boolean;
  /** proto3 string fields must hold valid UTF-8 (decoders check it); proto2 ones are read as they are. */
  readonly checksUtf8: boolean;
}

interface JsonField {
  type: string;
  id: number;
  rule?: string;
  keyType?: string;
  options?: Record<string, unknown>;
}
interface JsonType {
  fields?: Record<string, JsonField>;
  oneofs?: Record<string, { oneof: string[] }>;
  nested?: Record<string, JsonNode>;
  values?: Record<string, number>;
  edition?: string;
}
type JsonNode = JsonType;

const SCALARS = new Set<string>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

interface Pending {
  field: TextField;
  typeName: string;
  scope: string;
}

class Registry {
  readonly types = new Map<string, TextType>();
  readonly enums = new Map<string, TextEnum>();
  private readonly pending: Pending[] = [];

  constructor(root: INamespace) {
    this.walk(root as JsonNode, '', 'proto3', gen as unknown as Record<string, unknown>);
    for (const p of this.pending) this.resolve(p);
  }

  private walk(node: JsonNode, prefix: string, edition: string, ctorScope: Record<string, unknown> | undefined): void {
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const fullName = prefix ? `${prefix}.${name}` : name;
      const childEdition = child.edition ?? edition;
      const childCtors = ctorScope?.[name] as Record<string, unknown> | undefined;
      if (child.values) this.addEnum(fullName, child.values, childEdition);
      else if (child.fields) this.addType(fullName, child, childEdition, childCtors);
      if (child.nested) this.walk(child, fullName, childEdition, childCtors);
    }
  }

  private addEnum(fullName: string, values: Record<string, number>, edition: string): void {
    const byName = new Map<string, number>();
    const byNumber = new Map<number, string>();
    for (const [name, num] of Object.entries(values)) {
      byName.set(name, num);
      if (!byNumber.has(num)) byNumber.set(num, name);
    }
    this.enums.set(fullName, { fullName, byName, byNumber, closed: edition === 'proto2' });
  }

  private addType(fullName: string, node: JsonType, edition: string, ctor: unknown): void {
    if (typeof ctor !== 'function') return; // a schema type without a generated class cannot be built
    const siblings = new Map<string, string[]>();
    const oneofOf = new Map<string, string>();
    for (const [oneofName, oneof] of Object.entries(node.oneofs ?? {})) {
      const members = oneof.oneof;
      for (const m of members) oneofOf.set(m, oneofName);
      // protobufjs models proto3 `optional` as a one-member oneof named `_<field>`: presence only, no siblings.
      if (members.length === 1 && oneofName === `_${members[0]}`) continue;
      for (const m of members)
        siblings.set(
          m,
          members.filter((x) => x !== m),
        );
    }
    const fields: TextField[] = [];
    for (const [name, f] of Object.entries(node.fields ?? {})) {
      const repeated = f.rule === 'repeated';
      const mapKey = f.keyType as ScalarKind | undefined;
      const oneofSiblings = siblings.get(name);
      const field: TextField = {
        name,
        id: f.id,
        kind: SCALARS.has(f.type) ? (f.type as ScalarKind) : 'message',
        repeated: repeated || mapKey !== undefined,
        mapKey,
        explicit: edition === 'proto2' || f.options?.proto3_optional === true || oneofSiblings !== undefined,
        oneofSiblings,
        oneof: oneofOf.get(name),
        message: undefined,
        enumType: undefined,
      };
      fields.push(field);
      if (!SCALARS.has(f.type)) this.pending.push({ field, typeName: f.type, scope: fullName });
    }
    fields.sort((a, b) => a.id - b.id);
    this.types.set(fullName, {
      fullName,
      fields,
      byName: new Map(fields.map((f) => [f.name, f])),
      ctor: ctor as new () => Record<string, unknown>,
      isAny: fullName === 'google.protobuf.Any',
      checksUtf8: edition !== 'proto2',
    });
  }

  private resolve(p: Pending): void {
    const candidates: string[] = [];
    if (p.typeName.startsWith('.')) candidates.push(p.typeName.slice(1));
    else {
      const parts = p.scope.split('.');
      for (let i = parts.length; i >= 0; i--) candidates.push([...parts.slice(0, i), p.typeName].join('.'));
    }
    const field = p.field;
    for (const name of candidates) {
      const t = this.types.get(name);
      if (t) {
        field.message = t;
        return;
      }
      const e = this.enums.get(name);
      if (e) {
        field.kind = 'enum';
        field.enumType = e;
        return;
      }
    }
    throw new Error(`text format schema: cannot resolve type ${p.typeName} in ${p.scope}`);
  }
}

let registry: Registry | undefined;

function getRegistry(): Registry {
  registry ??= new Registry(descriptors);
  return registry;
}

/** The field table of a message type by its full name (`tensorflow.GraphDef`), or undefined when unknown. */
export function textTypeByName(fullName: string): TextType | undefined {
  return getRegistry().types.get(fullName);
}
