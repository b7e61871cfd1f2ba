// tfjs tensors (real ones, from @tensorflow/tfjs-core on its CPU backend) and typed arrays wherever the writer takes a
// number or an array: each write gives the same event bytes as the same values given as plain numbers.
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { EventsError, eventValues, readEventFile, SummaryWriter } from '@tensorgraft/events-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const WALL = 1_700_000_000.5;

/** Writes with `write` into a fresh run and returns the event file's bytes and its summary values. */
async function written(write: (w: SummaryWriter) => void) {
  const w = new SummaryWriter(tempDir(), { filenameSuffix: '.t' });
  write(w);
  await w.close();
  const bytes = readFileSync(w.path);
  // the first record is the file_version event, whose wall time is the writer's clock: compare from the second one
  const events = readEventFile(w.path).events;
  const plugins = new Map<string, string>();
  return {
    values: events.flatMap((e) => eventValues(e.event, plugins)),
    tail: bytes.subarray(bytes.length - (bytes.length - firstRecordLength(bytes))),
  };
}

function firstRecordLength(bytes: Uint8Array): number {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return 8 + 4 + len + 4;
}

describe('SummaryWriter with tf.Tensor values', () => {
  it('scalar: a rank-0 tensor, a [1] tensor, a typed array of one element, as the number', async () => {
    const plain = await written((w) => w.scalar('loss', 0.25, 3, { wallTime: WALL }));
    for (const value of [tf.scalar(0.25), tf.tensor1d([0.25]), new Float32Array([0.25]), tf.scalar(0.25, 'float32')]) {
      const got = await written((w) => w.scalar('loss', value, 3, { wallTime: WALL }));
      expect(Buffer.from(got.tail).equals(Buffer.from(plain.tail))).toBe(true);
    }
    expect(plain.values.find((v) => v.tag === 'loss')!.value).toBe(0.25);
  });

  it('step: an int32 scalar tensor (an optimizer iteration counter) as the number', async () => {
    const plain = await written((w) => w.scalar('acc', 0.5, 41, { wallTime: WALL }));
    const got = await written((w) => w.scalar('acc', tf.scalar(0.5), tf.scalar(41, 'int32'), { wallTime: WALL }));
    expect(Buffer.from(got.tail).equals(Buffer.from(plain.tail))).toBe(true);
    expect(got.values.find((v) => v.tag === 'acc')!.step).toBe(41);
  });

  it('histogram: a float32 tensor of any shape, an int32 tensor, as the plain array', async () => {
    const data = [0.5, -1.25, 3, 2, 2, 7.5];
    const plain = await written((w) => w.histogram('w', data, 1, { wallTime: WALL }));
    const t = await written((w) => w.histogram('w', tf.tensor2d(data, [2, 3]), 1, { wallTime: WALL }));
    expect(Buffer.from(t.tail).equals(Buffer.from(plain.tail))).toBe(true);
    const ints = [1, 2, 2, 5];
    const plainInts = await written((w) => w.histogram('i', ints, 1, { wallTime: WALL }));
    const tInts = await written((w) => w.histogram('i', tf.tensor1d(ints, 'int32'), 1, { wallTime: WALL }));
    expect(Buffer.from(tInts.tail).equals(Buffer.from(plainInts.tail))).toBe(true);
  });

  it('image: the shape comes from the tensor (HWC float, NHWC int32 0..255)', async () => {
    const px = Array.from({ length: 2 * 3 * 3 }, (_, i) => i / 17);
    const plain = await written((w) => w.image('img', px, 0, { height: 2, width: 3, channels: 3, wallTime: WALL }));
    const t = await written((w) => w.image('img', tf.tensor3d(px, [2, 3, 3]), 0, { wallTime: WALL }));
    expect(Buffer.from(t.tail).equals(Buffer.from(plain.tail))).toBe(true);

    const bytes = Uint8Array.from({ length: 2 * 2 * 2 * 1 }, (_, i) => i * 30);
    const plainBatch = await written((w) =>
      w.image('b', bytes, 0, { height: 2, width: 2, channels: 1, wallTime: WALL }),
    );
    const tBatch = await written((w) =>
      w.image('b', tf.tensor4d(Array.from(bytes), [2, 2, 2, 1], 'int32'), 0, { wallTime: WALL }),
    );
    expect(Buffer.from(tBatch.tail).equals(Buffer.from(plainBatch.tail))).toBe(true);
    const img = tBatch.values.find((v) => v.tag === 'b')!.value as { width: number; height: number; images: unknown[] };
    expect([img.width, img.height, img.images.length]).toEqual([2, 2, 2]);
  });

  it('hparams metrics take tensors', async () => {
    const plain = await written((w) => w.hparams({ lr: 0.1 }, { acc: 0.75 }, { wallTime: WALL, groupName: 'g' }));
    const t = await written((w) =>
      w.hparams({ lr: 0.1 }, { acc: tf.scalar(0.75) }, { wallTime: WALL, groupName: 'g' }),
    );
    expect(Buffer.from(t.tail).equals(Buffer.from(plain.tail))).toBe(true);
  });

  it('refuses a tensor of more than one element as a scalar, and string tensors, naming them', async () => {
    const w = new SummaryWriter(tempDir());
    try {
      expect(() => w.scalar('x', tf.tensor1d([1, 2]), 0)).toThrow(/one element, got a tensor of shape \[2\]/);
      expect(() => w.scalar('x', tf.scalar('a'), 0)).toThrow(/numeric, got a string tensor/);
      expect(() => w.histogram('h', tf.tensor1d(['a']), 0)).toThrow(EventsError);
      expect(() => w.image('i', tf.tensor1d([1]), 0)).toThrow(/\[H, W\], \[H, W, C\] or \[N, H, W, C\]/);
      expect(() => w.image('i', tf.tensor2d([300], [1, 1], 'int32'), 0)).toThrow(/0\.\.255/);
    } finally {
      await w.close();
    }
  });
});
