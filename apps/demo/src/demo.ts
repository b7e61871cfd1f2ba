// The demo, step by step: (1) a VGG-16 in TF-slim's layout, from a TF-slim checkpoint or seeded He-normal weights
// saved as a TensorFlow checkpoint + meta graph; (2) loaded and mixed under scope `backbone` with a new head under
// `head` wired to pool5, a stop-gradient boundary between them; (3) only the head fine-tuned on a seeded synthetic
// pattern dataset; (4) TensorBoard logs, checkpoints, a merged TensorFlow-restorable model, and a check that the
// backbone did not change.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BundleReader, resolveCheckpoint, type Tensor } from '@tensorgraft/bundle-io';
import { SummaryWriter } from '@tensorgraft/events-writer';
import { graphToGraphDef, readAttr, Session } from '@tensorgraft/graph';
import {
  fromTfjs,
  globalVariables,
  type Mixed,
  mix,
  restoreMixed,
  saveMixed,
  stopTraining,
  toTfjs,
} from '@tensorgraft/mixer';
import { baseDType, crc32c, dtypeName } from '@tensorgraft/proto';
import { CheckpointManager, checkpointExists, getCheckpointState } from '@tensorgraft/saver';
import { type Dataset, imageBytes, makeDataset } from './dataset.js';
import { formatG } from './format.js';
import { buildHead } from './head.js';
import type { Options } from './options.js';
import { describePreprocess, noPreprocess, type Preprocess, vggPreprocess } from './preprocess.js';
import { Progress } from './progress.js';
import { Rng } from './rng.js';
import { addTraining } from './train.js';
import { type VggConfig, vggConfig, vggConfigFromCheckpoint, vggLayers, writeVgg16 } from './vgg16.js';

export interface DemoResult {
  out: string;
  weights: 'tf-slim checkpoint' | 'seeded He-normal (not ImageNet)';
  /**
   * `prefix`: the checkpoint the backbone's weights were read from (the --checkpoint file, or the one written);
   * `format`: its kind; `written`: the files this run wrote for the backbone (none when reused).
   */
  vgg: {
    prefix: string;
    format: string;
    metaGraph: string;
    written: string[];
    parameters: number;
    reused: boolean;
  };
  /** What the backbone was fed, in words (for the Python hint). */
  preprocessing: string;
  /** Variables restored from checkpoints, and those initialised: head variables and optimizer/step state. */
  restored: { variables: number; initializedHead: number; initializedTraining: number };
  backbone: { variables: number; checksumBefore: string; checksumAfter: string; unchanged: boolean };
  head: { variables: string[]; trainable: string[]; boundary: string[] };
  losses: number[];
  accuracies: number[];
  firstLoss: number;
  lastLoss: number;
  evalAccuracy: number;
  logdir: string;
  eventFile: string;
  checkpoints: string[];
  final: { prefix: string; metaGraph: string; sample: string };
  seconds: Record<string, number>;
  backend: string;
}

export type Log = (line: string) => void;

const POOL5 = 'backbone/vgg_16/pool5/MaxPool:0';
const INPUT = 'backbone/inputs:0';

