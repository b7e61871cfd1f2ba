// tf.loadLayersModel(tfCheckpointAt(url, { like: model })): a tf.io.IOHandler that loads a tfjs model's weights from
// a TensorFlow checkpoint at any location bundle-io's stores serve (https:// with Range requests, s3://, a path,
// mem://), reading the index and then only the weights' tensors. model.save(tfCheckpointAt('mem://m/model.ckpt'))
// writes one (any writable store; in a page, mem:// then bundle-io's checkpointBlobs / downloadCheckpoint hand the
// files to the user), laid out as tfCheckpoint lays it out (Keras 3 object paths, or `<layer>/<weight>` names), so
// TensorFlow restores it. Works in browsers (@tensorgraft/saver/browser): no Node built-in is reached from here.
// Loading needs no tfjs sidecar: each weight is looked up as loadCheckpointWeights does (Keras 3 object path, Keras
// full name, `<layer>/<weight>`, `<model>/<layer>/<weight>`, through the object graph's aliases for Keras-written
// checkpoints). Network and format problems are bundle-io's
// BundleErrors naming the URL; weights the checkpoint lacks or disagrees on are SaverErrors naming the weight.
import {
  AsyncBundleWriter,
  BundleError,
  openCheckpointAt,
  resolveStore,
  type Tensor,
} from '@tensorgraft/bundle-io/browser';
// zod/mini with English messages: a fraction of the classic zod's size in a page's bundle.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { SaverError } from './errors.js';
import { kerasWeightPlaces } from './keras-layout.js';
import { checkpointFromArtifacts, type SavedArtifactsInfo } from './layers-artifacts.js';
import type { LayersModelLike, LoadedArtifacts, ModelArtifacts, WeightSpec } from './layers-io.js';
import { OBJECT_GRAPH_KEY, objectAliases, objectGraphVariables } from './object-graph.js';

export const TfCheckpointAtOptionsSchema = z.strictObject({
  /** For load(): a model of the checkpoint's architecture (built, any weights): its topology and weight names. */
  like: z.optional(
    z.custom<LayersModelLike>(
      (m) => typeof m === 'object' && m !== null && Array.isArray((m as { weights?: unknown }).weights),
      'a tfjs LayersModel',
    ),
  ),
  /** For save(): 'keras' (default), Keras 3 object paths; 'names', keys `<layer>/<weight>` (tf.compat.v1 style). */
  layout: z.optional(z.enum(['keras', 'names'])),
  /** For save(): the root object's name (default 'model', as tf.train.Checkpoint(model=...)). */
  root: z.optional(z.string().check(z.minLength(1))),
});

export type TfCheckpointAtOptions = z.infer<typeof TfCheckpointAtOptionsSchema>;

/** tf.io.IOHandler (save and load) of a checkpoint location. */
export interface TfCheckpointAtHandler {
  save(artifacts: ModelArtifacts): Promise<{ modelArtifactsInfo: SavedArtifactsInfo }>;
  load(): Promise<LoadedArtifacts>;
}

const english = en().localeError;

/** Writes `tensors` at `location`: an old index there is removed first, so it never names the new data. */
async function writeAt(location: string, tensors: Iterable<[string, Tensor]>): Promise<void> {
  let writer: AsyncBundleWriter | undefined;
  try {
    writer = await AsyncBundleWriter.create(location);
    const index = `${location}.index`;
    const store = resolveStore(index);
    if (await store.exists(index)) await store.remove(index);
    for (const [name, t] of tensors) writer.add(name, t);
    await writer.finish();
  } catch (err) {
    await writer?.abort();
    if (err instanceof SaverError) throw err;
    const code = err instanceof BundleError && err.code === 'UNSUPPORTED' ? 'NOT_WRITABLE' : 'CORRUPT';
    throw new SaverError(code, `cannot save to ${location}: ${(err as Error).message}`, {
      path: location,
      variable: err instanceof BundleError ? err.tensor : undefined,
      cause: err,
    });
  }
}

const TFJS_DTYPES = new Set(['float32', 'int32', 'bool']);

