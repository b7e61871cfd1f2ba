// The bookkeeping every Saver does around writing a checkpoint: checkpoint names, picking up a directory's existing
// checkpoints, retention (retention.ts), keep-best-N, the state file, and the crash-safe order of the last steps,
// TensorFlow's: the state file (no longer listing the checkpoints about to go), then the deletions (index first). So
// at every instant the state file names only complete checkpoints; a crash between the two leaves an unlisted
// complete checkpoint, as TensorFlow's Saver does, and a crash mid-deletion leaves index-less data files that the
// next save removes (checkpoint-files.ts removeStaleTemps). Retention deletes only what is in its own list (as
// TensorFlow): this process's saves, what the caller set, and, recovered from the directory's state file, only this
// directory's own checkpoints (`<dir>/<base>[-<step>]`), never a path the file lists elsewhere (`../victim/x`).
import { readBestList, writeBestList } from './best-list.js';
import { checkpointMtime, isOwnCheckpoint, removeCheckpoint, removeStaleTemps } from './checkpoint-files.js';
import { SaverError } from './errors.js';
import { basename } from './paths.js';
import {
  checkpointExistsAt,
  getCheckpointStateAt,
  isOwnCheckpointAt,
  removeCheckpointAt,
  updateCheckpointStateAt,
} from './remote.js';
import { SaverRetention, type TimedPath } from './retention.js';
import { checkpointExists, getCheckpointState, STATE_FILENAME, updateCheckpointState } from './state-file.js';

/** Seconds since the epoch, like Python's time.time(). */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now() / 1000;

export interface KeepBest {
  /** How many best checkpoints to keep besides the last maxToKeep. */
  count: number;
  /** 'min' keeps the lowest metric (a loss), 'max' the highest (an accuracy). */
  mode: 'min' | 'max';
}

export interface KeeperOptions {
  /** Checkpoints to keep (default 5; 0 or null keeps all, and the state file lists only the latest). */
  maxToKeep?: number | null;
  /** Keep one checkpoint every N hours of training besides the last maxToKeep (default 10000). */
  keepCheckpointEveryNHours?: number;
  /** Store paths relative to the directory in the state file (default true here, false in TensorFlow). */
  saveRelativePaths?: boolean;
  /** Name steps `-%08d` (TensorFlow's pad_step_number). */
  padStepNumber?: boolean;
  /** Time source in seconds (default Date.now()/1000); tests replay TensorFlow's schedules with a fake one. */
  clock?: Clock;
  /** On the first save into a directory, track the checkpoints its state file lists (default true). */
  recover?: boolean;
  /** Also keep the best N checkpoints by a metric passed to save(). */
  keepBest?: KeepBest;
  /** fsync the state file and meta graph before renaming them. */
  durable?: boolean;
}

export type GlobalStep = number | bigint | { dataSync(): ArrayLike<number | bigint> };

function stepNumber(step: GlobalStep): bigint {
  if (typeof step === 'bigint') return step;
  if (typeof step === 'number') {
    if (!Number.isSafeInteger(step)) throw new SaverError('INVALID_ARGUMENT', `global step ${step} is not an integer`);
    return BigInt(step);
  }
  const v = step.dataSync()[0];
  if (v === undefined) throw new SaverError('INVALID_ARGUMENT', 'global step tensor is empty');
  return BigInt(typeof v === 'bigint' ? v : Math.trunc(v));
}

export class CheckpointKeeper {
  readonly maxToKeep: number;
  readonly keepCheckpointEveryNHours: number;
  readonly saveRelativePaths: boolean;
  readonly padStepNumber: boolean;
  readonly durable: boolean;
  readonly clock: Clock;
  private readonly retention: SaverRetention;
  private readonly keepBest: KeepBest | undefined;
  private best: { path: string; metric: number }[] = [];
  private recover: boolean;
  private saveStartMs = 0;

  constructor(options: KeeperOptions = {}) {
    this.maxToKeep = options.maxToKeep ?? (options.maxToKeep === null ? 0 : 5);
    if (!Number.isInteger(this.maxToKeep) || this.maxToKeep < 0) {
      throw new SaverError('INVALID_ARGUMENT', `maxToKeep must be a non-negative integer, got ${options.maxToKeep}`);
    }
    this.keepCheckpointEveryNHours = options.keepCheckpointEveryNHours ?? 10000;
    this.saveRelativePaths = options.saveRelativePaths ?? true;
    this.padStepNumber = options.padStepNumber ?? false;
    this.clock = options.clock ?? systemClock;
    this.retention = new SaverRetention(this.maxToKeep, this.keepCheckpointEveryNHours, this.clock());
    this.keepBest = options.keepBest;
    this.recover = options.recover ?? true;
    this.durable = options.durable ?? false;
  }

  get lastCheckpoints(): string[] {
    return this.retention.lastCheckpoints;
  }

  get bestCheckpoints(): { path: string; metric: number }[] {
    return this.best.map((b) => ({ ...b }));
  }

  setLastCheckpointsWithTime(list: readonly TimedPath[]): void {
    this.retention.setLastCheckpointsWithTime(list);
    this.recover = false;
  }

  recoverLastCheckpoints(paths: readonly string[]): void {
    const list: TimedPath[] = [];
    for (const path of paths) {
      const time = checkpointMtime(path);
      if (time !== undefined) list.push({ path, time });
    }
    this.setLastCheckpointsWithTime(list);
  }

  /** `<prefix>[-<step>]`, as Saver.save names it. */
  checkpointPath(prefix: string, globalStep?: GlobalStep): string {
    if (globalStep === undefined) return prefix;
    const step = stepNumber(globalStep);
    const text = this.padStepNumber
      ? step < 0n
        ? `-${String(-step).padStart(7, '0')}`
        : String(step).padStart(8, '0')
      : String(step);
    return `${prefix}-${text}`;
  }

