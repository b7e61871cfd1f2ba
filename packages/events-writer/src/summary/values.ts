// Accepting numeric data from callers: plain arrays and every numeric typed array, checked element by element.
import { EventsError } from '../errors.js';
import { arrayOf } from './tensor-like.js';

export type NumericData = ArrayLike<number>;

/** Copies `data` to a Float64Array, refusing non-numbers (and, unless allowed, non-finite numbers). */
export function toFloat64(arg: unknown, what: string, tag: string, allowNonFinite = false): Float64Array {
  const data = arrayOf(arg, what, tag);
  if (data === null || typeof data !== 'object' || typeof (data as ArrayLike<unknown>).length !== 'number') {
    throw new EventsError('INVALID_VALUE', `${what} must be an array or typed array of numbers`, { tag });
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new EventsError('INVALID_VALUE', `${what} must hold numbers, not bigints`, { tag });
  }
  const src = data as ArrayLike<unknown>;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v !== 'number') {
      throw new EventsError('INVALID_VALUE', `${what}[${i}] is ${typeof v}, not a number`, { tag });
    }
    if (!allowNonFinite && !Number.isFinite(v)) {
      throw new EventsError('INVALID_VALUE', `${what}[${i}] is ${v}; only finite values can be bucketed`, { tag });
    }
    out[i] = v;
  }
  return out;
}