export async function runDemo(o: Options, log: Log): Promise<DemoResult> {
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    seconds[name] = Math.round(now - t) / 1000;
    t = now;
  };
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const cfg: VggConfig = o.checkpoint
    ? vggConfigFromCheckpoint(o.checkpoint)
    : vggConfig(o['image-size'] ?? 224, o['vgg-width'] ?? 1);
  const size = cfg.imageSize;

  // 1. the backbone, as a TensorFlow checkpoint + meta graph
  const vgg = writeVgg16(join(out, 'vgg_16'), cfg, o.seed, !o.checkpoint);
  const ckpt = o.checkpoint ?? vgg.prefix;
  const ckptFormat = resolveCheckpoint(ckpt).format;
  const weights = o.checkpoint ? 'tf-slim checkpoint' : 'seeded He-normal (not ImageNet)';
  const preprocess = o.checkpoint ? vggPreprocess : noPreprocess;
  const written = vgg.reused
    ? []
    : o.checkpoint
      ? [vgg.metaGraph]
      : [`${vgg.prefix}.index`, `${vgg.prefix}.data-00000-of-00001`, vgg.metaGraph];
  log(
    o.checkpoint
      ? `VGG-16 graph (TF-slim layout, ${millions(vgg.parameters)} parameters, ${size}x${size} input, shapes from the checkpoint) written to ${vgg.metaGraph}; weights from ${o.checkpoint}`
      : `VGG-16 (TF-slim layout, ${millions(vgg.parameters)} parameters, ${size}x${size} input) ${vgg.reused ? 'reused from' : 'saved to'} ${vgg.prefix}` +
          `\n  NOTE: these are seeded He-initialised weights, NOT ImageNet weights (pass --checkpoint vgg_16.ckpt for those)`,
  );
  lap('vgg');

  // 2. mix the backbone with a new head, stop training the backbone (not trainable, stop-gradient at its features)
  const layers = vggLayers(cfg);
  const p5 = size / 32;
  const c5 = layers[12]!.shape[3];
  const headMeta = buildHead({ featureShape: [p5, p5, c5], hidden: o.hidden, numClasses: o.classes, seed: o.seed });
  const mixed = mix([
    { scope: 'backbone', metaGraph: vgg.metaGraph, checkpoint: ckpt },
    { scope: 'head', metaGraph: headMeta, inputMap: { 'features:0': POOL5 } },
  ]);
  const plan = stopTraining(mixed, { scopes: ['backbone'] });
  const training = addTraining(mixed.graph, {
    logits: mixed.tensor('head', 'logits_out:0'),
    numClasses: o.classes,
    optimizer: o.optimizer,
    learningRate: o.lr,
  });
  const session = new Session(mixed.graph);
  const backend = await session.ready();
  const restored = await restoreMixed(session, mixed);
  const headVariables = new Set(mixed.model('head').variables);
  const initializedHead = restored.initialized.filter((v) => headVariables.has(v)).length;
  const initializedTraining = restored.initialized.length - initializedHead;
  log(
    `mixed: backbone/ (${mixed.model('backbone').variables.length} variables from ${ckpt}) + head/ ` +
      `(${mixed.model('head').variables.length} variables, wired to ${POOL5})` +
      `\n  not trained: ${plan.frozen.length} variables (backbone/*, head/norm/*); trainable: ${plan.trainable.join(', ')}` +
      `\n  stop gradient: ${plan.boundaries.map((b) => `${b.tensor} -> ${b.stopGradient}`).join(', ')}` +
      `\n  restored ${restored.restored.length} variables; initialised ${initializedHead} head variables + ` +
      `${initializedTraining} optimizer/step variables; backend ${backend}`,
  );
  const backboneVars = mixed.model('backbone').variables;
  const checksumBefore = await checksum(session, mixed, backboneVars);
  lap('load');

  // 3. data and frozen features (computed once: the backbone is frozen, so they cannot change)
  const train = makeDataset(o['train-images'], size, o.classes, o.seed + 1);
  const evalSet = makeDataset(o['eval-images'], size, o.classes, o.seed + 2);
  log(
    `dataset: ${train.count} training + ${evalSet.count} held-out ${size}x${size} images of ${o.classes} patterns (${train.classes.join(', ')})` +
      `\n  backbone frozen: its pool5 features are computed once per image and fed to the head` +
      `\n  the head standardises them per channel with the training set's mean and spread (head/norm/*, not trained)`,
  );
  const trainFeatures = await features(session, train, 'features (train)', preprocess);
  const evalFeatures = await features(session, evalSet, 'features (eval)', preprocess);
  await standardise(session, trainFeatures);
  lap('features');

  // 4. fine-tune the head, with TensorBoard logs and checkpoints
  const headVars = [...globalVariables(mixed.graph).keys()].filter((n) => !n.startsWith('backbone/'));
  const held = new Map<string, Tensor>();
  const managerDir = join(out, 'checkpoints');
  mkdirSync(managerDir, { recursive: true });
  let manager: CheckpointManager | undefined;
  let first = 1;
  let resumedFrom: string | undefined;
  if (o.resume) {
    resumedFrom = await resumeHead(session, managerDir, headVars);
    const gs = (await session.run(snapshotOf(mixed, 'global_step'))) as tf.Tensor;
    first = Number((await gs.data())[0]) + 1;
    gs.dispose();
    log(
      resumedFrom
        ? `resumed the head from ${resumedFrom} (step ${first - 1})`
        : `nothing to resume in ${managerDir}: starting fresh`,
    );
  }
  // a resumed run continues the newest TensorBoard run (one curve): its writer marks the restart at `first`, so
  // TensorBoard drops whatever that run logged past the checkpoint it resumed from
  const previousRun = resumedFrom ? newestRun(join(out, 'logs')) : undefined;
  const logdir = previousRun ?? join(out, 'logs', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const writer = new SummaryWriter(logdir, previousRun ? { resumeFromStep: first } : {});
  if (!previousRun) {
    writer.graph(graphToGraphDef(mixed.graph));
    writer.text('about', `VGG-16 weights: ${weights}. Head fine-tuned with ${o.optimizer}, lr ${o.lr}.`, 0);
    for (let k = 0; k < Math.min(3, train.count); k++) {
      writer.image(`data/${train.classes[train.labels[k]!]}`, imageBytes(train, k), 0, {
        height: size,
        width: size,
        channels: 3,
      });
    }
  } else {
    log(`TensorBoard: continuing the run in ${previousRun}`);
  }
  const rng = new Rng(o.seed + 3);
  let order: number[] = [];
  const losses: number[] = [];
  const accuracies: number[] = [];
  const bar = new Progress('fine-tuning', o.steps);
  const last = first + o.steps - 1;
  for (let step = first; step <= last; step++) {
    const idx: number[] = [];
    while (idx.length < Math.min(o.batch, train.count)) {
      if (!order.length) order = rng.shuffle([...Array(train.count).keys()]);
      idx.push(order.pop()!);
    }
    const feats = gather(trainFeatures, idx);
    const labels = oneHot(
      idx.map((i) => train.labels[i]!),
      o.classes,
    );
    const [, loss, logits] = (await session.run([training.trainOp, training.loss, training.logits], {
      [POOL5]: feats,
      [training.labels]: labels,
    })) as [null, tf.Tensor, tf.Tensor];
    const lossValue = (await loss.data())[0]!;
    const acc = accuracy(
      await logits.data(),
      idx.map((i) => train.labels[i]!),
      o.classes,
    );
    for (const x of [feats, labels, loss, logits]) x.dispose();
    losses.push(lossValue);
    accuracies.push(acc);
    writer.scalar('train/loss', lossValue, step);
    writer.scalar('train/accuracy', acc, step);
    if (step % o['save-every'] === 0 || step === last) {
      for (const name of ['head/hidden/weights', 'head/logits/weights']) {
        const v = (await session.run(`${name}/read:0`)) as tf.Tensor;
        writer.histogram(name, await v.data(), step);
        v.dispose();
      }
      // the head and its optimizer state go to a CheckpointManager (the backbone is frozen and already on disk)
      // values are copied into the tensors the manager holds (it reads them when it saves)
      for (const name of headVars) {
        const v = await tensorValue(session, mixed, name);
        const h = held.get(name);
        if (h) (h.data as Float32Array).set(v.data as Float32Array);
        else held.set(name, v);
      }
      manager ??= new CheckpointManager(held, managerDir, { maxToKeep: 3, checkpointName: 'head' });
      await manager.saveIfDue(step, { force: true });
    }
    bar.update(step - first + 1, `loss ${formatG(lossValue)} acc ${acc.toFixed(2)}`);
  }
  bar.done();
  lap('train');

  // held-out accuracy, through the head only (features fed)
  const evalLogits = (await session.run(training.logits, { [POOL5]: evalFeatures })) as tf.Tensor;
  const evalAccuracy = accuracy(await evalLogits.data(), Array.from(evalSet.labels), o.classes);
  evalLogits.dispose();
  // the run's settings and its held-out accuracy, for TensorBoard's hparams dashboard (the metric is a scalar too)
  writer.hparams(
    { optimizer: o.optimizer, lr: o.lr, batch: o.batch, steps: o.steps, hidden: o.hidden, seed: o.seed, weights },
    { 'eval/accuracy': evalAccuracy },
    { step: last },
  );
  await writer.close();
  trainFeatures.dispose();
  evalFeatures.dispose();

  // 5. the backbone did not change; the merged model is saved for TensorFlow (backbone bytes copied as they are)
  const checksumAfter = await checksum(session, mixed, backboneVars);
  const finalDir = join(out, 'final');
  const finalPrefix = join(finalDir, 'model.ckpt');
  const saved = await saveMixed(mixed, finalPrefix, { session, stream: 'frozen' });
  const sample = await writeSample(session, evalSet, finalDir, preprocess);
  lap('save');
  session.close();

  const firstLoss = losses[0]!;
  const lastLoss = mean(losses.slice(-Math.max(1, Math.min(5, Math.floor(losses.length / 4)))));
  return {
    out,
    weights,
    vgg: {
      prefix: ckpt,
      format: ckptFormat,
      metaGraph: vgg.metaGraph,
      written,
      parameters: vgg.parameters,
      reused: vgg.reused,
    },
    preprocessing: describePreprocess(o.checkpoint !== undefined),
    restored: { variables: restored.restored.length, initializedHead, initializedTraining },
    backbone: {
      variables: backboneVars.length,
      checksumBefore,
      checksumAfter,
      unchanged: checksumBefore === checksumAfter,
    },
    head: {
      variables: mixed.model('head').variables,
      trainable: plan.trainable,
      boundary: plan.boundaries.map((b) => `${b.tensor} -> ${b.stopGradient}`),
    },
    losses,
    accuracies,
    firstLoss,
    lastLoss,
    evalAccuracy,
    logdir,
    eventFile: writer.path,
    checkpoints: manager ? manager.checkpoints : [],
    final: { prefix: saved.prefix, metaGraph: saved.metaGraph!, sample },
    seconds,
    backend,
  };
}

