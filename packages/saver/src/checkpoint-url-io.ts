// tf.loadLayersModel(tfCheckpointAt(url, { like: model })): a tf.io.IOHandler that loads a tfjs model's weights from
// a TensorFlow checkpoint at any location bundle-io's stores serve (https:// with Range requests, s3://, a path,
// mem://), reading the index and then only the weights' tensors. Works in browsers (@tensorgraft/saver/browser): no
// Node built-in is reached from here. The checkpoint needs no tfjs sidecar: each weight is looked up as
// loadCheckpointWeights does (Keras 3 object path, Keras full name, `<layer>/<weight>`, `<model>/<layer>/<weight>`,
// through the object graph's aliases for Keras-written checkpoints). Network and format problems are bundle-io's
// BundleErrors naming the URL; weights the checkpoint lacks or disagrees on are SaverErrors naming the weight.
import { openCheckpointAt } from '@tensorgraft/bundle-io/browser';
import { SaverError } from './errors.js';
import { kerasWeightPlaces } from './keras-layout.js';
import type { LayersModelLike, LoadedArtifacts, WeightSpec } from './layers-io.js';
import { OBJECT_GRAPH_KEY, objectAliases, objectGraphVariables } from './object-graph.js';

export interface TfCheckpointAtOptions {
  /** A model of the checkpoint's architecture (built, any weights): its topology and weight names are used. */
  like: LayersModelLike;
}

const TFJS_DTYPES = new Set(['float32', 'int32', 'bool']);

/** A tf.io.IOHandler (load only) reading the weights of `options.like`'s architecture from the checkpoint at `location`. */
export function tfCheckpointAt(location: string, options: TfCheckpointAtOptions): { load(): Promise<LoadedArtifacts> } {
  return {
    async load(): Promise<LoadedArtifacts> {
      const model = options.like;
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
