// Event records (tensorflow/core/util/event.proto): wall_time double = 1, step int64 = 2, then one of
// file_version = 3, graph_def bytes = 4, summary = 5, session_log = 7. Each event is one TFRecord in the file.
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import { EventsError } from './errors.js';

export const FILE_VERSION = 'brain.Event:2';

/** A step: a safe integer or a bigint in int64 range. */
export type Step = number | bigint;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** The step as protobufjs wants an int64: a plain number when safe (fast path), else a Long. */
export function toInt64(step: Step, tag?: string): number | Long {
  if (typeof step === 'number') {
    if (Number.isSafeInteger(step)) return step;
    throw new EventsError('INVALID_VALUE', `step must be a safe integer or a bigint, got ${step}`, { tag });
  }
  if (typeof step === 'bigint') {
    if (step < INT64_MIN || step > INT64_MAX) {
      throw new EventsError('INVALID_VALUE', `step ${step} is outside int64`, { tag });
    }
    return Long.fromString(step.toString());
  }
  throw new EventsError('INVALID_VALUE', `step must be a number or a bigint, got ${typeof step}`, { tag });
}

/** Seconds since the epoch as TensorFlow stores them (a double); checks a caller-given time. */
export function toWallTime(wallTime: number | undefined, tag?: string): number {
  if (wallTime === undefined) return Date.now() / 1000;
  if (typeof wallTime !== 'number' || !Number.isFinite(wallTime)) {
    // TensorBoard's Rust loader marks a file with a NaN wall time dead.
    throw new EventsError('INVALID_VALUE', `wall time must be a finite number of seconds, got ${wallTime}`, { tag });
  }
  return wallTime;
}

type EventProps = Omit<tensorflow.Event.$Properties, 'step'> & { step?: number | Long };

export function encodeEvent(event: EventProps): Uint8Array {
  return encodeMessage(tensorflow.Event, event as tensorflow.Event.$Properties);
}

export function fileVersionEvent(wallTime: number): Uint8Array {
  return encodeEvent({ wall_time: wallTime, file_version: FILE_VERSION });
}

export function summaryEvent(
  step: number | Long,
  wallTime: number,
  values: tensorflow.Summary.Value.$Properties[],
): Uint8Array {
  return encodeEvent({ wall_time: wallTime, step, summary: { value: values } });
}

export function graphEvent(step: number | Long, wallTime: number, graphDef: Uint8Array): Uint8Array {
  return encodeEvent({ wall_time: wallTime, step, graph_def: graphDef });
}

export const SessionStatus = { UNSPECIFIED: 0, START: 1, STOP: 2, CHECKPOINT: 3 } as const;

export function sessionLogEvent(step: number | Long, wallTime: number, status: number): Uint8Array {
  return encodeEvent({ wall_time: wallTime, step, session_log: { status } });
}
