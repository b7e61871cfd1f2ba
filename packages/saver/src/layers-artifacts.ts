// What model.save(handler) hands over (tf.io.ModelArtifacts) turned into a checkpoint's tensors, with no Node built-in:
// shared by tfCheckpoint (local files, layers-io.ts) and tfCheckpointAt (any bundle-io location, browsers included).
// Layout 'keras' puts each weight at its Keras 3 object path (keras-layout.ts) with the optimizer's weights and a
// save_counter, so tf.train.Checkpoint(model=keras_model).restore(prefix) loads them; 'names' keys them
// `<layer>/<weight>` (tf.compat.v1 style).
import type { Tensor } from '@tensorgraft/bundle-io';
import { SaverError } from './errors.js';
import { kerasWeightPlaces } from './keras-layout.js';
import { kerasOptimizerEntries } from './keras-optimizer-layout.js';
import type { ModelArtifacts, TfCheckpointOptions, WeightSpec } from './layers-io.js';
import { compareUtf8, type ObjectEntry, objectCheckpointTensors } from './object-graph-build.js';

/** `<prefix>.tfjs.json`: what tf.loadLayersModel(tfCheckpoint(prefix)) needs besides the weights. */
export interface Sidecar {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  trainingConfig?: unknown;
  weightSpecs: WeightSpec[];
  checkpointKeys: string[];
}

/** tf.io.ModelArtifactsInfo, as save() returns it. */
export interface SavedArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON';
  modelTopologyBytes: number;
  weightSpecsBytes: number;
  weightDataBytes: number;
}

const ITEM_SIZE: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

export function concat(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
}

function decodeWeights(specs: readonly WeightSpec[], bytes: Uint8Array): Tensor[] {
  let offset = 0;
  return specs.map((s) => {
    if (s.quantization) throw new SaverError('UNSUPPORTED', 'quantized weights', { variable: s.name });
    const size = ITEM_SIZE[s.dtype];
    if (size === undefined) throw new SaverError('UNSUPPORTED', `weights of dtype ${s.dtype}`, { variable: s.name });
    const n = s.shape.reduce((a, d) => a * d, 1);
    const len = n * size;
    if (offset + len > bytes.length)
      throw new SaverError('INVALID_ARGUMENT', 'weight data shorter than the weight specs', { variable: s.name });
    const copy = bytes.slice(offset, offset + len);
    offset += len;
    const data =
      s.dtype === 'bool' ? copy : s.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return { dtype: s.dtype, shape: [...s.shape], data };
  });
}

/** The checkpoint tensors (sorted by key, as TensorFlow's savers write them), the sidecar and save()'s info. */
export function checkpointFromArtifacts(
  artifacts: ModelArtifacts,
  options: { layout?: TfCheckpointOptions['layout'] | undefined; root?: string | undefined },
  location: string,
): { tensors: [string, Tensor][]; sidecar: Sidecar; info: SavedArtifactsInfo } {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new SaverError('UNSUPPORTED', 'binary (graph model) topologies', { path: location });
  }
  const specs = artifacts.weightSpecs ?? [];
  const weightBytes = concat(artifacts.weightData);
  const weights = decodeWeights(specs, weightBytes);
  const names = specs.map((s) => s.name);
  let keys: string[];
  let tensors: [string, Tensor][];
  const isOptimizer = specs.map((s) => s.group === 'optimizer');
  if ((options.layout ?? 'keras') === 'keras') {
    const modelNames = names.filter((_, i) => !isOptimizer[i]);
    const places = kerasWeightPlaces(artifacts.modelTopology, modelNames, options.root ?? 'model');
    const optimizer = isOptimizer.some(Boolean)
      ? kerasOptimizerEntries(
          specs.flatMap((s, i) => (isOptimizer[i] ? [{ name: s.name, tensor: weights[i]! }] : [])),
          modelNames,
          artifacts.trainingConfig,
        )
      : undefined;
    const entries: ObjectEntry[] = [];
    keys = specs.map((s, i) => {
      if (isOptimizer[i]) {
        const e = optimizer!.entries.find((x) => x.weight === s.name)!;
        return `${e.path}/.ATTRIBUTES/VARIABLE_VALUE`;
      }
      const alias = optimizer?.modelAliases.get(s.name);
      const entry = { ...places.get(s.name)!, tensor: weights[i]!, ...(alias ? { aliases: [alias] } : {}) };
      entries.push(entry);
      return `${entry.path}/.ATTRIBUTES/VARIABLE_VALUE`;
    });
    if (optimizer) entries.push(...optimizer.entries);
    // tf.train.Checkpoint's own counter, so restore(...).assert_existing_objects_matched() holds.
    entries.push({
      path: 'save_counter',
      fullName: 'save_counter',
      tensor: { dtype: 'int64', shape: [], data: BigInt64Array.of(1n) },
    });
    tensors = objectCheckpointTensors(entries).tensors;
  } else {
    keys = names;
    tensors = names.map((n, i): [string, Tensor] => [n, weights[i]!]).sort((a, b) => compareUtf8(a[0], b[0]));
  }
  const sidecar: Sidecar = {
    ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
    ...(artifacts.generatedBy === undefined ? {} : { generatedBy: artifacts.generatedBy }),
    ...(artifacts.convertedBy === undefined ? {} : { convertedBy: artifacts.convertedBy }),
    modelTopology: artifacts.modelTopology ?? null,
    ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
    weightSpecs: specs,
    checkpointKeys: keys,
  };
  const info: SavedArtifactsInfo = {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
    weightSpecsBytes: JSON.stringify(specs).length,
    weightDataBytes: weightBytes.length,
  };
  return { tensors, sidecar, info };
}
