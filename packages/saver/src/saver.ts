// tf.compat.v1.train.Saver without a graph: saves a set of named values (tfjs Variables/tensors or bundle-io
// Tensors) as V2 checkpoints `<prefix>[-<step>]`, keeps the `checkpoint` state file, and deletes old checkpoints
// with TensorFlow's retention rules (retention.ts) under an injectable clock.
//
// Save order (crash safety), under the directory's save lock (directory-lock.ts): data, then index (checkpoint-io.ts),
// then the meta graph, then the state file, then deletions (index first), as TensorFlow (which writes the meta graph
// last). At every instant the state file names only checkpoints whose files are all complete.
import type { NumericData, Tensor } from '@tensorgraft/bundle-io';
import { writeFileAtomic } from './atomic-write.js';
import { metaGraphFilename } from './checkpoint-files.js';
import { checkParentDirectory, openCheckpoint, writeCheckpoint, writeShardedCheckpoint } from './checkpoint-io.js';
import { CheckpointKeeper, type GlobalStep, type KeeperOptions } from './checkpoint-keeper.js';
import { withDirectoryLock } from './directory-lock.js';
import { SaverError } from './errors.js';
import { checkpointObjectVariables, OBJECT_GRAPH_KEY, objectAliases } from './object-graph.js';
import { dirname } from './paths.js';
import { isRemote, openCheckpointRemote, writeCheckpointAt, writeObject } from './remote.js';
import { planRestore, type RestoreMap, type RestorePlan, type TensorInfo } from './restore-plan.js';
import type { TimedPath } from './retention.js';
import {
  assignValue,
  compatibleDType,
  describe,
  fromLayerVariable,
  isLayerVariable,
  isTfjs,
  type LayerVariableLike,
  type SaveableValue,
  type TfjsVariableLike,
  toTensor,
} from './values.js';

/** Named values: tfjs Variables or a LayersModel's weights (`model.weights`, named `<layer>/<weight>`), or a map. */
export type VarList =
  | readonly (TfjsVariableLike | LayerVariableLike)[]
  | Readonly<Record<string, SaveableValue>>
  | ReadonlyMap<string, SaveableValue>;

export interface SaverOptions extends KeeperOptions {
  /**
   * One data file per device, as TensorFlow's sharded Saver: variables grouped by `devices` (sorted by device name),
   * written as `<prefix>_temp/part-*` bundles and merged. With one device the files equal an unsharded save.
   */
  sharded?: boolean;
  /** Variable name -> device (e.g. '/device:CPU:1'), for sharded saves; unlisted variables share device ''. */
  devices?: Readonly<Record<string, string>>;
  /** The default filename recorded in a SaverDef (TensorFlow's `filename`, default 'model'). */
  filename?: string;
}

export interface SaveOptions {
  /** Appended as `-<step>` (a number, bigint, or a scalar tfjs tensor/Variable). */
  globalStep?: GlobalStep;
  /** Write and manage the state file (default true). */
  writeState?: boolean;
  /** State file name (default 'checkpoint'). */
  latestFilename?: string;
  /** A serialized MetaGraphDef (or a function producing it) written to `<checkpoint>.meta`. */
  metaGraph?: Uint8Array | (() => Uint8Array);
  /** Write the meta graph when one is given (default true). */
  writeMetaGraph?: boolean;
  /** The value keepBest ranks this checkpoint by. */
  metric?: number;
}

export interface RestoreOptions {
  /** Checkpoint name -> variable name(s), or variable name -> checkpoint key (restore-plan.ts). */
  map?: RestoreMap;
  /** Throw on any missing variable or shape/dtype mismatch (default true); false restores what fits. */
  strict?: boolean;
  /** Restore only these variables. */
  variables?: readonly string[];
}

export interface RestoreReport extends RestorePlan {
  prefix: string;
  /**
   * Set when `prefix` was a directory: the checkpoint came from its state file, and `outside` says that file named a
   * checkpoint outside the directory (allowed, as TensorFlow allows it; worth telling whoever restores).
   */
  fromStateFile?: { directory: string; outside: boolean };
}

function namedValues(varList: VarList): Map<string, SaveableValue> {
  if (varList instanceof Map) return new Map(varList);
  if (Array.isArray(varList)) {
    const out = new Map<string, SaveableValue>();
    for (const item of varList as readonly unknown[]) {
      const v = isLayerVariable(item) ? fromLayerVariable(item) : item;
      if (!isTfjs(v) || typeof (v as TfjsVariableLike).name !== 'string') {
        throw new SaverError(
          'INVALID_ARGUMENT',
          'an array var list must hold tfjs Variables or LayersModel weights; pass a name -> value map otherwise',
        );
      }
      const name = (v as TfjsVariableLike).name;
      if (out.has(name))
        throw new SaverError('INVALID_ARGUMENT', 'two variables with the same name', { variable: name });
      out.set(name, v);
    }
    return out;
  }
  return new Map(Object.entries(varList as Record<string, SaveableValue>));
}

