// tf.train.CheckpointManager for named values: saves `<directory>/<name>-<n>`, keeps maxToKeep of them plus one
// every N hours (ManagerRetention), writes the state file with timestamps and relative paths, and on construction
// picks up what an earlier run left in the directory, so restarting never leaks checkpoints. Adds what TensorFlow's
// manager leaves to the caller: saving every S seconds and/or every K steps (saveIfDue) and keeping the best N by a
// metric (remembered across restarts in `<directory>/<state file>.best.json`).
import { type BestEntry, readBestList, writeBestList } from './best-list.js';
import { isOwnCheckpoint, removeCheckpoint, removeStaleTemps } from './checkpoint-files.js';
import { ensureParentDirectory, writeCheckpoint } from './checkpoint-io.js';
import { type Clock, type KeepBest, systemClock } from './checkpoint-keeper.js';
import { withDirectoryLock } from './directory-lock.js';
import { SaverError } from './errors.js';
import { join } from './paths.js';
import {
  checkpointExistsAt,
  getCheckpointStateAt,
  isOwnCheckpointAt,
  isRemote,
  removeCheckpointAt,
  updateCheckpointStateAt,
  writeCheckpointAt,
} from './remote.js';
import { ManagerRetention } from './retention.js';
import { compareBytes, type RestoreOptions, type RestoreReport, Saver, type VarList } from './saver.js';
import { checkpointExists, getCheckpointState, STATE_FILENAME, updateCheckpointState } from './state-file.js';

export interface CheckpointManagerOptions {
  /** Checkpoints to keep; undefined or null keeps all (TensorFlow requires the argument; default here 5). */
  maxToKeep?: number | null;
  /** Preserve one checkpoint every N hours among those leaving the active set. */
  keepCheckpointEveryNHours?: number;
  /** File name stem (default 'ckpt'). */
  checkpointName?: string;
  clock?: Clock;
  /** saveIfDue saves when at least this many seconds have passed since the last save. */
  saveIntervalSecs?: number;
  /** saveIfDue saves when the step is at least this many steps past the last saved step. */
  saveIntervalSteps?: number;
  keepBest?: KeepBest;
  durable?: boolean;
}

export class CheckpointManager {
  readonly directory: string;
  readonly maxToKeep: number | undefined;
  readonly keepCheckpointEveryNHours: number | undefined;
  readonly checkpointPrefix: string;
  /** Holds the values (never saves on its own: maxToKeep 0, no state file). */
  private readonly saver: Saver;
  private readonly clock: Clock;
  private readonly retention: ManagerRetention;
  private readonly options: CheckpointManagerOptions;
  private latest: string | undefined;
  private counter: number;
  private lastSaveTime: number | undefined;
  private lastSaveStep: number | undefined;
  private best: BestEntry[] = [];

  /**
   * A manager for any writable location (s3://bucket/run, mem://, file://, a path): like the constructor, but on a
   * remote location it first reads the state file there, so a restarted job picks up (and keeps retaining) what an
   * earlier one saved.
   */
  static async open(
    values: VarList,
    directory: string,
    options: CheckpointManagerOptions = {},
  ): Promise<CheckpointManager> {
    if (!isRemote(directory)) return new CheckpointManager(values, directory, options);
    if (options.keepBest) throw new SaverError('UNSUPPORTED', 'keepBest on a remote location', { path: directory });
    const name = options.checkpointName ?? 'ckpt';
    const state = await getCheckpointStateAt(directory);
    const own = state?.allModelCheckpointPaths.map((p) => isOwnCheckpointAt(p, directory, name)) ?? [];
    const recovered = state && {
      ...state,
      allModelCheckpointPaths: state.allModelCheckpointPaths.filter((_, i) => own[i]),
      allModelCheckpointTimestamps: state.allModelCheckpointTimestamps.filter((_, i) => own[i]),
    };
    return new CheckpointManager(values, directory, options, recovered ?? null);
  }

