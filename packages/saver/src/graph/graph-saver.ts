// tf.compat.v1.train.Saver on a @tensorgraft/graph Graph: the constructor adds TensorFlow's save/restore subgraph
// (save/Const, save/SaveV2, save/control_dependency, save/RestoreV2, save/Assign*, save/restore_all) and its SaverDef
// through the graph package's addSaverOps, or adopts an imported SaverDef. save(session, prefix) runs the save op with
// the checkpoint path fed, writes `<checkpoint>.meta` (exportMetaGraph with the SaverDef, so TensorFlow's
// import_meta_graph + Saver.restore work on it), then retention and the state file as the graph-less Saver does.
import { existsSync } from 'node:fs';
import { fileOps } from '@tensorgraft/bundle-io';
import {
  addSaverOps,
  exportMetaGraph,
  type Graph,
  GraphError,
  type Session,
  serializeMetaGraph,
} from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';
import { syncFiles, writeFileAtomic } from '../atomic-write.js';
import { dataFiles, metaGraphFilename } from '../checkpoint-files.js';
import { checkParentDirectory } from '../checkpoint-io.js';
import { CheckpointKeeper, type GlobalStep, type KeeperOptions } from '../checkpoint-keeper.js';
import { withDirectoryLock } from '../directory-lock.js';
import { SaverError } from '../errors.js';
import { dirname } from '../paths.js';
import type { RestoreOptions, RestoreReport } from '../saver.js';
import { checkpointExists } from '../state-file.js';
import { restoreGraphVariables } from './restore-variables.js';

export interface GraphSaverOptions extends KeeperOptions {
  /** Use this SaverDef (e.g. from importMetaGraph) instead of adding a new save/restore subgraph. */
  saverDef?: tensorflow.SaverDef.$Properties;
  /** Scope of the added subgraph (default 'save'; made unique as TensorFlow does). */
  name?: string;
}

export interface GraphSaveOptions {
  globalStep?: GlobalStep;
  /** Write `<checkpoint>.meta` (default true). */
  writeMetaGraph?: boolean;
  writeState?: boolean;
  latestFilename?: string;
  metric?: number;
}

export class GraphSaver {
  readonly graph: Graph;
  readonly saverDef: tensorflow.SaverDef.$Properties;
  private readonly keeper: CheckpointKeeper;

  constructor(graph: Graph, options: GraphSaverOptions = {}) {
    this.graph = graph;
    this.keeper = new CheckpointKeeper(options);
    this.saverDef =
      options.saverDef ??
      addSaverOps(graph, {
        ...(options.name === undefined ? {} : { name: options.name }),
        maxToKeep: this.keeper.maxToKeep,
        keepCheckpointEveryNHours: this.keeper.keepCheckpointEveryNHours,
      });
  }

  get lastCheckpoints(): string[] {
    return this.keeper.lastCheckpoints;
  }

  /** The MetaGraphDef TensorFlow's export_meta_graph would write for this graph and Saver. */
  exportMetaGraph(): tensorflow.MetaGraphDef {
    return exportMetaGraph(this.graph, { saverDef: this.saverDef });
  }

  /** Runs the save op for `<prefix>[-<step>]`, writes the meta graph and the state file; returns the path. */
  async save(session: Session, prefix: string, options: GraphSaveOptions = {}): Promise<string> {
    const checkpoint = this.keeper.begin(prefix, options);
    checkParentDirectory(prefix);
    return withDirectoryLock(dirname(prefix), () => this.saveLocked(session, prefix, checkpoint, options));
  }

  private async saveLocked(
    session: Session,
    prefix: string,
    checkpoint: string,
    options: GraphSaveOptions,
  ): Promise<string> {
    // Re-saving a prefix: drop its index first so no moment has an old index beside new data.
    if (existsSync(`${checkpoint}.index`)) fileOps.unlink(`${checkpoint}.index`);
    const out = await this.run(session, this.saverDef.save_tensor_name ?? '', checkpoint);
    (out as { dispose?: () => void } | null)?.dispose?.();
    if (this.keeper.durable) syncFiles([`${checkpoint}.index`, ...dataFiles(checkpoint)]);
    if (options.writeMetaGraph ?? true) {
      writeFileAtomic(metaGraphFilename(checkpoint), serializeMetaGraph(this.exportMetaGraph()), {
        durable: this.keeper.durable,
      });
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
   * Without options, runs the restore op (`save/restore_all`) with `prefix` fed, as TensorFlow's Saver.restore. With
   * `map`, `variables` or `strict: false`, restores the graph's global variables by name instead (restore-plan.ts:
   * `{'vgg_16/': 'base/'}` puts a checkpoint's vgg_16 scope into the graph's base scope), from any checkpoint kind,
   * and returns the report.
   */
  async restore(session: Session, prefix: string, options?: RestoreOptions): Promise<RestoreReport | undefined> {
    if (
      options === undefined ||
      (options.map === undefined && options.variables === undefined && options.strict !== false)
    ) {
      if (!checkpointExists(prefix)) throw new SaverError('NOT_FOUND', `no checkpoint at ${prefix}`, { path: prefix });
      await this.run(session, this.saverDef.restore_op_name ?? '', prefix);
      return undefined;
    }
    return restoreGraphVariables(this.graph, session, prefix, options);
  }

  private async run(session: Session, fetch: string, path: string): Promise<unknown> {
    try {
      return await session.run(fetch, { [this.saverDef.filename_tensor_name ?? '']: path });
    } catch (err) {
      if (!(err instanceof GraphError)) throw err;
      const code =
        err.code === 'NOT_FOUND' ? 'MISSING_VARIABLE' : err.code === 'KERNEL' ? 'CORRUPT' : 'INVALID_ARGUMENT';
      throw new SaverError(code, err.message, { path, variable: err.node, cause: err });
    }
  }
}
