// Protobuf messages as the JSON google.protobuf.json_format.MessageToDict writes (what the TensorFlow.js converter
// puts in model.json, and what TensorFlow.js's loader reads): lowerCamelCase field names (map keys kept as they are),
// 64-bit integers as decimal strings, enums by name, bytes as base64, NaN/Infinity as strings, unset fields left out.
import type { MessageType } from '@tensorgraft/proto';

/** Map fields of the messages a GraphDef or SignatureDef holds: their keys are data, not field names. */
const MAP_FIELDS = new Set(['attr', 'ret', 'control_ret', 'arg_attr', 'resource_arg_unique_id', 'inputs', 'outputs']);

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function messageToDict<T>(type: MessageType<T>, message: T): Record<string, unknown> {
  const plain = (type as unknown as { toObject(m: T, o: object): Record<string, unknown> }).toObject(message, {
    longs: String,
    enums: String,
    bytes: String,
    json: true,
  });
  return rename(plain) as Record<string, unknown>;
}

function rename(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rename);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$unknowns') continue;
    if (MAP_FIELDS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[camel(k)] = Object.fromEntries(Object.entries(v).map(([mk, mv]) => [mk, rename(mv)]));
    } else {
      out[camel(k)] = rename(v);
    }
  }
  return out;
}
