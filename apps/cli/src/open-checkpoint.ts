// Opening a CHECKPOINT argument for the reading commands (ls, cat, verify, diff). A V2 prefix or a safetensors file
// opens through @tensorgraft/bundle-io/lite, which loads no generated protobuf code, so these commands start in a few
// tens of milliseconds; a directory (its state file is in text format) or a V1 file (SavedTensorSlices) needs the
// full package, loaded only then. s3:// and other storage locations go through remote-checkpoint.ts.
import { statSync } from 'node:fs';
import type { CheckpointReader, ResolvedCheckpoint } from '@tensorgraft/bundle-io/lite';
import { isLocation, openRemoteCheckpoint } from './remote-checkpoint.js';

export interface OpenedCheckpoint {
  reader: CheckpointReader;
  resolved: ResolvedCheckpoint;
}

/** Opens `path` as bundle-io's openCheckpoint does, and says what it opened (as resolveCheckpoint does). */
export async function openCheckpointArg(
  path: string,
  options: { indexOnly?: boolean } = {},
): Promise<OpenedCheckpoint> {
  if (isLocation(path)) return openRemoteCheckpoint(path, !options.indexOnly);
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    const lite = await import('@tensorgraft/bundle-io/lite');
    const resolved = lite.resolveCheckpointFile(path);
    if (resolved.format === 'v2') return { reader: lite.BundleReader.open(resolved.path), resolved };
    if (resolved.format === 'safetensors') return { reader: lite.SafetensorsReader.open(resolved.path), resolved };
  }
  const full = await import('@tensorgraft/bundle-io');
  const resolved = full.resolveCheckpoint(path);
  return { reader: full.openCheckpoint(path), resolved };
}
