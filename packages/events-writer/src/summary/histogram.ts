// Histograms, two forms:
//   TF2 (default): Summary.Value {tag, tensor: float64 [k, 3] of (left edge, right edge, count), metadata: plugin
//     "histograms"}; k equal-width buckets between min and max, computed as tensorboard/plugins/histogram/summary_v2.py
//     does (bucket i = floor((x - min) / width) clamped to k - 1; edges min + i * width, the last edge exactly max).
//   legacy: Summary.Value {tag, histo: HistogramProto}; TensorFlow's C++ histogram (core/lib/histogram/histogram.cc):
//     fixed bucket limits growing by 10% from 1e-12 to 1e20 on each side of 0, runs of empty buckets merged into one.
import type { tensorflow } from '@tensorgraft/proto';
import { EventsError } from '../errors.js';
import { pluginMetadata } from './plugin-metadata.js';
import { float64MatrixTensor } from './tensors.js';
import { toFloat64 } from './values.js';

export const DEFAULT_BUCKET_COUNT = 30;
export const MAX_BUCKET_COUNT = 10_000;

/** The TF2 [k, 3] bucket table, row-major (left, right, count per row). */
export function histogramBuckets(data: Float64Array, bucketCount: number): Float64Array {
  const k = bucketCount;
  const out = new Float64Array(k * 3);
  const n = data.length;
  if (n === 0) return out; // all zeros, as TensorBoard writes for empty data
  let min = data[0]!;
  let max = data[0]!;
  for (let i = 1; i < n; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  if (range === 0) {
    // Every bucket's edges are the value; all the count sits in the last bucket.
    for (let b = 0; b < k; b++) {
      out[b * 3] = max;
      out[b * 3 + 1] = max;
    }
    out[(k - 1) * 3 + 2] = n;
    return out;
  }
  const width = range / k;
  for (let i = 0; i < n; i++) {
    const b = Math.min(Math.floor((data[i]! - min) / width), k - 1);
    out[b * 3 + 2]! += 1;
  }
  for (let b = 0; b < k; b++) {
    out[b * 3] = b === 0 ? min : min + b * width;
    out[b * 3 + 1] = b === k - 1 ? max : min + (b + 1) * width;
  }
  return out;
}

export function histogramValue(
  tag: string,
  values: unknown,
  options: { buckets?: number; legacy?: boolean } = {},
): tensorflow.Summary.Value.$Properties {
  const data = toFloat64(values, 'histogram values', tag);
  if (options.legacy) return { tag, histo: legacyHistogram(data) };
  const k = options.buckets ?? DEFAULT_BUCKET_COUNT;
  if (!Number.isInteger(k) || k < 1 || k > MAX_BUCKET_COUNT) {
    throw new EventsError('INVALID_VALUE', `buckets must be an integer from 1 to ${MAX_BUCKET_COUNT}, got ${k}`, {
      tag,
    });
  }
  return {
    tag,
    tensor: float64MatrixTensor(histogramBuckets(data, k), k, 3),
    metadata: pluginMetadata('histograms'),
  };
}

// TensorFlow's default bucket limits: -DBL_MAX, ..., -1e-12, 0, 1e-12, ..., DBL_MAX (histogram.cc InitDefaultBuckets).
let defaultLimits: Float64Array | undefined;
function legacyLimits(): Float64Array {
  if (defaultLimits) return defaultLimits;
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  pos.push(Number.MAX_VALUE);
  const all = [...pos.map((v) => -v).reverse(), 0, ...pos];
  defaultLimits = Float64Array.from(all);
  return defaultLimits;
}

/** The legacy HistogramProto TensorFlow's C++ Histogram::EncodeToProto writes (preserve_zero_buckets = false). */
export function legacyHistogram(data: Float64Array): tensorflow.HistogramProto.$Properties {
  const limits = legacyLimits();
  const counts = new Float64Array(limits.length);
  let min = Number.MAX_VALUE;
  let max = -Number.MAX_VALUE;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    counts[Math.min(upperBound(limits, v), limits.length - 1)]! += 1;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < counts.length; ) {
    let end = limits[i]!;
    const count = counts[i]!;
    let j = i + 1;
    // A run of empty buckets becomes one entry carrying the run's last limit.
    while (count === 0 && j < counts.length && counts[j] === 0) {
      end = limits[j]!;
      j++;
    }
    bucketLimit.push(end);
    bucket.push(count);
    i = j;
  }
  return { min, max, num: data.length, sum, sum_squares: sumSquares, bucket_limit: bucketLimit, bucket };
}

/** Index of the first limit greater than `v` (std::upper_bound). */
function upperBound(limits: Float64Array, v: number): number {
  let lo = 0;
  let hi = limits.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (limits[mid]! > v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
