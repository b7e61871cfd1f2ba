// What an event means to TensorBoard, as plain values: one entry per summary value, graph, session log or file
// version. Scalars come from simple_value or a rank-0 numeric tensor; histograms from the TF2 [k, 3] tensor or the
// legacy HistogramProto; images from the images plugin's string tensor (width, height, PNGs); text from string
// tensors; hparams from the hparams plugin's content.
import { decodeMessage, tensorboard, type tensorflow } from '@tensorgraft/proto';

export type ValueKind =
  | 'file_version'
  | 'scalar'
  | 'histogram'
  | 'image'
  | 'text'
  | 'graph'
  | 'hparams'
  | 'session_log'
  | 'tensor'
  | 'other';

export interface HistogramBucket {
  left: number;
  right: number;
  count: number;
}

export interface ImageBatch {
  width: number;
  height: number;
  /** PNG (or other encoded) images. */
  images: Uint8Array[];
}

export interface HParamsContent {
  /** Which hparams/metrics exist (the "_hparams_/experiment" value). */
  experiment?: { hparams: string[]; metrics: string[] };
  /** This session's values (the "_hparams_/session_start_info" value). */
  sessionStart?: {
    hparams: Record<string, number | string | boolean | null>;
    groupName: string;
    startTimeSecs: number;
  };
  sessionEnd?: { status: number };
  /** Set when the plugin content does not decode. */
  invalid?: string;
}

export interface EventValue {
  tag: string;
  step: number | bigint;
  wallTime: number;
  kind: ValueKind;
  /**
   * scalar: number; histogram: HistogramBucket[] (legacy buckets as [previous limit, limit, count]); image: ImageBatch;
   * text: string or string[]; graph: Uint8Array (GraphDef bytes); hparams: HParamsContent; session_log: status name;
   * file_version: the version string; tensor: {dtype, shape}; other: the oneof name.
   */
  value: unknown;
  /** The plugin named in the value's metadata, if any. */
  plugin?: string;
}

const SESSION_STATUS = ['UNSPECIFIED', 'START', 'STOP', 'CHECKPOINT'];
const decoder = new TextDecoder();

/** A decoded int64 step (a Long, whose toString is its decimal value, or a number) as a number when safe, else a bigint. */
export function stepOf(step: { toString(): string } | number | null | undefined): number | bigint {
  if (step === null || step === undefined) return 0;
  if (typeof step === 'number') return step;
  const big = BigInt(step.toString());
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big;
}

/**
 * The values of one event. `pluginOfTag` carries each tag's first metadata plugin across a file, as TensorBoard
 * does: writers may send the metadata only with a tag's first value.
 */
export function eventValues(
  event: tensorflow.Event.$Properties,
  pluginOfTag: Map<string, string> = new Map(),
): EventValue[] {
  const step = stepOf(event.step);
  const wallTime = event.wall_time ?? 0;
  const base = (tag: string, kind: ValueKind, value: unknown): EventValue => ({ tag, step, wallTime, kind, value });
  if (event.file_version != null) return [base('', 'file_version', event.file_version)];
  if (event.graph_def != null) return [base('', 'graph', event.graph_def)];
  if (event.session_log != null)
    return [base('', 'session_log', SESSION_STATUS[event.session_log.status ?? 0] ?? 'UNSPECIFIED')];
  if (event.summary == null) return event.what ? [base('', 'other', event.what)] : [];
  const out: EventValue[] = [];
  for (const v of event.summary.value ?? []) {
    const tag = v.tag ?? '';
    const named = v.metadata?.plugin_data?.plugin_name;
    if (named && !pluginOfTag.has(tag)) pluginOfTag.set(tag, named);
    const plugin = pluginOfTag.get(tag) ?? '';
    const entry = summaryValue(v, plugin);
    const ev = base(tag, entry.kind, entry.value);
    if (plugin) ev.plugin = plugin;
    out.push(ev);
  }
  return out;
}

