// SummaryWriter: TensorBoard's event file writer for Node. Each call checks its arguments, encodes one Event and
// queues it (cheap, synchronous, typed errors at the call); EventFileSink appends the queue in the background.
// The file starts with the file_version event "brain.Event:2"; a resumed run then gets SessionLog START events at the
// resume step, which make TensorBoard drop the steps at or after it that a crashed run left behind.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeMessage, encodeMessage, tensorflow } from '@tensorgraft/proto';
import { EventsError } from '../errors.js';
import {
  fileVersionEvent,
  graphEvent,
  SessionStatus,
  type Step,
  sessionLogEvent,
  summaryEvent,
  toInt64,
  toWallTime,
} from '../event.js';
import { histogramValue } from '../summary/histogram.js';
import { type HParamValue, hparamsValues } from '../summary/hparams.js';
import { type ImageOptions, imageFromTensor, imageValue, type PixelData } from '../summary/image.js';
import type { PluginName } from '../summary/plugin-metadata.js';
import { scalarValue } from '../summary/scalar.js';
import { checkTag } from '../summary/tag.js';
import { isTensorLike, type ScalarLike, scalarOf, type TensorLike } from '../summary/tensor-like.js';
import { textValue } from '../summary/text.js';
import { nextEventFileName } from './file-name.js';
import { EventFileSink } from './file-sink.js';
import { ObjectEventSink } from './object-sink.js';

export interface SummaryWriterOptions {
  /** Milliseconds between background flushes (default 2000). */
  flushMillis?: number;
  /** Values that may wait in the queue before a write is started (default 1000). */
  maxQueue?: number;
  /** Appended to the file name, e.g. ".v2". */
  filenameSuffix?: string;
  /** Continue a run from this step: writes a SessionLog START so TensorBoard discards the old run's later steps. */
  resumeFromStep?: Step;
}

export interface WriteOptions {
  /** Seconds since the epoch (default: now). */
  wallTime?: number;
}

export interface ScalarOptions extends WriteOptions {
  /** Write the TF1 `simple_value` form instead of the TF2 tensor form. */
  legacy?: boolean;
}

export interface HistogramOptions extends WriteOptions {
  /** Bucket count of the TF2 form (default 30, at most 10,000). */
  buckets?: number;
  /** Write TensorFlow's legacy HistogramProto (fixed exponential buckets) instead. */
  legacy?: boolean;
}

export interface ImageWriteOptions extends ImageOptions, WriteOptions {}

export interface GraphOptions extends WriteOptions {
  step?: Step;
}

export interface HParamsOptions extends WriteOptions {
  /** Step of the metric scalars (default 0). */
  step?: Step;
  /** Group name of this session in the hparams dashboard (default: a hash of the values). */
  groupName?: string;
}

const DEFAULT_FLUSH_MILLIS = 2000;
const DEFAULT_MAX_QUEUE = 1000;
const MAX_QUEUE_BYTES = 4 << 20;

export class SummaryWriter {
  /** The log directory (absolute). */
  readonly logdir: string;
  /** The event file this writer appends to. */
  readonly path: string;
  private readonly sink: EventFileSink | ObjectEventSink;
  /** The plugin each tag was first written with: TensorBoard keeps a tag's first metadata for the whole run. */
  private readonly kinds = new Map<string, PluginName>();

  constructor(logdir: string, options: SummaryWriterOptions = {}) {
    const flushMillis = options.flushMillis ?? DEFAULT_FLUSH_MILLIS;
    const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    if (!Number.isFinite(flushMillis) || flushMillis < 1 || flushMillis > 2 ** 31 - 1) {
      throw new EventsError('INVALID_OPTION', `flushMillis must be from 1 to 2^31 - 1, got ${flushMillis}`);
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 1) {
      throw new EventsError('INVALID_OPTION', `maxQueue must be a positive integer, got ${maxQueue}`);
    }
    const suffix = options.filenameSuffix ?? '';
    if (typeof suffix !== 'string' || /[/\\\0]/.test(suffix)) {
      throw new EventsError('INVALID_OPTION', `filenameSuffix must not contain a path separator: ${String(suffix)}`);
    }
    const resumeStep = options.resumeFromStep === undefined ? undefined : toInt64(options.resumeFromStep);
    if (typeof logdir !== 'string' || logdir === '') {
      throw new EventsError('UNWRITABLE_LOGDIR', 'the log directory must be a non-empty path');
    }
    const remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(logdir);
    this.logdir = remote ? logdir.replace(/\/+$/, '') : resolve(logdir);
    const now = Date.now() / 1000;
    const sinkOptions = { flushMillis, maxQueue, maxQueueBytes: MAX_QUEUE_BYTES };
    if (remote) {
      // An object store logdir (s3://bucket/run): the event file is uploaded whole (object-sink.ts).
      const path = `${this.logdir}/${nextEventFileName(now, suffix)}`;
      try {
        this.sink = new ObjectEventSink(path, sinkOptions);
      } catch (err) {
        throw new EventsError('UNWRITABLE_LOGDIR', `cannot write event files there: ${(err as Error).message}`, {
          path,
          cause: err,
        });
      }
    } else this.sink = this.openLocal(now, suffix, sinkOptions);
    this.path = this.sink.path;
    this.sink.append(fileVersionEvent(now));
    if (resumeStep !== undefined) {
      // Twice: TensorBoard's plugin loader takes a run's first START for the initial session start and purges only on
      // a later one (the legacy loader purges on every START); a run written without START needs both to drop the
      // orphaned steps. Purging at the same step twice is harmless.
      const start = sessionLogEvent(resumeStep, now, SessionStatus.START);
      this.sink.append(start);
      this.sink.append(start);
    }
  }