function snapshotOf(mixed: Mixed, variable: string): string {
  return globalVariables(mixed.graph).get(variable)?.snapshot_name ?? `${variable}:0`;
}

/** A variable's value as a checkpoint tensor of its own dtype (global_step stays int64). */
async function tensorValue(session: Session, mixed: Mixed, variable: string): Promise<Tensor> {
  const v = (await session.run(snapshotOf(mixed, variable))) as tf.Tensor;
  const dt = readAttr.type(mixed.graph.requireNode(variable), 'dtype');
  try {
    return fromTfjs(v, dtypeName(baseDType(dt)), variable);
  } finally {
    v.dispose();
  }
}

/** --resume: the head (and its optimizer state, global step) from the newest CheckpointManager checkpoint. */
async function resumeHead(session: Session, dir: string, names: readonly string[]): Promise<string | undefined> {
  const latest = getCheckpointState(dir)?.modelCheckpointPath;
  if (!latest || !checkpointExists(latest)) return undefined;
  const r = BundleReader.open(latest);
  try {
    for (const name of names) {
      if (!r.has(name)) continue;
      const t = toTfjs(r.get(name), name);
      session.assignVariable(name, t);
      t.dispose();
    }
  } finally {
    r.close();
  }
  return latest;
}

/** crc32c over every variable's bytes, in name order: equal before and after means nothing changed. */
async function checksum(session: Session, mixed: Mixed, variables: readonly string[]): Promise<string> {
  let crc = 0;
  for (const name of [...variables].sort()) {
    const v = (await session.run(snapshotOf(mixed, name))) as tf.Tensor;
    const data = (await v.data()) as Float32Array;
    crc = crc32c(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), crc);
    v.dispose();
  }
  return crc.toString(16).padStart(8, '0');
}

