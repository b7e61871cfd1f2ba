// A model's own tf.compat.v1 Saver, read from its meta graph before the model is mixed (@tensorgraft/graph's
// readSaverKeys: each variable's checkpoint key, and the saver's scope). The saver's subgraph only serves that model's
// own checkpoint, so it is left out of the mixed graph (which gets one Saver over every variable).
import { readSaverKeys, type SaverKeys } from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';

export type SourceSaver = SaverKeys;

const nodeOf = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');

export const readSourceSaver: (meta: tensorflow.MetaGraphDef.$Properties) => SourceSaver | undefined = readSaverKeys;

/**
 * The meta graph without the saver's subgraph (nodes under its scope) and without its saver_def, when nothing outside
 * that scope refers to those nodes; otherwise unchanged.
 */
export function withoutSaver(
  meta: tensorflow.MetaGraphDef.$Properties,
  saver: SourceSaver,
): tensorflow.MetaGraphDef.$Properties {
  if (!saver.scope) return meta;
  const all = meta.graph_def?.node ?? [];
  const inScope = (name: string) => name.startsWith(saver.scope);
  const kept = all.filter((n) => !inScope(n.name ?? ''));
  for (const n of kept) {
    if ((n.input ?? []).some((i) => inScope(nodeOf(i)))) return meta;
  }
  const { saver_def: _dropped, ...rest } = meta;
  const collections = { ...(meta.collection_def ?? {}) };
  delete collections.savers;
  return { ...rest, graph_def: { ...meta.graph_def, node: kept }, collection_def: collections };
}
