// Lists what a TF2 object-based checkpoint holds, by the names a user can restore from.
import { openCheckpoint } from './checkpoint-io.js';
import { SaverError } from './errors.js';
import { checkpointObjectVariables, type ObjectVariable } from './object-graph.js';

export interface ObjectCheckpointVariable extends ObjectVariable {
  dtype: string;
  shape: number[];
}

/** The variables of the object-based checkpoint at `prefix` with dtype and shape (UNSUPPORTED for a TF1 one). */
export function readObjectCheckpoint(prefix: string): ObjectCheckpointVariable[] {
  const ckpt = openCheckpoint(prefix);
  try {
    const vars = checkpointObjectVariables(ckpt);
    if (!vars)
      throw new SaverError('UNSUPPORTED', 'not an object-based checkpoint (no _CHECKPOINTABLE_OBJECT_GRAPH)', {
        path: prefix,
      });
    return vars.map((v) => {
      const info = ckpt.tensors.get(v.key);
      if (!info)
        throw new SaverError('CORRUPT', 'the object graph names a key the checkpoint does not have', {
          path: prefix,
          variable: v.key,
        });
      return { ...v, dtype: info.dtype, shape: info.shape };
    });
  } finally {
    ckpt.close();
  }
}
