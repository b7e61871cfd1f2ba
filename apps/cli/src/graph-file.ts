// Reading a GraphDef or MetaGraphDef file in any of TensorFlow's forms (.pb, .pbtxt, .meta binary or text).
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeMessage, ProtoError, parseText, tensorflow } from '@tensorgraft/proto';
import { InputProblem } from './command.js';

export type GraphFileKind = 'graph' | 'meta';
export type GraphFileFormat = 'binary' | 'text';

export type LoadedGraphFile =
  | { kind: 'graph'; format: GraphFileFormat; message: tensorflow.GraphDef }
  | { kind: 'meta'; format: GraphFileFormat; message: tensorflow.MetaGraphDef };

const TEXT_EXTENSIONS = ['.pbtxt', '.txt', '.prototxt'];

/** Loads `path`; the kind comes from `kind`, else the extension (.meta = MetaGraphDef), else the content. */
export async function loadGraphFile(path: string, kind?: GraphFileKind): Promise<LoadedGraphFile> {
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new ProtoError('INVALID_ARGUMENT', `cannot read ${path}: ${err.code ?? err.message}`, { path, cause: err });
  });
  const lower = path.toLowerCase();
  const wanted: GraphFileKind | undefined = kind ?? (/\.meta(\.pbtxt|\.txt)?$/.test(lower) ? 'meta' : undefined);
  const looksText = TEXT_EXTENSIONS.some((e) => lower.endsWith(e)) || isProbablyText(bytes);
  if (looksText) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    const k = wanted ?? guessTextKind(text);
    return k === 'meta'
      ? { kind: 'meta', format: 'text', message: parseText(tensorflow.MetaGraphDef, text, { path }) }
      : { kind: 'graph', format: 'text', message: parseText(tensorflow.GraphDef, text, { path }) };
  }
  if (isSavedModel(bytes)) {
    throw new InputProblem(
      `${path} is a SavedModel (saved_model.pb), not a GraphDef or MetaGraphDef: ` +
        `list it with \`tensorgraft saved-model show ${dirname(path)}\``,
    );
  }
  if (wanted === 'meta') {
    return { kind: 'meta', format: 'binary', message: decodeMessage(tensorflow.MetaGraphDef, bytes, { path }) };
  }
  const graph = decodeMessage(tensorflow.GraphDef, bytes, { path });
  if (wanted === 'graph' || looksLikeGraph(graph)) return { kind: 'graph', format: 'binary', message: graph };
  // A binary MetaGraphDef also decodes as a GraphDef (field 1 is a message in both); its "nodes" have no op.
  return { kind: 'meta', format: 'binary', message: decodeMessage(tensorflow.MetaGraphDef, bytes, { path }) };
}

/**
 * A SavedModel starts with field 1 as a varint (saved_model_schema_version); GraphDef and MetaGraphDef start with a
 * message (field 1 length-delimited, byte 0x0a), so the first byte tells them apart; the rest must parse.
 */
function isSavedModel(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x08) return false;
  try {
    return decodeMessage(tensorflow.SavedModel, bytes).meta_graphs.length > 0;
  } catch {
    return false;
  }
}

function looksLikeGraph(graph: tensorflow.GraphDef): boolean {
  return graph.node.every((n) => n.name !== '' && n.op !== '' && !n.$unknowns);
}

/** Text files start with a field name: MetaGraphDef's are meta_info_def, graph_def, saver_def, ... */
function guessTextKind(text: string): GraphFileKind {
  const first = /^\s*(?:#[^\n]*\n\s*)*([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1];
  const metaFields = [
    'meta_info_def',
    'graph_def',
    'saver_def',
    'collection_def',
    'signature_def',
    'asset_file_def',
    'object_graph_def',
  ];
  return first !== undefined && metaFields.includes(first) ? 'meta' : 'graph';
}

function isProbablyText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b < 0x09 || (b > 0x0d && b < 0x20)) return false;
  }
  return /^\s*(#|[A-Za-z_])/.test(new TextDecoder().decode(bytes.subarray(0, n)));
}
