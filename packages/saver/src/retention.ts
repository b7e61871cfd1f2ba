// Which old checkpoints to delete, as tf.compat.v1.train.Saver decides (python/training/saver.py
// _RecordLastCheckpoint / _MaybeDeleteOldCheckpoints). Pure bookkeeping: the Saver does the file work.
//
// - maxToKeep 0: nothing is tracked (the state file then lists only the latest checkpoint).
// - Otherwise a save drops any same-name entry, appends (path, now), and when the list is longer than maxToKeep the
//   oldest entry moves to a deletion queue.
// - After the state file is written, ONE queued entry is popped: kept (and the threshold advanced by N hours) when
//   its time is past the threshold (build time + N hours), else deleted.
// TensorFlow keeps keep_checkpoint_every_n_hours in the SaverDef as a float32, so the hours are rounded to float32
// before multiplying by 3600, exactly as the Python code sees them.

export interface TimedPath {
  path: string;
  time: number;
}

export class SaverRetention {
  readonly maxToKeep: number;
  readonly keepEveryNHours: number;
  private last: TimedPath[] = [];
  private queue: TimedPath[] = [];
  private nextKeepTime: number;

  constructor(maxToKeep: number, keepCheckpointEveryNHours: number, buildTime: number) {
    this.maxToKeep = maxToKeep;
    this.keepEveryNHours = Math.fround(keepCheckpointEveryNHours);
    this.nextKeepTime = buildTime + this.keepEveryNHours * 3600;
  }

  /** The tracked checkpoints, oldest first (Saver.last_checkpoints). */
  get lastCheckpoints(): string[] {
    return this.last.map((p) => p.path);
  }

  get lastCheckpointsWithTime(): TimedPath[] {
    return this.last.map((p) => ({ ...p }));
  }

  /** Replaces the tracked list (Saver.set_last_checkpoints_with_time). */
  setLastCheckpointsWithTime(list: readonly TimedPath[]): void {
    this.last = list.map((p) => ({ ...p }));
  }

  /** _RecordLastCheckpoint. */
  record(path: string, now: number): void {
    if (!this.maxToKeep) return;
    this.last = this.last.filter((p) => p.path !== path);
    this.last.push({ path, time: now });
    if (this.last.length > this.maxToKeep) this.queue.push(this.last.shift()!);
  }

  /** _MaybeDeleteOldCheckpoints: the checkpoint to delete now, if any. */
  popDeletion(): string | undefined {
    const p = this.queue.shift();
    if (!p) return undefined;
    if (p.time > this.nextKeepTime) {
      this.nextKeepTime += this.keepEveryNHours * 3600;
      return undefined;
    }
    return p.path;
  }
}

// tf.train.CheckpointManager's bookkeeping (python/checkpoint/checkpoint_management.py): an insertion-ordered map of
// path -> timestamp that may be deleted, and the last preserved timestamp. A save re-inserts its path at the end;
// then while the map is longer than maxToKeep the oldest is popped and either preserved (when it is at least N
// hours after the last preserved one, which then moves up to it) or deleted. Unlike the Saver, hours stay float64.

export interface ManagerRecovery {
  allModelCheckpointPaths: string[];
  allModelCheckpointTimestamps: number[];
  lastPreservedTimestamp: number;
}

export class ManagerRetention {
  readonly maxToKeep: number | undefined;
  readonly keepEveryNHours: number | undefined;
  private maybeDelete = new Map<string, number>();
  lastPreservedTimestamp: number;

  constructor(
    maxToKeep: number | undefined,
    keepEveryNHours: number | undefined,
    now: number,
    recovered?: ManagerRecovery,
  ) {
    this.maxToKeep = maxToKeep;
    this.keepEveryNHours = keepEveryNHours;
    if (!recovered) {
      // TensorFlow sets the clock back a second to avoid races when quickly re-creating a manager.
      this.lastPreservedTimestamp = now - 1;
      return;
    }
    this.lastPreservedTimestamp = Math.min(recovered.lastPreservedTimestamp, now);
    const times = recovered.allModelCheckpointTimestamps.length
      ? recovered.allModelCheckpointTimestamps
      : recovered.allModelCheckpointPaths.map(() => this.lastPreservedTimestamp);
    const n = Math.min(times.length, recovered.allModelCheckpointPaths.length);
    for (let i = 0; i < n; i++) {
      const t = Math.min(times[i]!, now);
      if (t > this.lastPreservedTimestamp) this.maybeDelete.set(recovered.allModelCheckpointPaths[i]!, t);
    }
  }

  get checkpoints(): string[] {
    return [...this.maybeDelete.keys()];
  }

  get timestamps(): number[] {
    return [...this.maybeDelete.values()];
  }

  record(path: string, now: number): void {
    this.maybeDelete.delete(path);
    this.maybeDelete.set(path, now);
  }

  /** _sweep: the checkpoints to delete now, oldest first. */
  sweep(): string[] {
    const out: string[] = [];
    if (!this.maxToKeep) return out;
    while (this.maybeDelete.size > this.maxToKeep) {
      const [path, time] = this.maybeDelete.entries().next().value as [string, number];
      this.maybeDelete.delete(path);
      if (this.keepEveryNHours && time - this.keepEveryNHours * 3600 >= this.lastPreservedTimestamp) {
        this.lastPreservedTimestamp = time;
        continue;
      }
      out.push(path);
    }
    return out;
  }
}
