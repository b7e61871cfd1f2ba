// Every tensor of a TensorFlow checkpoint (a V2 prefix, a V1 file, a .safetensors file, or a directory with a
// `checkpoint` state file): name, dtype, shape, and its first values.
// Usage: read-checkpoint CHECKPOINT
import { openCheckpoint, tensorJsonValues } from '@tensorgraft/bundle-io';

function main(): void {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: read-checkpoint CHECKPOINT');
    process.exitCode = 2;
    return;
  }
  const reader = openCheckpoint(path);
  console.log(`${path}: ${reader.format}, ${reader.names().length} tensors`);
  for (const [name, tensor] of reader.tensors()) {
    const values = tensorJsonValues(tensor).slice(0, 4);
    console.log(`${name} ${tensor.dtype} [${tensor.shape.join(', ')}] ${JSON.stringify(values)}`);
  }
  reader.close();
}

main();
