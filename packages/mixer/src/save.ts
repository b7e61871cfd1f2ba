// saveMixed(): the mixed model as TensorFlow keeps one: `<prefix>.index` + `.data-00000-of-00001` with every variable
// under its mixed name (the key TensorFlow's Saver uses: the variable's op name), then `<prefix>.meta`, the graph with
// one tf.compat.v1 Saver subgraph over all variables (so import_meta_graph + Saver.restore work on it).
// Values come either from the session (after training) or straight from each model's source checkpoint: those are
// read by bundle-io (checksums verified) into one reused buffer and written back with the same dtype and bytes (no
// TensorFlow.js on the way, one tensor in memory at a time). Each file is written under a temporary name and renamed, data and index before the meta graph.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import {
  BundleReader,
  BundleWriter,
  type CheckpointReader,
  type NumericData,
  numElements,
  type Tensor,
} from '@tensorgraft/bundle-io';
import { addSaverOps, exportMetaGraph, readAttr, type Session, serializeMetaGraph } from '@tensorgraft/graph';
import { baseDType, dtypeInfo, dtypeName, type tensorflow } from '@tensorgraft/proto';
import { writeFileAtomic } from '@tensorgraft/saver';
import { MixerError } from './errors.js';
import type { Mixed } from './mixed.js';
import { openModelCheckpoint } from './model-checkpoint.js';
import { fromTfjs } from './tensor-convert.js';
import { globalVariables, trainableVariables } from './trainable.js';

export interface SaveMixedOptions {
  /** Read variable values from this session (needed for variables without a source checkpoint). */
  session?: Session;
  /**
   * Which variables are copied byte for byte from their model's checkpoint instead of read from the session:
   * 'all' (the default without a session), 'frozen' (those not in trainable_variables: a frozen backbone is not
   * read back out of TensorFlow.js; only right when nothing assigned them since restoreMixed), 'none' (the default
   * with a session).
   */
  stream?: 'all' | 'frozen' | 'none';
  /** Write `<prefix>.meta` (default true). */
  writeMetaGraph?: boolean;
  /** Called after each variable is written (`done` of `total`), for a progress display. */
  onTensor?: (done: number, total: number, variable: string) => void;
}

export interface SaveMixedReport {
  prefix: string;
  /** Checkpoint keys written, in order. */
  keys: string[];
  /** Variables copied from their source checkpoint. */
  streamed: string[];
  /** Variables read from the session. */
  fromSession: string[];
  /** Bytes of tensor data written. */
  bytes: number;
  /** The meta graph file, when written. */
  metaGraph?: string;
}

/** The SaverDef of the mixed graph's Saver (added on first use, and again if variables were added since). */
export function saverFor(mixed: Mixed): tensorflow.SaverDef {
  const count = globalVariables(mixed.graph).size;
  if (!mixed.saverDef || count !== mixed.saverVariableCount) {
    mixed.saverDef = addSaverOps(mixed.graph);
    mixed.saverVariableCount = count;
  }
  return mixed.saverDef;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export async function saveMixed(
  mixed: Mixed,
  prefix: string,
  options: SaveMixedOptions = {},
): Promise<SaveMixedReport> {
  const session = options.session;
  const stream = options.stream ?? (session ? 'none' : 'all');
  const vars = globalVariables(mixed.graph);
  const trainable = new Set(trainableVariables(mixed.graph));
  const saverDef = saverFor(mixed);

  const plan = [...vars.keys()].sort(byBytes).map((variable) => {
    const entry = mixed.restoreMap.get(variable);
    const streamIt = entry !== undefined && (stream === 'all' || (stream === 'frozen' && !trainable.has(variable)));
    if (!streamIt && !session) {
      throw new MixerError('NO_VALUE', 'the variable has no source checkpoint: pass a session to save it', {
        variable,
      });
    }
    return { variable, entry: streamIt ? entry : undefined };
  });

  try {
    mkdirSync(dirname(prefix), { recursive: true });
  } catch (cause) {
    throw new MixerError('IO', 'cannot create the output directory', { path: dirname(prefix), cause });
  }
  const readers = new Map<string, CheckpointReader>();
  const scratch = new Scratch();
  const writer = new BundleWriter(prefix);
  const report: SaveMixedReport = { prefix, keys: [], streamed: [], fromSession: [], bytes: 0 };
  try {
    for (const { variable, entry } of plan) {
      let tensor: Tensor;
      if (entry) {
        let reader = readers.get(entry.checkpoint);
        if (!reader) {
          reader = openModelCheckpoint(entry.checkpoint, entry.model);
          readers.set(entry.checkpoint, reader);
        }
        tensor = readTensor(reader, entry.key, variable, entry.checkpoint, entry.model, scratch);
        report.streamed.push(variable);
      } else {
        tensor = await sessionValue(session!, mixed, variable, vars.get(variable)!.snapshot_name ?? `${variable}:0`);
        report.fromSession.push(variable);
      }
      writer.add(variable, tensor);
      report.keys.push(variable);
      options.onTensor?.(report.keys.length, plan.length, variable);
    }
    report.bytes = writer.dataSize;
    writer.finish();
  } catch (cause) {
    writer.abort();
    if (cause instanceof MixerError) throw cause;
    throw new MixerError('IO', 'cannot write the checkpoint', { path: prefix, cause });
  } finally {
    for (const r of readers.values()) r.close();
  }
  if (options.writeMetaGraph ?? true) {
    const path = `${prefix}.meta`;
    try {
      writeFileAtomic(path, serializeMetaGraph(exportMetaGraph(mixed.graph, { saverDef })));
    } catch (cause) {
      throw new MixerError('IO', 'cannot write the meta graph', { path, cause });
    }
    report.metaGraph = path;
  }
  return report;
}

/**
 * One buffer reused for every streamed tensor: BundleWriter.add writes the bytes before it returns, so the next read
 * may overwrite them; reading into memory already touched avoids a fresh allocation's page faults per tensor.
 */
class Scratch {
  private buffer = new ArrayBuffer(0);

  view(dtype: string, elements: number): NumericData | undefined {
    const info = dtypeInfo(dtype);
    if (!info.arrayType || info.kind === 'string') return undefined;
    const n = elements * (info.kind === 'complex' ? 2 : 1);
    const bytes = n * info.arrayType.BYTES_PER_ELEMENT;
    if (this.buffer.byteLength < bytes) this.buffer = new ArrayBuffer(Math.max(bytes, this.buffer.byteLength * 2));
    return new info.arrayType(this.buffer, 0, n) as NumericData;
  }
}

function readTensor(
  reader: CheckpointReader,
  key: string,
  variable: string,
  path: string,
  model: string,
  scratch: Scratch,
): Tensor {
  try {
    if (reader instanceof BundleReader) {
      const e = reader.entry(key);
      const target = e.slices.length ? undefined : scratch.view(e.dtype, numElements(e.shape));
      if (target) return { dtype: e.dtype, shape: e.shape, data: reader.readInto(key, target) };
    }
    return reader.get(key);
  } catch (cause) {
    throw new MixerError('IO', `cannot read '${key}' from the checkpoint`, { model, variable, path, cause });
  }
}

async function sessionValue(session: Session, mixed: Mixed, variable: string, snapshot: string): Promise<Tensor> {
  const node = mixed.graph.requireNode(variable);
  const dtype = dtypeName(baseDType(readAttr.type(node, 'dtype')));
  const value = (await session.run(snapshot)) as tf.Tensor;
  try {
    return fromTfjs(value, dtype, variable);
  } finally {
    value.dispose();
  }
}