  /**
   * A scalar (a number, or a one-element tf.Tensor or typed array): TF2 float tensor with the `scalars` plugin
   * (default) or legacy simple_value. Stored as float32.
   */
  scalar(tag: string, value: ScalarLike, step: Step, options: ScalarOptions = {}): void {
    this.begin(tag, 'scalars');
    const s = toInt64(step, tag);
    const w = toWallTime(options.wallTime, tag);
    this.put(tag, 'scalars', summaryEvent(s, w, [scalarValue(tag, value, options.legacy)]));
  }

  /**
   * A histogram of `values` (finite numbers: an array, typed array or tf.Tensor): TF2 [k, 3] buckets (default) or the
   * legacy HistogramProto.
   */
  histogram(tag: string, values: ArrayLike<number> | TensorLike, step: Step, options: HistogramOptions = {}): void {
    this.begin(tag, 'histograms');
    const s = toInt64(step, tag);
    const w = toWallTime(options.wallTime, tag);
    const opts: { buckets?: number; legacy?: boolean } = {};
    if (options.buckets !== undefined) opts.buckets = options.buckets;
    if (options.legacy !== undefined) opts.legacy = options.legacy;
    this.put(tag, 'histograms', summaryEvent(s, w, [histogramValue(tag, values, opts)]));
  }

