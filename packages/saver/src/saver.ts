// tf.compat.v1.train.Saver without a graph: saves a set of named values (tfjs Variables/tensors or bundle-io
// Tensors) as V2 checkpoints `<prefix>[-<step>]`, keeps the `checkpoint` state file, and deletes old checkpoints
// with TensorFlow's retention rules (retention.ts) under an injectable clock.
//
// Save order (crash safety): data, then index (checkpoint-io.ts), then the meta graph, then deletions (index
// first), then the state file. At every instant the state file names a checkpoint whose files are all complete.
// TensorFlow writes the state file before deleting and the meta graph last; the files left are the same.
import { readFileSync } from 'node:fs';
import type { Tensor } from '@tensorgraft/bundle-io';
import { writeFileAtomic } from './atomic-write.js';
import { checkpointMtime, metaGraphFilename, removeCheckpoint } from './checkpoint-files.js';
import { checkParentDirectory, openCheckpoint, writeCheckpoint } from './checkpoint-io.js';
import { SaverError } from './errors.js';
import { OBJECT_GRAPH_KEY, checkpointObjectVariables, objectAliases } from './object-graph.js';
import { basename, dirname } from './paths.js';
import { type RestoreMap, type RestorePlan, type TensorInfo, planRestore } from './restore-plan.js';
import { SaverRetention, type TimedPath } from './retention.js';
import { STATE_FILENAME, checkpointExists, getCheckpointState, updateCheckpointState } from './state-file.js';
import { type SaveableValue, type TfjsVariableLike, assignValue, compatibleDType, describe, isTfjs, toTensor } from './values.js';

/** Seconds since the epoch, like Python's time.time(). */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now() / 1000;

export type VarList = readonly TfjsVariableLike[] | Readonly<Record<string, SaveableValue>> | ReadonlyMap<string, SaveableValue>;

export interface KeepBest {
  /** How many best checkpoints to keep besides the last maxToKeep. */
  count: number;
  /** 'min' keeps the lowest metric (a loss), 'max' the highest (an accuracy). */
  mode: 'min' | 'max';
}

export interface SaverOptions {
  /** Checkpoints to keep (default 5; 0 or null keeps all, and the state file lists only the latest). */
  maxToKeep?: number | null;
  /** Keep one checkpoint every N hours of training besides the last maxToKeep (default 10000). */
  keepCheckpointEveryNHours?: number;
  /** Accepted for TensorFlow parity; with one device the files are the same as unsharded. */
  sharded?: boolean;
  /** Store paths relative to the directory in the state file (default true here, false in TensorFlow). */
  saveRelativePaths?: boolean;
  /** Name steps `-%08d` (TensorFlow's pad_step_number). */
  padStepNumber?: boolean;
  /** The default filename recorded in a SaverDef (TensorFlow's `filename`, default 'model'). */
  filename?: string;
  /** Time source in seconds (default Date.now()/1000); tests replay TensorFlow's schedules with a fake one. */
  clock?: Clock;
  /** On the first save into a directory, track the checkpoints its state file lists (default true). */
  recover?: boolean;
  /** Also keep the best N checkpoints by a metric passed to save(). */
  keepBest?: KeepBest;
  /** fsync files before renaming them (survives power loss as well as a killed process). */
  durable?: boolean;
}

export interface SaveOptions {
  /** Appended as `-<step>` (a number, bigint, or a scalar tfjs tensor/Variable). */
  globalStep?: number | bigint | { dataSync(): ArrayLike<number | bigint> };
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
}

function namedValues(varList: VarList): Map<string, SaveableValue> {
  if (varList instanceof Map) return new Map(varList);
  if (Array.isArray(varList)) {
    const out = new Map<string, SaveableValue>();
    for (const v of varList as readonly TfjsVariableLike[]) {
      if (!isTfjs(v) || typeof v.name !== 'string') {
        throw new SaverError('INVALID_ARGUMENT', 'an array var list must hold named tfjs Variables; pass a name -> value map otherwise');
      }
      if (out.has(v.name)) throw new SaverError('INVALID_ARGUMENT', 'two variables with the same name', { variable: v.name });
      out.set(v.name, v);
    }
    return out;
  }
  return new Map(Object.entries(varList as Record<string, SaveableValue>));
}

function stepNumber(step: NonNullable<SaveOptions['globalStep']>): bigint {
  if (typeof step === 'bigint') return step;
  if (typeof step === 'number') {
    if (!Number.isSafeInteger(step)) throw new SaverError('INVALID_ARGUMENT', `global step ${step} is not an integer`);
    return BigInt(step);
  }
  const v = step.dataSync()[0];
  if (v === undefined) throw new SaverError('INVALID_ARGUMENT', 'global step tensor is empty');
  return BigInt(typeof v === 'bigint' ? v : Math.trunc(v));
}

