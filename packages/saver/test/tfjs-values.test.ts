import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointManager, Saver } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, tempDir } from './helpers.js';

await tf.setBackend('cpu');
const TF1 = readJson(join(FIXTURES, 'saver', 'tf1.json'));
const TF1_PREFIX = join(FIXTURES, 'saver', TF1.prefix);

describe('tfjs Variables', () => {
  it('save and restore float32, int32, bool and string Variables and tensors', async () => {
    const dir = tempDir();
    const w = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      true,
      'dense/kernel',
    );
    const n = tf.variable(tf.tensor1d([5, -6], 'int32'), true, 'n');
    const b = tf.variable(tf.tensor1d([true, false, true], 'bool'), true, 'flags');
    const path = await new Saver([w, n, b]).save(join(dir, 'm'), { globalStep: tf.scalar(3, 'int32') });
    expect(path).toBe(join(dir, 'm-3'));
    const s = tf.tensor1d(['a', 'héllo'], 'string');
    await new Saver({ s, x: tf.scalar(1.5) }).save(join(dir, 'strings'), { writeState: false });

    const w2 = tf.variable(tf.zeros([2, 2]), true, 'dense/kernel_restored');
    const n2 = tf.variable(tf.zeros([2], 'int32'), true, 'n2');
    const b2 = tf.variable(tf.zeros([3], 'bool'), true, 'flags2');
    await new Saver({ 'dense/kernel': w2, n: n2, flags: b2 }).restore(path);
    expect(await w2.array()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await n2.array()).toEqual([5, -6]);
    expect(b2.dtype).toBe('bool');
    expect(await b2.array()).toEqual([1, 0, 1]); // tfjs reads bool tensors back as 0/1
    const s2 = tf.variable(tf.tensor1d(['', ''], 'string'), true, 's2');
    await new Saver({ s: s2 }).restore(join(dir, 'strings'));
    expect(await s2.array()).toEqual(['a', 'héllo']);
  });

  it("TensorFlow's int64 tensors go into int32 tfjs Variables; float32 weights by scope map", async () => {
    const step = tf.variable(tf.scalar(0, 'int32'), false, 'global_step_js');
    const fc8 = tf.variable(tf.zeros([4, 3]), true, 'head/fc8/weights');
    await new Saver({ global_step: step, 'head/fc8/weights': fc8 }).restore(TF1_PREFIX, {
      map: { global_step: 'global_step', 'vgg_16/': 'head/' },
    });
    expect(await step.array()).toBe(7);
    expect((await fc8.data()).length).toBe(12);
    expect(Array.from(await fc8.data())).toEqual(TF1.tensors['vgg_16/fc8/weights'].values);
  });

  it('a plain tfjs tensor cannot be restored into', async () => {
    const t = tf.zeros([4]);
    await expect(new Saver({ 'vgg_16/conv1/biases': t }).restore(TF1_PREFIX)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('a LayersModel’s weights as a var list', () => {
  it('saves under Keras-style names <layer>/<weight> and restores into another model', async () => {
    const make = (seed: number) =>
      tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [3],
            units: 2,
            name: 'fc',
            kernelInitializer: tf.initializers.glorotNormal({ seed }),
          }),
        ],
      });
    const a = make(1);
    const dir = tempDir();
    const path = await new Saver(a.weights).save(join(dir, 'w'), { globalStep: 1 });
    const b = make(2);
    const report = await new Saver(b.weights).restore(path);
    expect(report.assignments.map((x) => x.key)).toEqual(['fc/kernel', 'fc/bias']);
    expect(Array.from(b.weights[0]!.read().dataSync())).toEqual(Array.from(a.weights[0]!.read().dataSync()));
  });

  it('a CheckpointManager over model.weights saves and restores them', async () => {
    const make = (seed: number) =>
      tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [2],
            units: 2,
            name: 'fc',
            kernelInitializer: tf.initializers.glorotNormal({ seed }),
          }),
        ],
      });
    const dir = tempDir();
    const a = make(3);
    expect(await new CheckpointManager(a.weights, dir).save()).toBe(join(dir, 'ckpt-1'));
    const b = make(4);
    const report = await new CheckpointManager(b.weights, dir).restoreOrInitialize();
    expect(report?.assignments.length).toBe(2);
    expect(Array.from(b.weights[0]!.read().dataSync())).toEqual(Array.from(a.weights[0]!.read().dataSync()));
  });
});

describe('complex64', () => {
  it('a complex64 Variable of rank 2 round-trips', async () => {
    const dir = tempDir();
    const c = tf.variable(
      tf.complex(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([
          [-1, -2],
          [-3, -4],
        ]),
      ),
      true,
      'c',
    );
    const path = await new Saver([c]).save(join(dir, 'c'), { writeState: false });
    const back = tf.variable(tf.complex(tf.zeros([2, 2]), tf.zeros([2, 2])), true, 'c_back');
    await new Saver({ c: back }).restore(path);
    expect(back.shape).toEqual([2, 2]);
    expect(Array.from(await tf.real(back).data())).toEqual([1, 2, 3, 4]);
    expect(Array.from(await tf.imag(back).data())).toEqual([-1, -2, -3, -4]);
  });
});