  /** `recovered`: the state CheckpointManager.open read from a remote location (null: there was none). */
  constructor(
    values: VarList,
    directory: string,
    options: CheckpointManagerOptions = {},
    recovered?: ReturnType<typeof getCheckpointState> | null,
  ) {
    const max = options.maxToKeep === undefined ? 5 : (options.maxToKeep ?? undefined);
    if (max !== undefined && (!Number.isInteger(max) || max <= 0)) {
      throw new SaverError('INVALID_ARGUMENT', `maxToKeep must be a positive integer or null, got ${max}`);
    }
    this.saver = new Saver(values, { maxToKeep: 0, recover: false });
    this.directory = directory;
    this.maxToKeep = max;
    this.keepCheckpointEveryNHours = options.keepCheckpointEveryNHours;
    this.checkpointPrefix = join(directory, options.checkpointName ?? 'ckpt');
    this.clock = options.clock ?? systemClock;
    this.options = options;
    if (recovered === undefined && isRemote(directory))
      throw new SaverError('INVALID_ARGUMENT', 'open a manager on a remote location with CheckpointManager.open', {
        path: directory,
      });
    recovered =
      recovered === undefined
        ? ownCheckpoints(getCheckpointState(directory), directory, options.checkpointName ?? 'ckpt')
        : (recovered ?? undefined);
    const now = this.clock();
    this.retention = new ManagerRetention(max, options.keepCheckpointEveryNHours, now, recovered);
    this.latest = recovered?.modelCheckpointPath;
    this.counter = this.latest ? Number(/-(\d+)$/.exec(this.latest)?.[1] ?? 0) : 0;
    if (options.keepBest && !isRemote(directory)) {
      const name = options.checkpointName ?? 'ckpt';
      this.best = readBestList(directory, STATE_FILENAME).filter((b) => isOwnCheckpoint(b.path, directory, name));
    }
  }

  /** The newest checkpoint, if any. */
  get latestCheckpoint(): string | undefined {
    return this.latest;
  }

  /** The managed checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this.retention.checkpoints;
  }

  get bestCheckpoints(): BestEntry[] {
    return this.best.map((b) => ({ ...b }));
  }

  /** Saves `<prefix>-<checkpointNumber>` (default: one more than the last number) and manages old ones. */
  async save(options: { checkpointNumber?: number; metric?: number } = {}): Promise<string> {
    if (isRemote(this.directory)) return this.saveRemote(options);
    // tf.train.CheckpointManager saves through Checkpoint.write, which creates the directory
    ensureParentDirectory(this.checkpointPrefix);
    return withDirectoryLock(this.directory, () => this.saveLocked(options));
  }

  /** save() on a remote location: data, index, state file, then deletions (index first); see remote.ts. */
  private async saveRemote(options: { checkpointNumber?: number }): Promise<string> {
    this.counter += 1;
    if (options.checkpointNumber === undefined) {
      const latest = (await getCheckpointStateAt(this.directory))?.modelCheckpointPath;
      const m =
        latest && isOwnCheckpointAt(latest, this.directory, this.options.checkpointName ?? 'ckpt')
          ? /-(\d+)$/.exec(latest)
          : null;
      if (m && Number(m[1]) >= this.counter) this.counter = Number(m[1]) + 1;
    }
    const n = options.checkpointNumber ?? this.counter;
    const path = `${this.checkpointPrefix}-${n}`;
    await writeCheckpointAt(path, this.saver.tensors());
    const now = this.clock();
    this.retention.record(path, now);
    this.latest = path;
    this.lastSaveTime = now;
    await updateCheckpointStateAt(this.directory, this.stateOptions());
    const doomed = this.retention.sweep();
    await updateCheckpointStateAt(this.directory, this.stateOptions());
    for (const p of doomed) await removeCheckpointAt(p);
    return path;
  }

  private saveLocked(options: { checkpointNumber?: number; metric?: number }): string {
    const startMs = Date.now();
    this.counter += 1;
    if (options.checkpointNumber === undefined) {
      // Another program may have saved here since (it held the lock then): numbering past its checkpoint never
      // re-saves (and so briefly unindexes) the checkpoint the state file names as latest.
      const onDisk = this.latestNumberOnDisk();
      if (onDisk !== undefined && onDisk >= this.counter) this.counter = onDisk + 1;
    }
    const n = options.checkpointNumber ?? this.counter;
    const path = `${this.checkpointPrefix}-${n}`;
    writeCheckpoint(path, this.saver.tensors(), { durable: this.options.durable ?? false });
    const now = this.clock();
    this.retention.record(path, now);
    this.latest = path;
    this.lastSaveTime = now;
    // The state file names the new checkpoint, then again without the checkpoints about to go (and with the sweep's
    // preserved timestamp), and only then are they deleted: TensorFlow deletes before its second write, so its list
    // can name a deleted checkpoint for a moment; here no entry ever names a (partly) deleted one.
    this.recordState();
    const kept = this.options.keepBest && options.metric !== undefined ? this.rankBest(path, options.metric) : [];
    const doomed = this.retention.sweep().filter((p) => !this.best.some((b) => b.path === p));
    doomed.push(...kept.filter((p) => !this.retention.checkpoints.includes(p)));
    this.recordState();
    for (const p of doomed) removeCheckpoint(p);
    removeStaleTemps(this.directory, this.options.checkpointName ?? 'ckpt', STATE_FILENAME, startMs, path);
    return path;
  }

