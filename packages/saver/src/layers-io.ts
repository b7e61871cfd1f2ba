// TensorFlow.js LayersModel <-> TensorFlow checkpoints.
//   model.save(tfCheckpoint(prefix))         writes the weights as a TF2 object-based checkpoint laid out as Keras 3
//                                            keeps them (keras-layout.ts), so tf.train.Checkpoint(model=keras_model)
//                                            .restore(prefix) loads them; `<prefix>.tfjs.json` keeps the topology
//                                            and weight specs so tf.loadLayersModel(tfCheckpoint(prefix)) rebuilds it.
//   loadCheckpointWeights(model, prefix)     loads weights from any TF checkpoint (Keras object-based, or name-based
//                                            with `<layer>/<weight>` keys) into an existing model.
// tfjs is not imported: handlers are plain objects (tf.io.IOHandler), the model is duck-typed.
import { readFileSync, statSync } from 'node:fs';
import { ioError, writeFileAtomic } from './atomic-write.js';
import { ensureParentDirectory, openCheckpoint, writeCheckpoint } from './checkpoint-io.js';
import { SaverError } from './errors.js';
import { kerasWeightPlaces } from './keras-layout.js';
import { checkpointFromArtifacts, concat, type Sidecar } from './layers-artifacts.js';
import { checkpointObjectVariables, objectAliases } from './object-graph.js';
import { dirname } from './paths.js';
import { type RestoreReport, Saver } from './saver.js';
import { latestCheckpoint, updateCheckpointState } from './state-file.js';
import type { LayerVariableLike } from './values.js';

/** tf.io.WeightsManifestEntry, the part used here. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  quantization?: unknown;
  /** 'optimizer' for the optimizer's weights (model.save(handler, {includeOptimizer: true})). */
  group?: 'model' | 'optimizer';
}

/** tf.io.TrainingConfig (what model.compile was given), structurally. */
export interface TrainingConfig {
  optimizer_config: object;
  loss: string | string[] | { [key: string]: string };
  metrics?: string[] | { [key: string]: string };
  weighted_metrics?: string[];
  sample_weight_mode?: string;
  loss_weights?: number[] | { [key: string]: number };
}

