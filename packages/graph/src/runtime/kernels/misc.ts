// Random numbers, strings, and the checkpoint kernels (SaveV2, RestoreV2, MergeV2Checkpoints, ShardedFilename), which
// read and write TensorFlow's TensorBundle V2 files through @tensorgraft/bundle-io.
import { BundleReader, type Tensor as BundleTensor, BundleWriter, mergeBundles } from '@tensorgraft/bundle-io';
import { DataType, dtypeName } from '@tensorgraft/proto';
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { tensorFromCheckpoint, tensorToCheckpoint } from '../checkpoint-tensors.js';
import { requireTfjsDtype } from '../tensor-proto.js';
import { isRef, type KernelFactory } from '../values.js';
import { attrsOf, checkedSize, ints, stringBytes, T, tf } from './common.js';

const DEC = new TextDecoder();

const sized = (shape: number[], n: NodeDef) => {
  checkedSize(shape, n);
  return shape;
};
const ENC = new TextEncoder();

function strings(t: tf.Tensor): string[] {
  return stringBytes(t).map((b) => DEC.decode(b));
}

// Draws so far per seeded node: like TensorFlow's, a seeded random op gives a repeatable sequence that moves on at
// every run (dropout masks differ from step to step), not the same numbers each time. Keyed by the NodeDef so the
// sequence survives a new plan for the same graph. The numbers are not TensorFlow's (its Philox streams).
const draws = new WeakMap<NodeDef, number>();

/** The seed of this run's draw: undefined (tfjs picks one) for an unseeded op, else one per (seed, seed2, run). */
function seedOf(n: NodeDef): () => number | undefined {
  const a = attrsOf(n);
  const s = a.has('seed') ? a.i('seed') : 0;
  const s2 = a.has('seed2') ? a.i('seed2') : 0;
  if (s === 0 && s2 === 0) return () => undefined;
  return () => {
    const k = draws.get(n) ?? 0;
    draws.set(n, k + 1);
    return ((s * 1000003 + s2) * 7919 + k) % 2147483647;
  };
}

function fail(n: NodeDef, message: string, cause?: unknown): GraphError {
  return new GraphError('KERNEL', message, { node: n.name, cause });
}