export class Saver {
  readonly sharded: boolean;
  readonly filename: string;
  private readonly devices: Readonly<Record<string, string>>;
  private readonly values: Map<string, SaveableValue>;
  private readonly keeper: CheckpointKeeper;

  constructor(varList: VarList, options: SaverOptions = {}) {
    this.values = namedValues(varList);
    this.keeper = new CheckpointKeeper(options);
    this.sharded = options.sharded ?? false;
    this.filename = options.filename ?? 'model';
    this.devices = options.devices ?? {};
  }

  get maxToKeep(): number {
    return this.keeper.maxToKeep;
  }

  get keepCheckpointEveryNHours(): number {
    return this.keeper.keepCheckpointEveryNHours;
  }

  /** Names of the variables this Saver saves, sorted as TensorFlow orders them in the data file. */
  get variableNames(): string[] {
    return [...this.values.keys()].sort(compareBytes);
  }

  /** The current values as tensors in that order (tfjs values are read now). */
  tensors(): [string, Tensor][] {
    return this.variableNames.map((n) => [n, toTensor(n, this.values.get(n)!)]);
  }

  /** The checkpoints being tracked for deletion, oldest first (Saver.last_checkpoints). */
  get lastCheckpoints(): string[] {
    return this.keeper.lastCheckpoints;
  }

  /** The best checkpoints kept by keepBest, best first. */
  get bestCheckpoints(): { path: string; metric: number }[] {
    return this.keeper.bestCheckpoints;
  }

  /** Replaces the tracked list (TensorFlow's set_last_checkpoints_with_time). */
  setLastCheckpointsWithTime(list: readonly TimedPath[]): void {
    this.keeper.setLastCheckpointsWithTime(list);
  }

  /** Tracks existing checkpoints, dated by their files' mtimes; missing ones are dropped (recover_last_checkpoints). */
  recoverLastCheckpoints(paths: readonly string[]): void {
    this.keeper.recoverLastCheckpoints(paths);
  }

  /** The checkpoint path save() uses for `prefix` and `globalStep`. */
  checkpointPath(prefix: string, globalStep?: SaveOptions['globalStep']): string {
    return this.keeper.checkpointPath(prefix, globalStep);
  }

  /** Saves every variable to `<prefix>[-<step>]` and returns that path. */
  async save(prefix: string, options: SaveOptions = {}): Promise<string> {
    const checkpoint = this.keeper.begin(prefix, { ...options, sharded: this.sharded });
    if (isRemote(prefix)) return this.saveRemote(prefix, checkpoint, options);
    checkParentDirectory(prefix);
    return withDirectoryLock(dirname(prefix), () => this.saveLocked(prefix, checkpoint, options));
  }

  /**
   * save() at a location of the storage seam (s3://, mem://, file://): data, then index, then the state file, then
   * retention's deletions (remote.ts). One data shard whatever `sharded` says; no directory lock (object stores have
   * none: one saver per prefix).
   */
  private async saveRemote(prefix: string, checkpoint: string, options: SaveOptions): Promise<string> {
    await writeCheckpointAt(checkpoint, this.tensors());
    if (options.metaGraph !== undefined && (options.writeMetaGraph ?? true)) {
      const bytes = typeof options.metaGraph === 'function' ? options.metaGraph() : options.metaGraph;
      await writeObject(metaGraphFilename(checkpoint), bytes);
    }
    if (options.writeState ?? true) {
      await this.keeper.commitRemote(checkpoint, dirname(prefix), {
        ...(options.latestFilename === undefined ? {} : { latestFilename: options.latestFilename }),
        ...(options.metric === undefined ? {} : { metric: options.metric }),
      });
    }
    return checkpoint;
  }

  private saveLocked(prefix: string, checkpoint: string, options: SaveOptions): string {
    const names = this.variableNames;
    const tensor = (n: string): [string, Tensor] => [n, toTensor(n, this.values.get(n)!)];
    if (this.sharded) {
      const byDevice = new Map<string, string[]>();
      for (const n of names) byDevice.set(this.devices[n] ?? '', [...(byDevice.get(this.devices[n] ?? '') ?? []), n]);
      const groups = [...byDevice].sort((a, b) => compareBytes(a[0], b[0])).map(([, ns]) => ns.map(tensor));
      writeShardedCheckpoint(checkpoint, groups, { durable: this.keeper.durable });
    } else {
      writeCheckpoint(checkpoint, names.map(tensor), { durable: this.keeper.durable });
    }
    if (options.metaGraph !== undefined && (options.writeMetaGraph ?? true)) {
      const bytes = typeof options.metaGraph === 'function' ? options.metaGraph() : options.metaGraph;
      writeFileAtomic(metaGraphFilename(checkpoint), bytes, { durable: this.keeper.durable });
    }
    if (options.writeState ?? true) {
      this.keeper.commit(checkpoint, dirname(prefix), {
        ...(options.latestFilename === undefined ? {} : { latestFilename: options.latestFilename }),
        ...(options.metric === undefined ? {} : { metric: options.metric }),
      });
    }
    return checkpoint;
  }