/** tf.io.ModelArtifacts as model.save hands them over, the part used here (structurally compatible with tfjs's). */
export interface ModelArtifacts {
  modelTopology?: unknown;
  weightSpecs?: WeightSpec[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
}

/** What load() gives tf.loadLayersModel (assignable to tfjs's ModelArtifacts); quantized weights are never saved. */
export interface LoadedArtifacts {
  modelTopology: object;
  weightSpecs: Omit<WeightSpec, 'quantization'>[];
  weightData: ArrayBuffer;
  trainingConfig?: TrainingConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** A tf.io.IOHandler. */
export interface TfCheckpointHandler {
  save(artifacts: ModelArtifacts): Promise<{
    modelArtifactsInfo: {
      dateSaved: Date;
      modelTopologyType: 'JSON';
      modelTopologyBytes: number;
      weightSpecsBytes: number;
      weightDataBytes: number;
    };
  }>;
  load(): Promise<LoadedArtifacts>;
}

export interface TfCheckpointOptions {
  /** 'keras' (default): Keras 3 object paths; 'names': name-based keys `<layer>/<weight>` (tf.compat.v1 style). */
  layout?: 'keras' | 'names';
  /** Root object name (tf.train.Checkpoint(model=...) uses 'model'). */
  root?: string;
  /** Write `checkpoint` in the prefix's directory naming this checkpoint (default true). */
  writeState?: boolean;
}

function sidecarPath(prefix: string): string {
  return `${prefix}.tfjs.json`;
}

function resolvePrefix(prefixOrDir: string): string {
  let isDir = false;
  try {
    isDir = statSync(prefixOrDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) return prefixOrDir;
  const latest = latestCheckpoint(prefixOrDir);
  if (!latest)
    throw new SaverError('NOT_FOUND', 'no checkpoint named by the state file of this directory', { path: prefixOrDir });
  return latest;
}

/** A tf.io.IOHandler saving to / loading from the TensorFlow checkpoint at `prefix` (or a directory's latest). */
export function tfCheckpoint(prefix: string, options: TfCheckpointOptions = {}): TfCheckpointHandler {
  return {
    async save(artifacts: ModelArtifacts) {
      const { tensors, sidecar, info } = checkpointFromArtifacts(artifacts, options, prefix);
      ensureParentDirectory(prefix);
      // The sidecar goes first: a checkpoint whose index exists always has it.
      writeFileAtomic(sidecarPath(prefix), new TextEncoder().encode(JSON.stringify(sidecar)));
      writeCheckpoint(prefix, tensors);
      if (options.writeState ?? true)
        updateCheckpointState(dirname(prefix), { modelCheckpointPath: prefix, saveRelativePaths: true });
      return { modelArtifactsInfo: info };
    },

    async load(): Promise<LoadedArtifacts> {
      const p = resolvePrefix(prefix);
      let sidecar: Sidecar;
      try {
        sidecar = JSON.parse(readFileSync(sidecarPath(p), 'utf8')) as Sidecar;
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') {
          throw new SaverError(
            'UNSUPPORTED',
            `${sidecarPath(p)} is missing (not saved by tfCheckpoint): build the model and use loadCheckpointWeights(model, prefix)`,
            { path: p },
          );
        }
        throw ioError(err, `cannot read ${sidecarPath(p)}`, sidecarPath(p));
      }
      const ckpt = openCheckpoint(p);
      try {
        const specs = sidecar.weightSpecs;
        const parts: Uint8Array[] = [];
        specs.forEach((s, i) => {
          const key = sidecar.checkpointKeys[i] ?? s.name;
          const info = ckpt.tensors.get(key);
          if (!info)
            throw new SaverError('MISSING_VARIABLE', `checkpoint has no tensor ${JSON.stringify(key)}`, {
              path: p,
              variable: s.name,
            });
          // Keras' iteration count is int64; tfjs' optimizer keeps an int32
          const widened = s.dtype === 'int32' && info.dtype === 'int64';
          if (info.dtype !== s.dtype && !widened)
            throw new SaverError('DTYPE_MISMATCH', `weight is ${s.dtype}, checkpoint tensor ${info.dtype}`, {
              path: p,
              variable: s.name,
            });
          if (JSON.stringify(info.shape) !== JSON.stringify(s.shape)) {
            throw new SaverError(
              'SHAPE_MISMATCH',
              `weight shape ${JSON.stringify(s.shape)}, checkpoint ${JSON.stringify(info.shape)}`,
              { path: p, variable: s.name },
            );
          }
          const raw = ckpt.get(key).data;
          const data = widened ? Int32Array.from(raw as BigInt64Array, (v) => Number(v)) : (raw as Float32Array);
          parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        });
        const weightData = concat(parts.map((u) => u.slice().buffer as ArrayBuffer)).buffer as ArrayBuffer;
        return {
          modelTopology: (sidecar.modelTopology ?? {}) as object,
          weightSpecs: specs.map(({ name, shape, dtype, group }) => ({
            name,
            shape,
            dtype,
            ...(group === undefined ? {} : { group }),
          })),
          weightData,
          ...(sidecar.trainingConfig === undefined ? {} : { trainingConfig: sidecar.trainingConfig as TrainingConfig }),
          ...(sidecar.format === undefined ? {} : { format: sidecar.format }),
          ...(sidecar.generatedBy === undefined ? {} : { generatedBy: sidecar.generatedBy }),
          ...(sidecar.convertedBy === undefined ? {} : { convertedBy: sidecar.convertedBy }),
        };
      } finally {
        ckpt.close();
      }
    },
  };
}

/** A tfjs-layers LayersModel, the members used here. */
export interface LayersModelLike {
  readonly name: string;
  readonly weights: LayerVariableLike[];
  toJSON(unused?: unknown, returnString?: boolean): unknown;
}

export interface LoadWeightsOptions {
  /** Throw on a missing weight or a mismatch (default true). */
  strict?: boolean;
  /** Weight name (`<layer>/<weight>`) -> checkpoint key, overriding the automatic choice. */
  map?: (weight: string) => string | null | undefined;
}

/**
 * Loads `model`'s weights from the checkpoint at `prefix` (or a directory's latest). Each weight is looked up by its
 * Keras 3 object path, its Keras full name, its own name (`d1/kernel`), then `<model>/<name>`; the first the
 * checkpoint has wins.
 */
export async function loadCheckpointWeights(
  model: LayersModelLike,
  prefix: string,
  options: LoadWeightsOptions = {},
): Promise<RestoreReport> {
  const p = resolvePrefix(prefix);
  const names = model.weights.map((w) => w.originalName);
  let places = new Map<string, { path: string; fullName: string }>();
  try {
    places = kerasWeightPlaces(model.toJSON(null, false), names);
  } catch {
    // A model Keras has no layout for here: names only.
  }
  const ckpt = openCheckpoint(p);
  const chosen = new Map<string, string>();
  try {
    const aliases = objectAliases(checkpointObjectVariables(ckpt) ?? []);
    const has = (k: string | undefined): k is string => k !== undefined && (ckpt.tensors.has(k) || aliases.has(k));
    for (const name of names) {
      const place = places.get(name);
      const mapped = options.map?.(name);
      const candidates = mapped ? [mapped] : [place?.path, place?.fullName, name, `${model.name}/${name}`];
      chosen.set(name, candidates.find(has) ?? mapped ?? name);
    }
  } finally {
    ckpt.close();
  }
  return new Saver(model.weights, { maxToKeep: 0, recover: false }).restore(p, {
    map: (n) => chosen.get(n),
    strict: options.strict ?? true,
  });
}
