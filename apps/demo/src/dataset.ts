// A small synthetic image dataset, seeded: each class is a kind of pattern (horizontal stripes, vertical stripes,
// checkerboard, rings, diagonal stripes, dots) in its own tint, with a random frequency, phase, tint variation and
// noise per image.
// Pixels are float32 in [-1, 1], NHWC.
import { Rng } from './rng.js';

export const PATTERNS = ['horizontal', 'vertical', 'checker', 'rings', 'diagonal', 'dots'] as const;

const CLASS_TINTS = [
  [0.9, 0.3, 0.3],
  [0.3, 0.9, 0.3],
  [0.3, 0.3, 0.9],
  [0.9, 0.9, 0.3],
  [0.9, 0.3, 0.9],
  [0.3, 0.9, 0.9],
] as const;

export interface Dataset {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  size: number;
  classes: string[];
}

export function makeDataset(count: number, size: number, numClasses: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const classes = PATTERNS.slice(0, numClasses) as unknown as string[];
  const images = new Float32Array(count * size * size * 3);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const k = n % numClasses; // balanced classes, then shuffled by the batcher
    labels[n] = k;
    const freq = (2 + rng.next() * 4) / size;
    const phase = rng.next() * Math.PI * 2;
    // each class has its own tint (as real classes have their typical colours), varied per image
    const colour = CLASS_TINTS[k]!.map((v) => Math.min(1, Math.max(0.1, v + 0.25 * (rng.next() * 2 - 1))));
    const cx = size * (0.3 + 0.4 * rng.next());
    const cy = size * (0.3 + 0.4 * rng.next());
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const s = pattern(classes[k]!, x, y, freq, phase, cx, cy);
        const o = ((n * size + y) * size + x) * 3;
        for (let c = 0; c < 3; c++) images[o + c] = clamp(s * colour[c]! + 0.15 * (rng.next() * 2 - 1));
      }
    }
  }
  return { images, labels, count, size, classes };
}

function pattern(kind: string, x: number, y: number, f: number, ph: number, cx: number, cy: number): number {
  const w = 2 * Math.PI * f;
  switch (kind) {
    case 'horizontal':
      return Math.sign(Math.sin(w * y + ph));
    case 'vertical':
      return Math.sign(Math.sin(w * x + ph));
    case 'checker':
      return Math.sign(Math.sin(w * x + ph) * Math.sin(w * y + ph));
    case 'rings':
      return Math.sign(Math.sin(w * Math.hypot(x - cx, y - cy) + ph));
    case 'diagonal':
      return Math.sign(Math.sin(w * (x + y) * Math.SQRT1_2 + ph));
    default:
      return Math.sin(w * x + ph) * Math.sin(w * y + ph) > 0.5 ? 1 : -1;
  }
}

const clamp = (v: number) => Math.min(1, Math.max(-1, v));

/** One image as uint8 RGB (for a TensorBoard image summary). */
export function imageBytes(d: Dataset, n: number): Uint8Array {
  const px = d.size * d.size * 3;
  const out = new Uint8Array(px);
  for (let i = 0; i < px; i++) out[i] = Math.round((d.images[n * px + i]! + 1) * 127.5);
  return out;
}
