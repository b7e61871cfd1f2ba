// Writes a TF2 object-based checkpoint to a local prefix (the tensors: object-graph-build.ts, shared with browsers).
import { writeCheckpoint } from './checkpoint-io.js';
import { type ObjectEntry, objectCheckpointTensors } from './object-graph-build.js';

export { buildObjectGraph, type ObjectEntry } from './object-graph-build.js';

/** Writes the entries as an object-based checkpoint at `prefix` (crash-safe, as every save here). */
export function writeObjectCheckpoint(prefix: string, entries: readonly ObjectEntry[]): string[] {
  const { tensors, keys } = objectCheckpointTensors(entries);
  writeCheckpoint(prefix, tensors);
  return keys;
}