  /**
   * Saves when due: `saveIntervalSecs` seconds since the last save and/or `saveIntervalSteps` steps since the last
   * saved step (either one suffices when both are set). The first call always saves. Returns the path, or undefined.
   */
  async saveIfDue(step: number, options: { metric?: number; force?: boolean } = {}): Promise<string | undefined> {
    const { saveIntervalSecs: secs, saveIntervalSteps: steps } = this.options;
    if (step === this.lastSaveStep && !options.force) return undefined;
    let due = options.force === true || this.lastSaveStep === undefined;
    if (!due && secs !== undefined && this.clock() - (this.lastSaveTime ?? -Infinity) >= secs) due = true;
    if (!due && steps !== undefined && step >= this.lastSaveStep! + steps) due = true;
    if (!due) return undefined;
    this.lastSaveStep = step;
    return this.save({ checkpointNumber: step, ...(options.metric === undefined ? {} : { metric: options.metric }) });
  }

  /** Restores the latest checkpoint if there is one (returns its report), else runs `init` and returns undefined. */
  async restoreOrInitialize(init?: () => unknown, options: RestoreOptions = {}): Promise<RestoreReport | undefined> {
    const exists =
      this.latest && (isRemote(this.latest) ? await checkpointExistsAt(this.latest) : checkpointExists(this.latest));
    if (this.latest && exists) {
      return this.saver.restore(this.latest, options);
    }
    await init?.();
    return undefined;
  }

  /** The number of the latest checkpoint the state file names, when it is one of this manager's names. */
  private latestNumberOnDisk(): number | undefined {
    let latest: string | undefined;
    try {
      latest = getCheckpointState(this.directory)?.modelCheckpointPath;
    } catch {
      return undefined;
    }
    const name = this.options.checkpointName ?? 'ckpt';
    if (latest === undefined || !isOwnCheckpoint(latest, this.directory, name)) return undefined;
    const m = /-(\d+)$/.exec(latest);
    return m ? Number(m[1]) : undefined;
  }

  private stateOptions() {
    return {
      modelCheckpointPath: this.latest!,
      allModelCheckpointPaths: this.retention.checkpoints,
      allModelCheckpointTimestamps: this.retention.timestamps,
      lastPreservedTimestamp: this.retention.lastPreservedTimestamp,
      saveRelativePaths: true,
      ...(this.options.durable === undefined ? {} : { durable: this.options.durable }),
    };
  }

  private recordState(): void {
    updateCheckpointState(this.directory, this.stateOptions());
  }

  /** Inserts into the best list; returns the paths that fell out of it. */
  private rankBest(path: string, metric: number): string[] {
    const kb = this.options.keepBest!;
    this.best = this.best.filter((b) => b.path !== path);
    this.best.push({ path, metric });
    this.best.sort(
      (a, b) => (kb.mode === 'min' ? a.metric - b.metric : b.metric - a.metric) || compareBytes(a.path, b.path),
    );
    const out = this.best
      .splice(kb.count)
      .map((b) => b.path)
      .filter((p) => p !== path);
    writeBestList(this.directory, STATE_FILENAME, kb.mode, this.best, this.options.durable ?? false);
    return out;
  }
}

/** A recovered state restricted to this manager's own checkpoints (`<directory>/<name>-<n>`), timestamps kept aligned. */
function ownCheckpoints(
  state: ReturnType<typeof getCheckpointState>,
  directory: string,
  name: string,
): ReturnType<typeof getCheckpointState> {
  if (!state) return state;
  const keep = state.allModelCheckpointPaths.map((p) => isOwnCheckpoint(p, directory, name));
  return {
    ...state,
    allModelCheckpointPaths: state.allModelCheckpointPaths.filter((_, i) => keep[i]),
    allModelCheckpointTimestamps: state.allModelCheckpointTimestamps.filter((_, i) => keep[i]),
  };
}