export const miscKernels: Record<string, KernelFactory> = {
  RandomUniform: (n) => {
    const dtype = requireTfjsDtype(attrsOf(n).type('dtype'), n.name) as 'float32';
    const seed = seedOf(n);
    return (i, s) => [tf.randomUniform(sized(ints(T(i, 0, s, n)), n), 0, 1, dtype, seed())];
  },
  RandomStandardNormal: (n) => {
    const seed = seedOf(n);
    return (i, s) => [tf.randomNormal(sized(ints(T(i, 0, s, n)), n), 0, 1, 'float32', seed())];
  },
  TruncatedNormal: (n) => {
    const seed = seedOf(n);
    return (i, s) => [tf.truncatedNormal(sized(ints(T(i, 0, s, n)), n), 0, 1, 'float32', seed())];
  },
  StringJoin: (n) => {
    const sep = attrsOf(n).s('separator');
    return (i, s) => {
      const parts = i.map((_, k) => T(i, k, s, n));
      const shape = parts.find((p) => p.rank > 0)?.shape ?? [];
      const size = shape.reduce((a, b) => a * b, 1);
      const cols = parts.map(strings);
      const out: Uint8Array[] = [];
      for (let e = 0; e < size; e++) out.push(ENC.encode(cols.map((c) => (c.length === 1 ? c[0] : c[e])).join(sep)));
      return [tf.tensor(out, shape, 'string')];
    };
  },
  // RE2 patterns as savers use them (`^s3://.*`); JavaScript's RegExp agrees on that subset
  StaticRegexFullMatch: (n) => {
    const pattern = attrsOf(n).s('pattern');
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${pattern})$`, 's');
    } catch (err) {
      throw new GraphError('BAD_ATTR', `pattern ${pattern} is not supported`, { node: n.name, cause: err });
    }
    return (i, s) => {
      const x = T(i, 0, s, n);
      return [
        tf.tensor(
          strings(x).map((v) => re.test(v)),
          x.shape,
          'bool',
        ),
      ];
    };
  },
  ShardedFilename: (n) => (i, s) => {
    const base = strings(T(i, 0, s, n))[0]!;
    const [shard, num] = [1, 2].map((k) => ints(T(i, k, s, n))[0]!);
    const pad = (x: number) => String(x).padStart(5, '0');
    return [tf.scalar(ENC.encode(`${base}-${pad(shard!)}-of-${pad(num!)}`) as unknown as string, 'string')];
  },
  SaveV2: (n) => {
    const dtypes = attrsOf(n).listType('dtypes');
    return (i, s) => {
      const prefix = strings(T(i, 0, s, n))[0]!;
      const names = strings(T(i, 1, s, n));
      const slices = strings(T(i, 2, s, n));
      if (names.length !== i.length - 3 || names.length !== dtypes.length) {
        throw fail(n, `SaveV2 got ${names.length} names, ${dtypes.length} dtypes and ${i.length - 3} tensors`);
      }
      if (slices.some((x) => x !== ''))
        throw fail(n, 'SaveV2 of partitioned variables (non-empty shape_and_slices) is not supported');
      const writer = new BundleWriter(prefix);
      try {
        for (const [k, name] of names.entries()) {
          // a host-resident variable is written from host memory (no upload); the writer copies it
          const v = i[3 + k]!;
          const host = isRef(v) && v.kind === 'ref' && dtypes[k] === DataType.DT_FLOAT ? s.vars.hostData(v) : undefined;
          if (host) writer.add(name, { dtype: 'float32', shape: [...host.shape], data: host.data } as BundleTensor);
          else writer.add(name, tensorToCheckpoint(T(i, 3 + k, s, n), dtypes[k]!, { node: n.name, name }));
        }
        writer.finish();
      } catch (err) {
        writer.abort();
        throw err instanceof GraphError ? err : fail(n, `SaveV2 to ${prefix} failed: ${(err as Error).message}`, err);
      }
      return [];
    };
  },
  RestoreV2: (n) => {
    const dtypes = attrsOf(n).listType('dtypes');
    return (i, s) => {
      const prefix = strings(T(i, 0, s, n))[0]!;
      const names = strings(T(i, 1, s, n));
      const slices = strings(T(i, 2, s, n));
      if (names.length !== dtypes.length)
        throw fail(n, `RestoreV2 got ${names.length} names for ${dtypes.length} dtypes`);
      if (slices.some((x) => x !== ''))
        throw fail(n, 'RestoreV2 of slices (non-empty shape_and_slices) is not supported');
      let reader: BundleReader;
      try {
        reader = BundleReader.open(prefix);
      } catch (err) {
        throw fail(n, `cannot open checkpoint ${prefix}: ${(err as Error).message}`, err);
      }
      try {
        return names.map((name, k) => {
          if (!reader.has(name))
            throw new GraphError('NOT_FOUND', `Key ${name} not found in checkpoint ${prefix}`, { node: n.name });
          const t = reader.get(name);
          const want = dtypeName(dtypes[k]!);
          if (t.dtype !== want) throw fail(n, `${name} is ${t.dtype} in the checkpoint, the graph expects ${want}`);
          return tensorFromCheckpoint(t, { node: n.name, name });
        });
      } finally {
        reader.close();
      }
    };
  },
  MergeV2Checkpoints: (n) => {
    const a = attrsOf(n);
    const deleteOldDirs = a.b('delete_old_dirs');
    const allowMissingFiles = a.has('allow_missing_files') ? a.b('allow_missing_files') : false;
    return (i, s) => {
      const prefixes = strings(T(i, 0, s, n));
      const dest = strings(T(i, 1, s, n))[0]!;
      mergeBundles(prefixes, dest, { deleteOldDirs, allowMissingFiles });
      return [];
    };
  },
};