/** The newest `run-*` directory under `logs` (names sort by their ISO time), if any. */
function newestRun(logs: string): string | undefined {
  if (!existsSync(logs)) return undefined;
  const runs = readdirSync(logs, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('run-'))
    .map((e) => e.name)
    .sort();
  return runs.length ? join(logs, runs[runs.length - 1]!) : undefined;
}

async function features(session: Session, d: Dataset, label: string, preprocess: Preprocess): Promise<tf.Tensor> {
  const bar = new Progress(label, d.count);
  const px = d.size * d.size * 3;
  const parts: tf.Tensor[] = [];
  const chunk = 4;
  for (let i = 0; i < d.count; i += chunk) {
    const n = Math.min(chunk, d.count - i);
    const x = tf.tensor(preprocess(d.images.subarray(i * px, (i + n) * px)), [n, d.size, d.size, 3]);
    parts.push((await session.run(POOL5, { [INPUT]: x })) as tf.Tensor);
    x.dispose();
    bar.update(i + n);
  }
  bar.done();
  const all = tf.concat(parts, 0);
  for (const p of parts) p.dispose();
  return all;
}

/** head/norm/{mean,scale} from the training features' spatial means, per channel. */
async function standardise(session: Session, feats: tf.Tensor): Promise<void> {
  const [mean, scale] = tf.tidy(() => {
    const pooled = tf.mean(feats, [1, 2]);
    const { mean, variance } = tf.moments(pooled, 0);
    return [mean, tf.div(1, tf.sqrt(tf.add(variance, 1e-6)))];
  });
  session.assignVariable('head/norm/mean', mean!);
  session.assignVariable('head/norm/scale', scale!);
  mean!.dispose();
  scale!.dispose();
}