function summaryValue(v: tensorflow.Summary.Value.$Properties, plugin: string): { kind: ValueKind; value: unknown } {
  if (v.simple_value != null) return { kind: 'scalar', value: v.simple_value };
  if (v.histo != null) return { kind: 'histogram', value: legacyBuckets(v.histo) };
  if (v.image != null) {
    const img = v.image;
    return {
      kind: 'image',
      value: { width: img.width ?? 0, height: img.height ?? 0, images: [img.encoded_image_string ?? new Uint8Array()] },
    };
  }
  const t = v.tensor;
  if (t == null) return { kind: 'other', value: 'empty' };
  switch (plugin) {
    case 'scalars':
      return { kind: 'scalar', value: numbers(t)[0] ?? Number.NaN };
    case 'histograms': {
      const n = numbers(t);
      const buckets: HistogramBucket[] = [];
      for (let i = 0; i + 2 < n.length; i += 3) buckets.push({ left: n[i]!, right: n[i + 1]!, count: n[i + 2]! });
      return { kind: 'histogram', value: buckets };
    }
    case 'images': {
      const s = t.string_val ?? [];
      return {
        kind: 'image',
        value: { width: Number(decoder.decode(s[0])), height: Number(decoder.decode(s[1])), images: s.slice(2) },
      };
    }
    case 'text': {
      const s = (t.string_val ?? []).map((b) => decoder.decode(b));
      const rank = t.tensor_shape?.dim?.length ?? 0;
      return { kind: 'text', value: rank === 0 ? (s[0] ?? '') : s };
    }
    case 'hparams':
      return { kind: 'hparams', value: hparamsOf(v.metadata?.plugin_data?.content) };
  }
  const shape = (t.tensor_shape?.dim ?? []).map((d) => Number(d.size ?? 0));
  // An untagged numeric rank-0 tensor is shown by TensorBoard as a scalar only with the scalars plugin; keep it raw.
  return { kind: 'tensor', value: { dtype: t.dtype ?? 0, shape } };
}

// As TensorBoard's data_compat migrates a legacy histogram: empty buckets at both ends dropped, then min as the first
// left edge, max as the last right edge, the limits in between (kept in float64 here; TensorBoard narrows to float32).
function legacyBuckets(h: tensorflow.HistogramProto.$Properties): HistogramBucket[] {
  const limits = h.bucket_limit ?? [];
  const counts = h.bucket ?? [];
  let start = 0;
  while (start < counts.length && !(counts[start]! > 0)) start++;
  let end = counts.length - 1;
  while (end >= 0 && !(counts[end]! > 0)) end--;
  const out: HistogramBucket[] = [];
  for (let i = start; i <= end; i++) {
    out.push({
      left: i === start ? (h.min ?? 0) : limits[i - 1]!,
      right: i === end ? (h.max ?? 0) : limits[i]!,
      count: counts[i]!,
    });
  }
  return out;
}

/** The numbers of a float, double or integer tensor (tensor_content or the *_val fields). */
export function numbers(t: tensorflow.TensorProto.$Properties): number[] {
  const dtype = t.dtype ?? 0;
  const content = t.tensor_content;
  if (content && content.length > 0) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    const out: number[] = [];
    const width = dtype === 2 ? 8 : dtype === 1 || dtype === 3 ? 4 : 0;
    if (width === 0) return out;
    for (let o = 0; o + width <= content.length; o += width) {
      out.push(
        dtype === 2 ? view.getFloat64(o, true) : dtype === 1 ? view.getFloat32(o, true) : view.getInt32(o, true),
      );
    }
    return out;
  }
  if (t.float_val?.length) return [...t.float_val];
  if (t.double_val?.length) return [...t.double_val];
  if (t.int_val?.length) return [...t.int_val];
  return [];
}

function hparamsOf(content: Uint8Array | null | undefined): HParamsContent {
  if (!content) return {};
  let data: tensorboard.hparams.HParamsPluginData.$Properties;
  try {
    data = decodeMessage(tensorboard.hparams.HParamsPluginData, content);
  } catch (err) {
    // A damaged plugin payload spoils this value only, not the listing of the rest of the file.
    return { invalid: (err as Error).message };
  }
  const out: HParamsContent = {};
  if (data.experiment) {
    out.experiment = {
      hparams: (data.experiment.hparam_infos ?? []).map((h) => h.name ?? ''),
      metrics: (data.experiment.metric_infos ?? []).map((m) => m.name?.tag ?? ''),
    };
  }
  if (data.session_start_info) {
    const s = data.session_start_info;
    const hparams: Record<string, number | string | boolean | null> = {};
    for (const [k, val] of Object.entries(s.hparams ?? {})) {
      hparams[k] = val.numberValue ?? val.stringValue ?? val.boolValue ?? null;
    }
    out.sessionStart = { hparams, groupName: s.group_name ?? '', startTimeSecs: s.start_time_secs ?? 0 };
  }
  if (data.session_end_info) out.sessionEnd = { status: data.session_end_info.status ?? 0 };
  return out;
}