  /** Checks the arguments of a save; returns the checkpoint path. */
  begin(prefix: string, options: { globalStep?: GlobalStep; latestFilename?: string; sharded?: boolean }): string {
    const latestFilename = options.latestFilename ?? STATE_FILENAME;
    if (latestFilename.includes('/'))
      throw new SaverError('INVALID_ARGUMENT', "'latestFilename' must not contain path components");
    if (options.globalStep === undefined && basename(prefix) === latestFilename && !options.sharded) {
      throw new SaverError('INVALID_ARGUMENT', `'latestFilename' collides with the save path ${prefix}`, {
        path: prefix,
      });
    }
    this.saveStartMs = Date.now();
    return this.checkpointPath(prefix, options.globalStep);
  }

  /**
   * After the checkpoint's files are complete: retention, the state file, then deletions; then temporary files that
   * an earlier, killed save of this prefix left behind (older than this save's start) are removed.
   */
  commit(checkpoint: string, saveDir: string, options: { latestFilename?: string; metric?: number } = {}): void {
    const latestFilename = options.latestFilename ?? STATE_FILENAME;
    const base = basename(checkpoint).replace(/-\d+$/, '');
    if (this.recover) this.recoverFrom(saveDir, latestFilename, base);
    this.retention.record(checkpoint, this.clock());
    const doomed: string[] = [];
    if (this.keepBest && options.metric !== undefined)
      doomed.push(...this.rankBest(checkpoint, options.metric, saveDir, latestFilename));
    const popped = this.retention.popDeletion();
    if (popped !== undefined && !this.best.some((b) => b.path === popped)) doomed.push(popped);
    // TensorFlow's order: the state file first (it no longer lists what goes next), then the deletions.
    updateCheckpointState(saveDir, {
      modelCheckpointPath: checkpoint,
      allModelCheckpointPaths: this.retention.lastCheckpoints,
      latestFilename,
      saveRelativePaths: this.saveRelativePaths,
      durable: this.durable,
    });
    for (const path of doomed) removeCheckpoint(path);
    removeStaleTemps(saveDir, base, latestFilename, this.saveStartMs, checkpoint);
  }

  /**
   * commit() at a location of the storage seam: recovers the list from its state file (dated now: objects have no
   * cheap mtime), writes the state file, then deletes what retention drops (index first). keepBest is local-only.
   */
  async commitRemote(
    checkpoint: string,
    saveDir: string,
    options: { latestFilename?: string; metric?: number } = {},
  ): Promise<void> {
    const latestFilename = options.latestFilename ?? STATE_FILENAME;
    if (this.keepBest) throw new SaverError('UNSUPPORTED', 'keepBest on a remote location', { path: saveDir });
    const base = basename(checkpoint).replace(/-\d+$/, '');
    if (this.recover) {
      this.recover = false;
      if (!this.retention.lastCheckpoints.length && this.maxToKeep) {
        let state: Awaited<ReturnType<typeof getCheckpointStateAt>>;
        try {
          state = await getCheckpointStateAt(saveDir, latestFilename);
        } catch {
          state = undefined;
        }
        const list: TimedPath[] = [];
        for (const path of state?.allModelCheckpointPaths ?? []) {
          if (isOwnCheckpointAt(path, saveDir, base) && (await checkpointExistsAt(path)))
            list.push({ path, time: this.clock() });
        }
        this.retention.setLastCheckpointsWithTime(list);
      }
    }
    this.retention.record(checkpoint, this.clock());
    const popped = this.retention.popDeletion();
    await updateCheckpointStateAt(saveDir, {
      modelCheckpointPath: checkpoint,
      allModelCheckpointPaths: this.retention.lastCheckpoints,
      latestFilename,
      saveRelativePaths: this.saveRelativePaths,
    });
    if (popped !== undefined) await removeCheckpointAt(popped);
  }

  private recoverFrom(saveDir: string, latestFilename: string, base: string): void {
    this.recover = false;
    if (this.keepBest && !this.best.length)
      this.best = readBestList(saveDir, latestFilename).filter((b) => isOwnCheckpoint(b.path, saveDir, base));
    if (this.retention.lastCheckpoints.length || !this.maxToKeep) return;
    let state: ReturnType<typeof getCheckpointState>;
    try {
      state = getCheckpointState(saveDir || '.', { latestFilename });
    } catch {
      return;
    }
    if (!state) return;
    // Paths come back joined onto the directory; keep the form save() produces (no './' for the current directory).
    // Only this directory's own checkpoints are taken over: a state file may list anything (`../victim/important`).
    const paths = state.allModelCheckpointPaths.map((p) => (saveDir === '' && p.startsWith('./') ? p.slice(2) : p));
    this.recoverLastCheckpoints(paths.filter((p) => isOwnCheckpoint(p, saveDir, base) && checkpointExists(p)));
  }

  /** Inserts into the best list (written now); returns the checkpoints that fell out of it and must go. */
  private rankBest(path: string, metric: number, saveDir: string, latestFilename: string): string[] {
    const kb = this.keepBest!;
    this.best = this.best.filter((b) => b.path !== path);
    this.best.push({ path, metric });
    this.best.sort((a, b) => (kb.mode === 'min' ? a.metric - b.metric : b.metric - a.metric));
    const out: string[] = [];
    while (this.best.length > kb.count) {
      const dropped = this.best.pop()!;
      // Still among the last maxToKeep (or just saved): the normal rules decide later.
      if (dropped.path !== path && !this.retention.lastCheckpoints.includes(dropped.path)) out.push(dropped.path);
    }
    writeBestList(saveDir, latestFilename, kb.mode, this.best, this.durable);
    return out;
  }
}
