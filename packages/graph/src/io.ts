// Reading and writing GraphDef / MetaGraphDef bytes. Binary is protobuf (unknown fields kept); text (.pbtxt) is
// @tensorgraft/proto's text format, which prints as TensorFlow's Python protobuf does. Binary input that does not
// parse falls back to text, as import_meta_graph does.
import * as proto from '@tensorgraft/proto';
import { encodeMessage, parseText, printText, tensorflow } from '@tensorgraft/proto';
import protobuf from 'protobufjs/minimal.js';
import { GraphError } from './errors.js';

export type GraphFormat = 'binary' | 'text';

function decode<T>(
  type: proto.MessageType<T>,
  data: Uint8Array | string,
  path: string | undefined,
  format?: GraphFormat,
): T {
  const name = proto.typeNameOf(type);
  if (typeof data !== 'string' && format !== 'text') {
    // protobufjs drops unknown fields unless the reader is told to keep them; a lossless round trip needs them
    const reader = protobuf.Reader.create(data);
    reader.discardUnknown = false;
    try {
      return type.decode(reader);
    } catch (err) {
      // import_meta_graph and the graph readers fall back to text when the bytes do not parse
      if (format === 'binary' || !looksLikeText(data)) {
        const message = err instanceof Error ? err.message : String(err);
        throw new GraphError('BAD_FILE', `not a binary ${name}: ${message}`, {
          path,
          offset: Math.min(reader.pos, data.length),
          cause: err,
        });
      }
    }
  }
  const s = typeof data === 'string' ? data : new TextDecoder().decode(data);
  try {
    return parseText(type, s, path === undefined ? {} : { path });
  } catch (err) {
    const e = err as { line?: number; message?: string };
    throw new GraphError('BAD_FILE', `not a text ${name}: ${e.message ?? String(err)}`, { path, cause: err });
  }
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 256);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 9 || (c > 13 && c < 32)) return false;
  }
  return true;
}

export function parseGraphDef(
  data: Uint8Array | string,
  options: { path?: string; format?: GraphFormat } = {},
): tensorflow.GraphDef {
  return decode(tensorflow.GraphDef, data, options.path, options.format) as tensorflow.GraphDef;
}

export function parseMetaGraph(
  data: Uint8Array | string,
  options: { path?: string; format?: GraphFormat } = {},
): tensorflow.MetaGraphDef {
  return decode(tensorflow.MetaGraphDef, data, options.path, options.format) as tensorflow.MetaGraphDef;
}

export function serializeGraphDef(def: tensorflow.GraphDef.$Properties): Uint8Array {
  return encodeMessage(tensorflow.GraphDef, tensorflow.GraphDef.create(def));
}

export function serializeMetaGraph(def: tensorflow.MetaGraphDef.$Properties): Uint8Array {
  return encodeMessage(tensorflow.MetaGraphDef, tensorflow.MetaGraphDef.create(def));
}

/** Text format, as tf.io.write_graph(as_text=True) writes it. */
export function graphDefToText(def: tensorflow.GraphDef.$Properties): string {
  return printText(tensorflow.GraphDef, tensorflow.GraphDef.create(def));
}

export function metaGraphToText(def: tensorflow.MetaGraphDef.$Properties): string {
  return printText(tensorflow.MetaGraphDef, tensorflow.MetaGraphDef.create(def));
}

/** Decodes a message keeping unknown fields (`$unknowns`), with BAD_FILE and the offset on malformed bytes. */
export function decodeKeepingUnknowns<T>(type: proto.MessageType<T>, data: Uint8Array, path?: string): T {
  return decode(type, data, path, 'binary');
}
