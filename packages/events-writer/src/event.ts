// Event records (tensorflow/core/util/event.proto): wall_time double = 1, step int64 = 2, then one of
// file_version = 3, graph_def bytes = 4, summary = 5, session_log = 7. Each event is one TFRecord in the file.
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import { EventsError } from './errors.js';
import { scalarOf, type TensorLike, type TypedNumberArray } from './summary/tensor-like.js';

export const FILE_VERSION = 'brain.Event:2';

/** A step: a safe integer or a bigint in int64 range, or a one-element tensor or typed array holding one. */
export type Step = number | bigint | TensorLike | TypedNumberArray;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** An int64 as two's-complement 32-bit halves, which protobufjs's writer takes as it takes a Long. */
export interface Int64Bits {
  low: number;
  high: number;
  unsigned: false;
}

/** The step as protobufjs wants an int64: a plain number when safe (fast path), else its 32-bit halves. */
export function toInt64(stepArg: Step, tag?: string): number | Int64Bits {
  const step = scalarOf(stepArg, 'step', tag);
  if (typeof step === 'number') {
    if (Number.isSafeInteger(step)) return step;
    throw new EventsError('INVALID_VALUE', `step must be a safe integer or a bigint, got ${step}`, { tag });
  }
  if (typeof step === 'bigint') {
    if (step < INT64_MIN || step > INT64_MAX) {
      throw new EventsError('INVALID_VALUE', `step ${step} is outside int64`, { tag });
    }
    const bits = BigInt.asUintN(64, step);
    return { low: Number(bits & 0xffff_ffffn) | 0, high: Number(bits >> 32n) | 0, unsigned: false };
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

type EventProps = Omit<tensorflow.Event.$Properties, 'step'> & { step?: number | Int64Bits };

export function encodeEvent(event: EventProps): Uint8Array {
  return encodeMessage(tensorflow.Event, event as tensorflow.Event.$Properties);
}

export function fileVersionEvent(wallTime: number): Uint8Array {
  return encodeEvent({ wall_time: wallTime, file_version: FILE_VERSION });
}

export function summaryEvent(
  step: number | Int64Bits,
  wallTime: number,
  values: tensorflow.Summary.Value.$Properties[],
): Uint8Array {
  return encodeEvent({ wall_time: wallTime, step, summary: { value: values } });
}

export function graphEvent(step: number | Int64Bits, wallTime: number, graphDef: Uint8Array): Uint8Array {
  return encodeEvent({ wall_time: wallTime, step, graph_def: graphDef });
}

export const SessionStatus = { UNSPECIFIED: 0, START: 1, STOP: 2, CHECKPOINT: 3 } as const;

export function sessionLogEvent(step: number | Int64Bits, wallTime: number, status: number): Uint8Array {
  return encodeEvent({ wall_time: wallTime, step, session_log: { status } });
}