export class Saver {
  readonly maxToKeep: number;
  readonly keepCheckpointEveryNHours: number;
  readonly sharded: boolean;
  readonly saveRelativePaths: boolean;
  readonly padStepNumber: boolean;
  readonly filename: string;
  private readonly values: Map<string, SaveableValue>;
  private readonly clock: Clock;
  private readonly retention: SaverRetention;
  private readonly keepBest: KeepBest | undefined;
  private best: { path: string; metric: number }[] = [];
  private recover: boolean;
  private readonly durable: boolean;

  constructor(varList: VarList, options: SaverOptions = {}) {
    this.values = namedValues(varList);
    this.maxToKeep = options.maxToKeep ?? (options.maxToKeep === null ? 0 : 5);
    if (!Number.isInteger(this.maxToKeep) || this.maxToKeep < 0) {
      throw new SaverError('INVALID_ARGUMENT', `maxToKeep must be a non-negative integer, got ${options.maxToKeep}`);
    }
    this.keepCheckpointEveryNHours = options.keepCheckpointEveryNHours ?? 10000;
    this.sharded = options.sharded ?? false;
    this.saveRelativePaths = options.saveRelativePaths ?? true;
    this.padStepNumber = options.padStepNumber ?? false;
    this.filename = options.filename ?? 'model';
    this.clock = options.clock ?? systemClock;
    this.retention = new SaverRetention(this.maxToKeep, this.keepCheckpointEveryNHours, this.clock());
    this.keepBest = options.keepBest;
    this.recover = options.recover ?? true;
    this.durable = options.durable ?? false;
  }

  /** Names of the variables this Saver saves, sorted as TensorFlow orders them in the data file. */
  get variableNames(): string[] {
    return [...this.values.keys()].sort(compareBytes);
  }

  /** The checkpoints being tracked for deletion, oldest first (Saver.last_checkpoints). */
  get lastCheckpoints(): string[] {
    return this.retention.lastCheckpoints;
  }

  /** The best checkpoints kept by keepBest, best first. */
  get bestCheckpoints(): { path: string; metric: number }[] {
    return this.best.map((b) => ({ ...b }));
  }

  /** Replaces the tracked list (TensorFlow's set_last_checkpoints_with_time). */
  setLastCheckpointsWithTime(list: readonly TimedPath[]): void {
    this.retention.setLastCheckpointsWithTime(list);
    this.recover = false;
  }

  /** Tracks existing checkpoints, dated by their files' mtimes; missing ones are dropped (recover_last_checkpoints). */
  recoverLastCheckpoints(paths: readonly string[]): void {
    const list: TimedPath[] = [];
    for (const path of paths) {
      const time = checkpointMtime(path);
      if (time !== undefined) list.push({ path, time });
    }
    this.setLastCheckpointsWithTime(list);
  }

  /** The checkpoint path save() uses for `prefix` and `globalStep`. */
  checkpointPath(prefix: string, globalStep?: SaveOptions['globalStep']): string {
    if (globalStep === undefined) return prefix;
    const step = stepNumber(globalStep);
    const text = this.padStepNumber ? (step < 0n ? `-${String(-step).padStart(7, '0')}` : String(step).padStart(8, '0')) : String(step);
    return `${prefix}-${text}`;
  }

  /** Saves every variable to `<prefix>[-<step>]` and returns that path. */
  async save(prefix: string, options: SaveOptions = {}): Promise<string> {
    const latestFilename = options.latestFilename ?? STATE_FILENAME;
    if (latestFilename.includes('/')) throw new SaverError('INVALID_ARGUMENT', "'latestFilename' must not contain path components");
    const checkpoint = this.checkpointPath(prefix, options.globalStep);
    if (options.globalStep === undefined && basename(prefix) === latestFilename && !this.sharded) {
      throw new SaverError('INVALID_ARGUMENT', `'latestFilename' collides with the save path ${prefix}`, { path: prefix });
    }
    checkParentDirectory(prefix);
    const saveDir = dirname(prefix);
    const writeState = options.writeState ?? true;
    if (writeState && this.recover) this.recoverFrom(saveDir, latestFilename);

    const names = this.variableNames;
    writeCheckpoint(
      checkpoint,
      names.map((n): [string, Tensor] => [n, toTensor(n, this.values.get(n)!)]),
    );
    if (options.metaGraph !== undefined && (options.writeMetaGraph ?? true)) {
      const bytes = typeof options.metaGraph === 'function' ? options.metaGraph() : options.metaGraph;
      writeFileAtomic(metaGraphFilename(checkpoint), bytes, { durable: this.durable });
    }
    if (writeState) {
      this.retention.record(checkpoint, this.clock());
      if (this.keepBest && options.metric !== undefined) this.rankBest(checkpoint, options.metric);
      // TensorFlow writes the state file, then deletes. Deleting first means a crash in between leaves a state file
      // listing an already deleted (never the latest) checkpoint, which a restart drops, instead of leaving
      // unlisted files that nothing would ever delete. The files left after the save are the same.
      const doomed = this.retention.popDeletion();
      if (doomed !== undefined && !this.best.some((b) => b.path === doomed)) removeCheckpoint(doomed);
      updateCheckpointState(saveDir, {
        modelCheckpointPath: checkpoint,
        allModelCheckpointPaths: this.retention.lastCheckpoints,
        latestFilename,
        saveRelativePaths: this.saveRelativePaths,
        durable: this.durable,
      });
    }
    return checkpoint;
  }

