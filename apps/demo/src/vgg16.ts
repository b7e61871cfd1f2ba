// VGG-16 in TF-slim's layout (nets/vgg.py vgg_16): `vgg_16/conv1/conv1_1/{weights,biases}` ... 13 3x3 SAME
// convolutions in 5 blocks (2, 2, 3, 3, 3) each followed by `vgg_16/poolN/MaxPool` (2x2, stride 2), then fc6 as a
// VALID convolution as wide as pool5 (7x7 at 224x224), fc7 and fc8 as 1x1 convolutions, `vgg_16/fc8/squeezed`. Dropout
// is left out (inference graph). The same names as TF-slim's vgg_16.ckpt, so that checkpoint restores into it.
// Without one, the weights are seeded He-normal draws (biases 0) written straight into a V2 checkpoint: NOT ImageNet.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleWriter, openCheckpoint } from '@tensorgraft/bundle-io';
import { addSaverOps, exportMetaGraph, Graph, GraphBuilder, serializeMetaGraph } from '@tensorgraft/graph';
import { writeFileAtomic } from '@tensorgraft/saver';
import { Rng } from './rng.js';

export interface VggConfig {
  /** Input height and width (a multiple of 32: pool5 is imageSize/32 wide, and so is fc6's kernel). */
  imageSize: number;
  /** Output channels of the five conv blocks (VGG-16: 64, 128, 256, 512, 512). */
  channels: readonly [number, number, number, number, number];
  /** fc6/fc7 width (VGG-16: 4096). */
  fc: number;
  numClasses: number;
}

const REPEATS = [2, 2, 3, 3, 3] as const;
const VGG16 = [64, 128, 256, 512, 512] as const;

/** VGG-16 at `imageSize`, every width scaled by `width` (1: the real thing). */
export function vggConfig(imageSize: number, width = 1, numClasses = 1000): VggConfig {
  const ch = (n: number) => Math.max(1, Math.round(n * width));
  return { imageSize, channels: VGG16.map(ch) as unknown as VggConfig['channels'], fc: ch(4096), numClasses };
}

/** The architecture a TF-slim vgg_16 checkpoint holds, read from its tensors' shapes. */
export function vggConfigFromCheckpoint(path: string): VggConfig {
  const r = openCheckpoint(path);
  try {
    const shape = (name: string) => {
      if (!r.has(name)) throw new Error(`${path} is not a TF-slim vgg_16 checkpoint: it has no tensor '${name}'`);
      return r.entry(name).shape;
    };
    const channels = REPEATS.map((_, b) => shape(`vgg_16/conv${b + 1}/conv${b + 1}_1/weights`)[3]!);
    const fc6 = shape('vgg_16/fc6/weights');
    const fc8 = shape('vgg_16/fc8/weights');
    return {
      imageSize: 32 * fc6[0]!,
      channels: channels as unknown as VggConfig['channels'],
      fc: fc6[3]!,
      numClasses: fc8[3]!,
    };
  } finally {
    r.close();
  }
}

export interface VggLayer {
  scope: string;
  /** [k, k, cin, cout] */
  shape: [number, number, number, number];
}

/** Every conv layer in order: scope (`conv3/conv3_2`, `fc6`) and kernel shape. */
export function vggLayers(c: VggConfig): VggLayer[] {
  const layers: VggLayer[] = [];
  let cin = 3;
  REPEATS.forEach((n, b) => {
    for (let j = 1; j <= n; j++) {
      layers.push({ scope: `conv${b + 1}/conv${b + 1}_${j}`, shape: [3, 3, cin, c.channels[b]!] });
      cin = c.channels[b]!;
    }
  });
  const k = c.imageSize / 32;
  layers.push({ scope: 'fc6', shape: [k, k, cin, c.fc] });
  layers.push({ scope: 'fc7', shape: [1, 1, c.fc, c.fc] });
  layers.push({ scope: 'fc8', shape: [1, 1, c.fc, c.numClasses] });
  return layers;
}

export interface VggGraph {
  graph: Graph;
  input: string;
  pool5: string;
  fc7: string;
  logits: string;
}