/**
 * A tf.io.IOHandler for the checkpoint at `location`: load() reads the weights of `options.like`'s architecture,
 * save() writes the model's weights (and the optimizer's, with includeOptimizer) as a V2 checkpoint there.
 */
export function tfCheckpointAt(location: string, options: TfCheckpointAtOptions = {}): TfCheckpointAtHandler {
  const parsed = TfCheckpointAtOptionsSchema.safeParse(options, { error: english });
  if (!parsed.success) {
    throw new SaverError('INVALID_ARGUMENT', `bad tfCheckpointAt options: ${z.prettifyError(parsed.error)}`, {
      path: location,
    });
  }
  const opts = parsed.data;
  return {
    async save(artifacts: ModelArtifacts) {
      const { tensors, info } = checkpointFromArtifacts(artifacts, opts, location);
      await writeAt(location, tensors);
      return { modelArtifactsInfo: info };
    },

    async load(): Promise<LoadedArtifacts> {
      const model = opts.like;
      if (!model) {
        throw new SaverError('INVALID_ARGUMENT', 'load() needs options.like (a model of the checkpoint architecture)', {
          path: location,
        });
      }
      const topology = model.toJSON(null, false) as object;
      const names = model.weights.map((w) => w.originalName);
      let places = new Map<string, { path: string; fullName: string }>();
      try {
        places = kerasWeightPlaces(topology, names);
      } catch {
        // A model Keras has no layout for here: names only.
      }
      const reader = await openCheckpointAt(location);
      try {
        let aliases = new Map<string, string>();
        if (reader.has(OBJECT_GRAPH_KEY)) {
          const graph = (await reader.get(OBJECT_GRAPH_KEY)).data;
          if (Array.isArray(graph) && graph[0] instanceof Uint8Array) {
            aliases = objectAliases(objectGraphVariables(graph[0], location));
          }
        }
        const keyOf = (c: string | undefined) => (c === undefined ? undefined : reader.has(c) ? c : aliases.get(c));
        const specs: Omit<WeightSpec, 'quantization'>[] = [];
        const keys = model.weights.map((w) => {
          const name = w.originalName;
          const place = places.get(name);
          const key = [place?.path, place?.fullName, name, `${model.name}/${name}`].map(keyOf).find(Boolean);
          if (!key) {
            throw new SaverError('MISSING_VARIABLE', 'the checkpoint has no tensor for this weight', {
              path: location,
              variable: name,
            });
          }
          const entry = reader.entry(key);
          const widened = w.dtype === 'int32' && entry.dtype === 'int64'; // Keras' iteration count
          if (!TFJS_DTYPES.has(w.dtype) || (entry.dtype !== w.dtype && !widened)) {
            throw new SaverError('DTYPE_MISMATCH', `weight is ${w.dtype}, checkpoint tensor ${key} ${entry.dtype}`, {
              path: location,
              variable: name,
            });
          }
          if (JSON.stringify(entry.shape) !== JSON.stringify(w.shape)) {
            throw new SaverError(
              'SHAPE_MISMATCH',
              `weight shape ${JSON.stringify(w.shape)}, checkpoint tensor ${key} ${JSON.stringify(entry.shape)}`,
              { path: location, variable: name },
            );
          }
          specs.push({ name, shape: entry.shape, dtype: w.dtype as WeightSpec['dtype'] });
          return key;
        });
        const tensors = await reader.getAll([...new Set(keys)]);
        const parts = keys.map((key, i) => {
          const raw = tensors.get(key)!.data;
          const data =
            specs[i]!.dtype === 'int32' && raw instanceof BigInt64Array
              ? Int32Array.from(raw, (v) => Number(v))
              : (raw as Float32Array | Int32Array | Uint8Array);
          return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        });
        const weightData = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let offset = 0;
        for (const p of parts) {
          weightData.set(p, offset);
          offset += p.length;
        }
        return { modelTopology: topology, weightSpecs: specs, weightData: weightData.buffer, format: 'layers-model' };
      } finally {
        await reader.close();
      }
    },
  };
}
