// The demo end to end on tiny settings (a 1/16-width VGG-16 at 32x32): the backbone's checksum is unchanged, the
// loss goes down, and every file it writes reads back with our own readers.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleReader } from '@tensorgraft/bundle-io';
import { type DemoResult, makeDataset, parseOptions, report, runDemo } from '@tensorgraft/demo';
import { eventValues, readEventFile } from '@tensorgraft/events-writer';
import { parseMetaGraph } from '@tensorgraft/graph';
import { crc32c } from '@tensorgraft/proto';
import { getCheckpointState } from '@tensorgraft/saver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const out = mkdtempSync(join(tmpdir(), 'demo-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const tiny = [
  '--out',
  out,
  '--image-size',
  '32',
  '--vgg-width',
  '0.0625',
  '--steps',
  '30',
  '--batch',
  '8',
  '--train-images',
  '16',
  '--eval-images',
  '8',
  '--save-every',
  '10',
  '--seed',
  '7',
  '--lr',
  '0.01',
];
let result: DemoResult;
const lines: string[] = [];
beforeAll(async () => {
  result = await runDemo(parseOptions(tiny), (l) => lines.push(l));
});

describe('demo', () => {
  it('counts what it initialised: head variables and optimizer/step variables, computed', () => {
    const head = 6; // hidden, logits (weights and biases), norm mean and scale
    expect(result.restored.initializedHead).toBe(head);
    // adam: two slots per trainable variable (4), beta1/beta2 powers, global_step
    expect(result.restored.initializedTraining).toBe(4 * 2 + 2 + 1);
    expect(lines.join('\n')).toContain('initialised 6 head variables + 11 optimizer/step variables');
    expect(result.vgg.written.map((f) => f.slice(out.length))).toEqual([
      '/vgg_16/vgg_16.ckpt.index',
      '/vgg_16/vgg_16.ckpt.data-00000-of-00001',
      '/vgg_16/vgg_16.ckpt.meta',
    ]);
    expect(report(result)).toMatch(/time: write backbone checkpoint \+ meta graph [\d.]+s, load \+ mix/);
  });

  it('says the weights are not ImageNet weights, and leaves the backbone unchanged', () => {
    expect(result.weights).toBe('seeded He-normal (not ImageNet)');
    expect(lines.join('\n')).toContain('NOT ImageNet weights');
    expect(result.backbone.variables).toBe(32);
    expect(result.backbone.checksumBefore).toMatch(/^[0-9a-f]{8}$/);
    expect(result.backbone.checksumAfter).toBe(result.backbone.checksumBefore);
    expect(result.head.trainable).toEqual([
      'head/hidden/weights',
      'head/hidden/biases',
      'head/logits/weights',
      'head/logits/biases',
    ]);
    expect(result.head.boundary).toEqual(['backbone/vgg_16/pool5/MaxPool:0 -> head/stop_gradient']);
  });

  it('fine-tunes the head: the loss goes down', () => {
    expect(result.losses).toHaveLength(30);
    expect(result.losses.every(Number.isFinite)).toBe(true);
    expect(result.lastLoss).toBeLessThan(result.firstLoss * 0.8);
  });

  it('writes a merged checkpoint whose backbone is the VGG checkpoint byte for byte', () => {
    const vgg = BundleReader.open(result.vgg.prefix);
    const merged = BundleReader.open(result.final.prefix);
    expect(vgg.names()).toHaveLength(32);
    for (const name of vgg.names()) {
      const a = vgg.entry(name);
      const b = merged.entry(`backbone/${name}`);
      expect([b.dtype, b.shape, b.crc32c]).toEqual([a.dtype, a.shape, a.crc32c]);
    }
    const head = merged.names().filter((n) => n.startsWith('head/'));
    expect(head).toEqual(expect.arrayContaining(result.head.trainable));
    merged.close();
    vgg.close();
    const meta = parseMetaGraph(readFileSync(result.final.metaGraph));
    expect(meta.saver_def?.restore_op_name).toBe('save/restore_all');
  });

  it('keeps the last 3 head checkpoints with a CheckpointManager state file', () => {
    const state = getCheckpointState(join(out, 'checkpoints'));
    expect(state?.modelCheckpointPath).toBe(join(out, 'checkpoints', 'head-30'));
    expect(state?.allModelCheckpointPaths).toEqual(
      ['10', '20', '30'].map((s) => join(out, 'checkpoints', `head-${s}`)),
    );
    const r = BundleReader.open(join(out, 'checkpoints', 'head-30'));
    expect(r.names()).toEqual(expect.arrayContaining(['head/hidden/weights', 'head/logits/biases']));
    expect(r.names().some((n) => n.startsWith('backbone/'))).toBe(false);
    r.close();
  });

  it('logs loss and accuracy per step, head weight histograms, sample images and the graph to TensorBoard', () => {
    expect(existsSync(result.eventFile)).toBe(true);
    const events = readEventFile(result.eventFile);
    const values = events.events.flatMap((e) => eventValues(e.event));
    const scalars = (tag: string) => values.filter((v) => v.tag === tag && v.kind === 'scalar');
    expect(scalars('train/loss').map((v) => v.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const losses = scalars('train/loss').map((v) => (v as { value: number }).value);
    expect(losses.map((l, i) => Math.abs(l - result.losses[i]!) < 1e-6 * Math.max(1, l))).not.toContain(false);
    expect(scalars('train/accuracy')).toHaveLength(30);
    expect(scalars('eval/accuracy')).toHaveLength(1);
    expect(values.filter((v) => v.tag === 'head/hidden/weights' && v.kind === 'histogram').map((v) => v.step)).toEqual([
      10, 20, 30,
    ]);
    expect(values.some((v) => v.kind === 'image')).toBe(true);
    expect(values.some((v) => v.kind === 'graph')).toBe(true);
    const hp = values.find((v) => v.kind === 'hparams' && v.tag === '_hparams_/session_start_info');
    expect(hp).toBeDefined();
  });
});

describe('demo --resume', () => {
  it('continues from the newest head checkpoint: steps count on, the loss starts where it ended', async () => {
    const again = await runDemo(parseOptions([...tiny, '--steps', '10', '--resume']), () => {});
    expect(again.losses).toHaveLength(10);
    // the same TensorBoard run goes on (one curve): steps 1..30, then 31..40 after a restart marker at 31
    expect(again.logdir).toBe(result.logdir);
    const values = readEventFile(again.eventFile).events;
    expect(values.some((e) => e.event.session_log?.status === 1 && Number(e.event.step) === 31)).toBe(true);
    const steps = values
      .flatMap((e) => eventValues(e.event))
      .filter((v) => v.tag === 'train/loss')
      .map((v) => Number(v.step));
    expect(steps).toEqual(Array.from({ length: 10 }, (_, i) => i + 31));
    expect(again.losses[0]!).toBeLessThan(result.firstLoss * 0.5);
    expect(again.backbone.checksumBefore).toBe(result.backbone.checksumBefore);
    const state = getCheckpointState(join(out, 'checkpoints'));
    expect(state?.allModelCheckpointPaths).toEqual(
      ['20', '30', '40'].map((s) => join(out, 'checkpoints', `head-${s}`)),
    );
    const r = BundleReader.open(join(out, 'checkpoints', 'head-40'));
    const step = r.get('global_step');
    expect([step.dtype, Array.from(step.data as BigInt64Array)]).toEqual(['int64', [40n]]);
    r.close();
  });
});

describe('demo with --checkpoint', () => {
  it('reads the architecture from a TF-written TF-slim checkpoint and restores exactly its values', async () => {
    const fixture = join(
      dirname(fileURLToPath(import.meta.url)),
      '..',
      '..',
      '..',
      'fixtures',
      'models',
      'vgg16_small',
      'model.ckpt',
    );
    const dir = mkdtempSync(join(tmpdir(), 'demo-ck-'));
    try {
      const r = await runDemo(
        parseOptions([
          '--out',
          dir,
          '--checkpoint',
          fixture,
          '--steps',
          '6',
          '--train-images',
          '8',
          '--eval-images',
          '4',
        ]),
        () => {},
      );
      expect(r.weights).toBe('tf-slim checkpoint');
      // what was read and what was written, each file named existing
      expect([r.vgg.prefix, r.vgg.format]).toEqual([fixture, 'v2']);
      expect(r.vgg.written).toEqual([join(dir, 'vgg_16', 'vgg_16.ckpt.meta')]);
      for (const f of r.vgg.written) expect(existsSync(f)).toBe(true);
      const text = report(r);
      expect(text).toContain(`backbone weights read from        ${fixture} (V2 checkpoint)`);
      expect(text).not.toContain('{.index,.meta}');
      // real weights get TF-slim's VGG preprocessing: the sample fed to the backbone is 0..255 minus the means
      expect(r.preprocessing).toContain('minus the ImageNet channel means [123.68, 116.78, 103.94]');
      expect(text).toContain(`images: ${r.preprocessing}`);
      const sample = JSON.parse(readFileSync(r.final.sample, 'utf8')) as { images: string; shape: number[] };
      const bytes = readFileSync(join(dirname(r.final.sample), sample.images));
      const px = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      // the held-out set (seed 42 + 2) as made, then 0..255 minus the means per channel
      const raw = makeDataset(4, sample.shape[1]!, 4, 44).images.subarray(0, px.length);
      const means = [123.68, 116.78, 103.94];
      expect(Array.from(px)).toEqual(Array.from(raw, (v, i) => Math.fround(v * 255 - means[i % 3]!)));
      // the checksum of the restored backbone is the checksum of TensorFlow's tensors, in the same order
      const src = BundleReader.open(fixture);
      let crc = 0;
      for (const name of src
        .names()
        .filter((n) => n.startsWith('vgg_16/'))
        .sort()) {
        const d = src.get(name).data as Float32Array;
        crc = crc32c(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), crc);
      }
      src.close();
      expect(r.backbone.checksumBefore).toBe(crc.toString(16).padStart(8, '0'));
      expect(r.backbone.unchanged).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
