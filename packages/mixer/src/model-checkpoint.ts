// A model's checkpoint opened through bundle-io; a failure becomes the mixer's IO error naming the model and the path.
import { type CheckpointReader, openCheckpoint } from '@tensorgraft/bundle-io';
import { MixerError } from './errors.js';

export function openModelCheckpoint(path: string, model: string): CheckpointReader {
  try {
    return openCheckpoint(path);
  } catch (cause) {
    throw new MixerError('IO', 'cannot open the checkpoint', { model, path, cause });
  }
}
