// Reading and writing GraphDef / MetaGraphDef bytes. Binary is protobuf; text (.pbtxt) goes through
// @tensorgraft/proto's text format when that package provides it (printText/parseText).
import * as proto from '@tensorgraft/proto';
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import protobuf from 'protobufjs/minimal.js';
import { GraphError } from './errors.js';

type TextApi = {
  parseText?: (type: unknown, text: string, options?: { path?: string }) => unknown;
  printText?: (type: unknown, message: unknown) => string;
};
const text = proto as unknown as TextApi;

export type GraphFormat = 'binary' | 'text';

function decode<T>(type: proto.MessageType<T>, data: Uint8Array | string, path: string | undefined, format?: GraphFormat): T {
  const name = proto.typeNameOf(type);
  if (typeof data !== 'string' && format !== 'text') {
    // protobufjs drops unknown fields unless the reader is told to keep them; a lossless round trip needs them
    const reader = protobuf.Reader.create(data);
    reader.discardUnknown = false;
    try {
      return type.decode(reader);
    } catch (err) {
      // import_meta_graph and the graph readers fall back to text when the bytes do not parse
      if (format === 'binary' || !text.parseText || !looksLikeText(data)) {
        const message = err instanceof Error ? err.message : String(err);
        throw new GraphError('BAD_FILE', `not a binary ${name}: ${message}`, { path, offset: Math.min(reader.pos, data.length), cause: err });
      }
    }
  }
  if (!text.parseText) throw new GraphError('BAD_FILE', `text ${name} needs @tensorgraft/proto's text format`, { path });
  const s = typeof data === 'string' ? data : new TextDecoder().decode(data);
  try {
    return text.parseText(type, s, path === undefined ? {} : { path }) as T;
  } catch (err) {
    throw new GraphError('BAD_FILE', `not a text ${name}`, { path, cause: err });
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

export function parseGraphDef(data: Uint8Array | string, options: { path?: string; format?: GraphFormat } = {}): tensorflow.GraphDef {
  return decode(tensorflow.GraphDef, data, options.path, options.format) as tensorflow.GraphDef;
}

export function parseMetaGraph(data: Uint8Array | string, options: { path?: string; format?: GraphFormat } = {}): tensorflow.MetaGraphDef {
  return decode(tensorflow.MetaGraphDef, data, options.path, options.format) as tensorflow.MetaGraphDef;
}

export function serializeGraphDef(def: tensorflow.GraphDef.$Properties): Uint8Array {
  return encodeMessage(tensorflow.GraphDef, tensorflow.GraphDef.create(def));
}

export function serializeMetaGraph(def: tensorflow.MetaGraphDef.$Properties): Uint8Array {
  return encodeMessage(tensorflow.MetaGraphDef, tensorflow.MetaGraphDef.create(def));
}

/** Text format, when @tensorgraft/proto provides it. */
export function graphDefToText(def: tensorflow.GraphDef.$Properties): string {
  if (!text.printText) throw new GraphError('INVALID_ARGUMENT', "text output needs @tensorgraft/proto's text format");
  return text.printText(tensorflow.GraphDef, def);
}

export function metaGraphToText(def: tensorflow.MetaGraphDef.$Properties): string {
  if (!text.printText) throw new GraphError('INVALID_ARGUMENT', "text output needs @tensorgraft/proto's text format");
  return text.printText(tensorflow.MetaGraphDef, def);
}

/** Decodes a message keeping unknown fields (`$unknowns`), with BAD_FILE and the offset on malformed bytes. */
export function decodeKeepingUnknowns<T>(type: proto.MessageType<T>, data: Uint8Array, path?: string): T {
  return decode(type, data, path, 'binary');
}