function gather(x: tf.Tensor, idx: number[]): tf.Tensor {
  return tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32')));
}

function oneHot(labels: number[], k: number): tf.Tensor {
  const out = new Float32Array(labels.length * k);
  labels.forEach((l, i) => {
    out[i * k + l] = 1;
  });
  return tf.tensor(out, [labels.length, k]);
}

function accuracy(logits: ArrayLike<number>, labels: readonly number[], k: number): number {
  let right = 0;
  labels.forEach((l, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + best]!) best = j;
    if (best === l) right++;
  });
  return right / labels.length;
}

const millions = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${n}`);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One held-out image and the mixed model's probabilities for it, for checking TensorFlow gets the same. */
async function writeSample(session: Session, d: Dataset, dir: string, preprocess: Preprocess): Promise<string> {
  const px = d.size * d.size * 3;
  const n = Math.min(2, d.count);
  // as the backbone is fed (preprocessed), so TensorFlow given these bytes computes the same
  const images = preprocess(d.images.slice(0, n * px));
  const x = tf.tensor(images, [n, d.size, d.size, 3]);
  const probs = (await session.run('head/probs:0', { [INPUT]: x })) as tf.Tensor;
  const path = join(dir, 'sample.json');
  writeFileSync(join(dir, 'sample-images.bin'), Buffer.from(images.buffer, images.byteOffset, images.byteLength));
  writeFileSync(
    path,
    JSON.stringify({
      input: INPUT,
      output: 'head/probs:0',
      images: 'sample-images.bin',
      shape: [n, d.size, d.size, 3],
      labels: Array.from(d.labels.slice(0, n)),
      probs: Array.from(await probs.data()),
    }),
  );
  x.dispose();
  probs.dispose();
  return path;
}
