// A model to mix, as a MetaGraphDef: read from a file (binary or text, as import_meta_graph reads it), taken from
// bytes or an already parsed message, or wrapped around a bare GraphDef (no collections, no saver).
import { readFileSync } from 'node:fs';
import { GraphError, parseGraphDef, parseMetaGraph } from '@tensorgraft/graph';
import { tensorflow } from '@tensorgraft/proto';
import { MixerError } from './errors.js';

/** A graph given as a parsed message, its serialized bytes (binary or text), or a file path. */
export type GraphSource<T> = T | Uint8Array | string;

export function loadMetaGraph(
  src: GraphSource<tensorflow.MetaGraphDef.$Properties>,
  model: string,
): tensorflow.MetaGraphDef.$Properties {
  if (typeof src !== 'string' && !(src instanceof Uint8Array)) return src;
  const path = typeof src === 'string' ? src : undefined;
  return parsing(() => parseMetaGraph(read(src, model), path === undefined ? {} : { path }), model, path);
}

export function loadGraphDef(
  src: GraphSource<tensorflow.GraphDef.$Properties>,
  model: string,
): tensorflow.MetaGraphDef.$Properties {
  if (typeof src !== 'string' && !(src instanceof Uint8Array)) return { graph_def: src };
  const path = typeof src === 'string' ? src : undefined;
  const graphDef = parsing(() => parseGraphDef(read(src, model), path === undefined ? {} : { path }), model, path);
  return tensorflow.MetaGraphDef.create({ graph_def: graphDef });
}

function read(src: Uint8Array | string, model: string): Uint8Array {
  if (typeof src !== 'string') return src;
  try {
    return readFileSync(src);
  } catch (cause) {
    throw new MixerError('IO', 'cannot read the graph file', { model, path: src, cause });
  }
}

function parsing<T>(fn: () => T, model: string, path: string | undefined): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof GraphError)
      throw new MixerError('BAD_FILE', 'not a graph TensorFlow can read', { model, path, cause });
    throw cause;
  }
}