/** The inference graph, variables zero-initialised (their values come from a checkpoint). */
export function buildVgg16(c: VggConfig): VggGraph {
  const graph = new Graph();
  const b = new GraphBuilder(graph);
  const input = b.placeholder('float32', [null, c.imageSize, c.imageSize, 3], 'inputs');
  const layers = vggLayers(c);
  const conv = (h: string, layer: VggLayer, padding: 'SAME' | 'VALID', relu: boolean) =>
    b.nameScope(layer.scope.split('/').at(-1)!, () => {
      const w = b.variable('weights', layer.shape, { zeros: true });
      const bias = b.variable('biases', [layer.shape[3]], { zeros: true });
      const y = b.biasAdd(b.conv2d(h, w, [1, 1], padding), bias);
      return relu ? b.relu(y) : y;
    });
  let pool5 = '';
  let fc7 = '';
  const logits = b.nameScope('vgg_16', () => {
    let h = input;
    let i = 0;
    REPEATS.forEach((n, blk) => {
      h = b.nameScope(`conv${blk + 1}`, () => {
        let x = h;
        for (let j = 0; j < n; j++) x = conv(x, layers[i++]!, 'SAME', true);
        return x;
      });
      h = b.nameScope(`pool${blk + 1}`, () => b.maxPool(h, 2, 2, 'VALID', 'MaxPool'));
    });
    pool5 = h;
    h = conv(h, layers[i++]!, 'VALID', true);
    fc7 = conv(h, layers[i++]!, 'SAME', true);
    h = conv(fc7, layers[i++]!, 'SAME', false);
    return b.nameScope('fc8', () => b.squeeze(h, [1, 2], 'squeezed'));
  });
  return { graph, input, pool5, fc7, logits };
}

export interface VggFiles {
  prefix: string;
  metaGraph: string;
  parameters: number;
  bytes: number;
  /** The checkpoint was already there from an earlier run with the same settings. */
  reused: boolean;
}

/** Writes `<dir>/vgg_16.ckpt.meta` and, with `withWeights`, a seeded He-normal `<dir>/vgg_16.ckpt`. */
export function writeVgg16(dir: string, c: VggConfig, seed: number, withWeights: boolean): VggFiles {
  mkdirSync(dir, { recursive: true });
  const prefix = join(dir, 'vgg_16.ckpt');
  const metaGraph = `${prefix}.meta`;
  const settingsPath = join(dir, 'settings.json');
  const settings = JSON.stringify({ ...c, seed, withWeights });
  const layers = vggLayers(c);
  const parameters = layers.reduce((s, l) => s + l.shape.reduce((a, d) => a * d, 1) + l.shape[3], 0);
  const reused =
    existsSync(metaGraph) &&
    existsSync(settingsPath) &&
    readFileSync(settingsPath, 'utf8') === settings &&
    (!withWeights || existsSync(`${prefix}.index`));
  if (reused) return { prefix, metaGraph, parameters, bytes: parameters * 4, reused };

  const vgg = buildVgg16(c);
  const saverDef = addSaverOps(vgg.graph);
  writeFileAtomic(metaGraph, serializeMetaGraph(exportMetaGraph(vgg.graph, { saverDef })));
  if (withWeights) {
    const rng = new Rng(seed);
    const tensors = layers.flatMap((l) => [
      {
        name: `vgg_16/${l.scope}/weights`,
        shape: l.shape as number[],
        std: Math.sqrt(2 / (l.shape[0] * l.shape[1] * l.shape[2])),
      },
      { name: `vgg_16/${l.scope}/biases`, shape: [l.shape[3]], std: 0 },
    ]);
    // generated in layer order (so the numbers do not depend on key order), written sorted by key as Saver does
    const order = [...tensors].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    const values = new Map<string, Float32Array>();
    const writer = new BundleWriter(prefix);
    try {
      let next = 0;
      for (const t of order) {
        while (!values.has(t.name)) {
          const g = tensors[next++]!;
          const n = g.shape.reduce((a, d) => a * d, 1);
          values.set(g.name, g.std === 0 ? new Float32Array(n) : rng.normals(n, g.std));
        }
        writer.add(t.name, { dtype: 'float32', shape: t.shape, data: values.get(t.name)! });
        values.delete(t.name);
      }
      writer.finish();
    } catch (err) {
      writer.abort();
      throw err;
    }
  }
  writeFileSync(settingsPath, settings);
  return { prefix, metaGraph, parameters, bytes: parameters * 4, reused: false };
}
