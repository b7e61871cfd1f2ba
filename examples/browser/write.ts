// A page that writes TensorFlow checkpoints in the browser and hands them over as files:
//   1. tensors of several dtypes straight to Blobs (saveCheckpointToBlobs), and
//   2. a tfjs model saved with model.save(tfCheckpointAt('mem://...')) (Keras 3's layout), taken as Blobs.
// The "Download" buttons offer the files (downloadCheckpoint); with ?upload=<URL> the page also POSTs each file to
// <URL><file name> (how interop/tests/test_browser.py takes them to TensorFlow).
import * as tf from '@tensorflow/tfjs';
import {
  type CheckpointBlobs,
  checkpointBlobs,
  downloadCheckpoint,
  saveCheckpointToBlobs,
  type Tensor,
} from '@tensorgraft/bundle-io/browser';
import { tfCheckpointAt } from '@tensorgraft/saver/browser';

const status = document.getElementById('status') as HTMLElement;
const out = document.getElementById('out') as HTMLElement;

/** Values exact in float32 (quarters below 2^8), so the test computes the same numbers in numpy. */
function ramp(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (i % 1000) * 0.25 - 100;
  return a;
}

function tensors(): [string, Tensor][] {
  const utf8 = new TextEncoder();
  return [
    ['dense/kernel', { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1.5, -2, 3.25, 0, 1e-30, -7.125) }],
    // 3 MiB + 8 bytes: several of the writer's 1 MiB buffers, and a data file bigger than one Blob part
    ['big', { dtype: 'float32', shape: [(3 << 18) + 2], data: ramp((3 << 18) + 2) }],
    ['global_step', { dtype: 'int64', shape: [], data: BigInt64Array.of(9007199254740993n) }],
    ['counts', { dtype: 'int64', shape: [3], data: BigInt64Array.of(-1n, 0n, 1n << 40n) }],
    ['vocab', { dtype: 'string', shape: [3], data: ['héllo', 'tensorgraft', ''].map((s) => utf8.encode(s)) }],
    ['scale', { dtype: 'float32', shape: [], data: Float32Array.of(0.5) }],
  ];
}

/** Input 4 -> Dense d1 relu 3 -> Dense d2 2 ("mlp"), seeded: the Keras twin in the test restores its checkpoint. */
function model(): tf.LayersModel {
  const x = tf.input({ shape: [4], name: 'x' });
  const h = tf.layers
    .dense({ units: 3, activation: 'relu', name: 'd1', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
    .apply(x);
  const y = tf.layers
    .dense({
      units: 2,
      name: 'd2',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      biasInitializer: 'ones',
    })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'mlp' });
}

function offer(id: string, blobs: CheckpointBlobs): void {
  const button = document.getElementById(id) as HTMLButtonElement;
  button.disabled = false;
  button.onclick = () => downloadCheckpoint(blobs);
}

async function upload(base: string, blobs: CheckpointBlobs): Promise<void> {
  for (const file of blobs.files) {
    const res = await fetch(new URL(file.name, base), { method: 'POST', body: file.blob });
    if (!res.ok) throw new Error(`POST ${file.name}: HTTP ${res.status}`);
  }
}

async function run(): Promise<void> {
  await tf.setBackend('cpu');
  const written = await saveCheckpointToBlobs(tensors(), { name: 'tensors.ckpt' });

  const m = model();
  await m.save(tfCheckpointAt('mem://page/model.ckpt'));
  const saved = checkpointBlobs('mem://page/model.ckpt');
  const input = [0.5, -1, 2, 0.25, 1, 1, -0.5, 3];
  const prediction = tf.tidy(() => Array.from((m.predict(tf.tensor2d(input, [2, 4])) as tf.Tensor).dataSync()));
  const weights = Object.fromEntries(m.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

  offer('download-tensors', written);
  offer('download-model', saved);
  const base = new URLSearchParams(location.search).get('upload');
  if (base) {
    await upload(new URL(base, location.href).href, written);
    await upload(new URL(base, location.href).href, saved);
  }
  const files = [...written.files, ...saved.files].map((f) => ({ name: f.name, bytes: f.blob.size }));
  out.textContent = JSON.stringify({ files, input, prediction, weights });
  status.textContent = 'done';
}

run().catch((err: unknown) => {
  status.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
});