  /**
   * Restores the variables from the checkpoint at `prefix`. Strict (the default) throws on a missing variable or a
   * shape or dtype mismatch before assigning anything; lenient restores what fits. Returns what was done.
   * Object-based (TF2) checkpoints also answer to each variable's full name (Keras: `d1/kernel`) and object paths
   * (`model/_operations/1/_kernel`), so a name -> variable map restores from them directly.
   */
  async restore(prefix: string, options: RestoreOptions = {}): Promise<RestoreReport> {
    const ckpt = openCheckpoint(prefix);
    try {
      const wanted = options.variables ? new Set(options.variables) : undefined;
      const infos = new Map<string, TensorInfo>();
      for (const [name, value] of this.values) {
        if (!wanted || wanted.has(name)) infos.set(name, describe(value));
      }
      if (wanted) {
        for (const name of wanted) {
          if (!this.values.has(name)) throw new SaverError('INVALID_ARGUMENT', 'not a variable of this Saver', { variable: name });
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
      if (options.strict ?? true) throwIfIncomplete(plan, prefix);
      const cache = new Map<string, Tensor>();
      for (const { variable, key } of plan.assignments) {
        let t = cache.get(key);
        if (!t) {
          t = ckpt.get(key);
          cache.set(key, t);
        }
        await assignValue(variable, this.values.get(variable)!, t);
      }
      return { prefix, ...plan };
    } finally {
      ckpt.close();
    }
  }

  private recoverFrom(saveDir: string, latestFilename: string): void {
    this.recover = false;
    if (this.retention.lastCheckpoints.length) return;
    let state: ReturnType<typeof getCheckpointState>;
    try {
      state = getCheckpointState(saveDir || '.', { latestFilename });
    } catch {
      return;
    }
    if (!state) return;
    // Paths come back joined onto the directory; keep the form save() will produce (relative dirs stay relative).
    const paths = state.allModelCheckpointPaths.map((p) => (saveDir === '' && p.startsWith('./') ? p.slice(2) : p));
    if (!this.maxToKeep) return;
    this.recoverLastCheckpoints(paths.filter(checkpointExists));
  }

  private rankBest(path: string, metric: number): void {
    const kb = this.keepBest!;
    this.best = this.best.filter((b) => b.path !== path);
    this.best.push({ path, metric });
    this.best.sort((a, b) => (kb.mode === 'min' ? a.metric - b.metric : b.metric - a.metric));
    while (this.best.length > kb.count) {
      const out = this.best.pop()!;
      // Still among the last maxToKeep (or just saved): the normal rules decide later.
      if (out.path !== path && !this.retention.lastCheckpoints.includes(out.path)) removeCheckpoint(out.path);
    }
  }
}

export function throwIfIncomplete(plan: RestorePlan, prefix: string): void {
  const m = plan.missing[0];
  if (m) {
    const more = plan.missing.length > 1 ? ` (and ${plan.missing.length - 1} more: ${plan.missing.slice(1, 6).map((x) => x.variable).join(', ')})` : '';
    throw new SaverError('MISSING_VARIABLE', `checkpoint has no tensor ${JSON.stringify(m.key)}${more}`, { path: prefix, variable: m.variable });
  }
  const s = plan.shapeMismatch[0];
  if (s) {
    throw new SaverError('SHAPE_MISMATCH', `variable shape ${s.expected} but checkpoint tensor ${JSON.stringify(s.key)} has ${s.actual}`, {
      path: prefix,
      variable: s.variable,
    });
  }
  const d = plan.dtypeMismatch[0];
  if (d) {
    throw new SaverError('DTYPE_MISMATCH', `variable dtype ${d.expected} but checkpoint tensor ${JSON.stringify(d.key)} is ${d.actual}`, {
      path: prefix,
      variable: d.variable,
    });
  }
}

/** Bytewise (UTF-8) order, as TensorFlow sorts saveables and the index sorts keys. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Reads `<checkpoint>.meta` bytes, if present. */
export function readMetaGraph(checkpoint: string): Uint8Array | undefined {
  try {
    return readFileSync(metaGraphFilename(checkpoint));
  } catch {
    return undefined;
  }
}