  /**
   * One image (HWC) or a batch (NHWC), uint8 or floats in [0, 1], PNG-encoded. A tf.Tensor's shape gives height,
   * width and channels (int32 tensors hold 0..255); other pixel data needs them in `options`.
   */
  image(tag: string, pixels: PixelData | TensorLike, step: Step, options?: ImageWriteOptions): void;
  image(tag: string, pixels: TensorLike, step: Step, options?: Partial<ImageWriteOptions>): void;
  image(tag: string, pixels: PixelData | TensorLike, step: Step, options?: Partial<ImageWriteOptions>): void {
    this.begin(tag, 'images');
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new EventsError('INVALID_VALUE', 'image() needs {height, width, channels}', { tag });
    }
    const s = toInt64(step, tag);
    const w = toWallTime(options?.wallTime, tag);
    if (isTensorLike(pixels)) {
      const fromTensor = imageFromTensor(pixels, options ?? {}, tag);
      this.put(tag, 'images', summaryEvent(s, w, [imageValue(tag, fromTensor.pixels, fromTensor.options)]));
      return;
    }
    if (options === undefined)
      throw new EventsError('INVALID_VALUE', 'image() needs {height, width, channels}', { tag });
    this.put(tag, 'images', summaryEvent(s, w, [imageValue(tag, pixels, options as ImageOptions)]));
  }

  /** Markdown text (a string, or a list shown as a table). */
  text(tag: string, text: string | readonly string[], step: Step, options: WriteOptions = {}): void {
    this.begin(tag, 'text');
    const s = toInt64(step, tag);
    const w = toWallTime(options.wallTime, tag);
    this.put(tag, 'text', summaryEvent(s, w, [textValue(tag, text)]));
  }

  /** The run's graph (GraphDef bytes or message) in Event.graph_def, which TensorBoard's graph tab draws. */
  graph(graphDef: Uint8Array | tensorflow.GraphDef.$Properties, options: GraphOptions = {}): void {
    this.sink.check();
    let bytes: Uint8Array;
    if (graphDef instanceof Uint8Array) {
      try {
        decodeMessage(tensorflow.GraphDef, graphDef);
      } catch (err) {
        throw new EventsError('INVALID_VALUE', `the graph is not a GraphDef: ${(err as Error).message}`, {
          cause: err,
        });
      }
      bytes = graphDef;
    } else if (graphDef !== null && typeof graphDef === 'object') {
      try {
        bytes = encodeMessage(tensorflow.GraphDef, graphDef);
      } catch (err) {
        throw new EventsError('INVALID_VALUE', `cannot encode the GraphDef: ${(err as Error).message}`, { cause: err });
      }
    } else {
      throw new EventsError('INVALID_VALUE', 'graph() takes GraphDef bytes or a tensorflow.GraphDef message');
    }
    const s = toInt64(options.step ?? 0);
    this.sink.append(graphEvent(s, toWallTime(options.wallTime), bytes));
  }

  /**
   * Hyperparameters of this run and their metric values, for the hparams dashboard: the experiment (which
   * hparams and metrics exist), this session's values, and each metric as a scalar at `options.step`.
   */
  hparams(
    hparams: Readonly<Record<string, HParamValue>>,
    metrics: Readonly<Record<string, ScalarLike>>,
    options: HParamsOptions = {},
  ): void {
    this.sink.check();
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
      throw new EventsError('INVALID_VALUE', 'metrics must be an object of tag: number');
    }
    const metricTags = Object.keys(metrics);
    const values: Record<string, number> = {};
    for (const tag of metricTags) {
      checkTag(tag);
      this.checkKind(tag, 'scalars');
      const v = scalarOf(metrics[tag], `metric ${tag}`, tag);
      if (typeof v !== 'number') {
        throw new EventsError('INVALID_VALUE', `metric ${tag} is ${typeof v}, not a number`, { tag });
      }
      values[tag] = v;
    }
    const w = toWallTime(options.wallTime);
    const s = toInt64(options.step ?? 0);
    const summaryOptions: { groupName?: string; startTimeSecs: number } = { startTimeSecs: w };
    if (options.groupName !== undefined) summaryOptions.groupName = options.groupName;
    const [experiment, sessionStart] = hparamsValues(hparams, metricTags, summaryOptions);
    const events: Uint8Array[] = [summaryEvent(0, w, [experiment!]), summaryEvent(0, w, [sessionStart!])];
    for (const tag of metricTags) events.push(summaryEvent(s, w, [scalarValue(tag, values[tag]!)]));
    for (const tag of metricTags) this.kinds.set(tag, 'scalars');
    for (const e of events) this.sink.append(e);
  }

  /** Creates the local logdir and a new event file in it (another counter when the name is taken). */
  private openLocal(
    now: number,
    suffix: string,
    sinkOptions: { flushMillis: number; maxQueue: number; maxQueueBytes: number },
  ): EventFileSink {
    try {
      mkdirSync(this.logdir, { recursive: true });
    } catch (err) {
      throw new EventsError('UNWRITABLE_LOGDIR', `cannot create the log directory: ${(err as Error).message}`, {
        path: this.logdir,
        cause: err,
      });
    }
    let sink: EventFileSink | undefined;
    for (let attempt = 0; !sink; attempt++) {
      const path = join(this.logdir, nextEventFileName(now, suffix));
      try {
        sink = new EventFileSink(path, sinkOptions);
      } catch (err) {
        // Another writer (another process with our pid on a shared disk, say) got this name: take the next counter.
        if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
        throw new EventsError('UNWRITABLE_LOGDIR', `cannot create an event file: ${(err as Error).message}`, {
          path,
          cause: err,
        });
      }
    }
    return sink;
  }

  /** Resolves once everything written so far is in the file; rejects with a write error. */
  flush(): Promise<void> {
    return this.sink.flush();
  }

  /** Flushes and closes the file; rejects with a write error. Later calls throw CLOSED. */
  close(): Promise<void> {
    return this.sink.close();
  }

  get closed(): boolean {
    return this.sink.isClosed;
  }

  private begin(tag: string, kind: PluginName): void {
    this.sink.check(typeof tag === 'string' ? tag : undefined);
    const previous = this.kinds.get(tag);
    if (previous === kind) return; // checked when first written
    checkTag(tag);
    this.checkKind(tag, kind);
  }

  /** Queues a summary event and remembers the tag's kind (only once the value was accepted). */
  private put(tag: string, kind: PluginName, event: Uint8Array): void {
    this.sink.append(event);
    this.kinds.set(tag, kind);
  }

  private checkKind(tag: string, kind: PluginName): void {
    const previous = this.kinds.get(tag);
    if (previous !== undefined && previous !== kind) {
      throw new EventsError('INVALID_TAG', `tag already holds ${previous}; it cannot also hold ${kind}`, { tag });
    }
  }
}