  /**
   * Restores the variables from the checkpoint at `prefix` (V2, V1, safetensors, or a directory's latest). Strict (the default) throws on a missing variable or a
   * shape or dtype mismatch before assigning anything; lenient restores what fits. Returns what was done.
   * Object-based (TF2) checkpoints also answer to each variable's full name (Keras: `d1/kernel`) and object paths
   * (`model/_operations/1/_kernel`), so a name -> variable map restores from them directly.
   */
  async restore(prefix: string, options: RestoreOptions = {}): Promise<RestoreReport> {
    const ckpt = isRemote(prefix) ? await openCheckpointRemote(prefix) : openCheckpoint(prefix);
    try {
      const wanted = options.variables ? new Set(options.variables) : undefined;
      const infos = new Map<string, TensorInfo>();
      for (const [name, value] of this.values) {
        if (!wanted || wanted.has(name)) infos.set(name, describe(value));
      }
      if (wanted) {
        for (const name of wanted) {
          if (!this.values.has(name))
            throw new SaverError('INVALID_ARGUMENT', 'not a variable of this Saver', { variable: name });
        }
      }
      const plan = planRestore(
        infos,
        ckpt.tensors,
        options.map,
        (dtype, variable) => compatibleDType(dtype, this.values.get(variable)!),
        new Set([OBJECT_GRAPH_KEY]),
        objectAliases(checkpointObjectVariables(ckpt) ?? []),
      );
      if (options.strict ?? true) throwIfIncomplete(plan, ckpt.prefix);
      const cache = new Map<string, Tensor>();
      const uses = new Map<string, number>();
      for (const { key } of plan.assignments) uses.set(key, (uses.get(key) ?? 0) + 1);
      for (const { variable, key } of plan.assignments) {
        // A bundle-io Tensor of the same dtype read by one variable: straight into its buffer, no second copy.
        const target = this.values.get(variable)!;
        if (
          uses.get(key) === 1 &&
          inPlaceTarget(target, ckpt.tensors.get(key)!.dtype) &&
          ckpt.readInto(key, target.data)
        )
          continue;
        let t = cache.get(key);
        if (!t) {
          t = ckpt.get(key);
          cache.set(key, t);
        }
        await assignValue(variable, this.values.get(variable)!, t);
      }
      return { prefix: ckpt.prefix, ...(ckpt.fromStateFile ? { fromStateFile: ckpt.fromStateFile } : {}), ...plan };
    } finally {
      ckpt.close();
    }
  }
}

/** A bundle-io Tensor whose numeric typed array a checkpoint tensor of `dtype` can be read into directly. */
function inPlaceTarget(target: SaveableValue, dtype: string): target is Tensor & { data: NumericData } {
  return !isTfjs(target) && target.dtype === dtype && !Array.isArray(target.data) && dtype !== 'string';
}

export function throwIfIncomplete(plan: RestorePlan, prefix: string): void {
  const m = plan.missing[0];
  if (m) {
    const more =
      plan.missing.length > 1
        ? ` (and ${plan.missing.length - 1} more: ${plan.missing
            .slice(1, 6)
            .map((x) => x.variable)
            .join(', ')})`
        : '';
    throw new SaverError('MISSING_VARIABLE', `checkpoint has no tensor ${JSON.stringify(m.key)}${more}`, {
      path: prefix,
      variable: m.variable,
    });
  }
  const s = plan.shapeMismatch[0];
  if (s) {
    throw new SaverError(
      'SHAPE_MISMATCH',
      `variable shape ${s.expected} but checkpoint tensor ${JSON.stringify(s.key)} has ${s.actual}`,
      {
        path: prefix,
        variable: s.variable,
      },
    );
  }
  const d = plan.dtypeMismatch[0];
  if (d) {
    throw new SaverError(
      'DTYPE_MISMATCH',
      `variable dtype ${d.expected} but checkpoint tensor ${JSON.stringify(d.key)} is ${d.actual}`,
      {
        path: prefix,
        variable: d.variable,
      },
    );
  }
}

/** Bytewise (UTF-8) order, as TensorFlow sorts saveables and the index sorts keys. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
