// A minimal protobuf field scanner for the one message too big to hand to protobufjs: a V1 SavedSlice whose
// TensorProto carries a whole tensor in a packed `*_val` field (vgg_16's fc6 weights: 411 MB). Scanning yields each
// field's number, wire type and payload (a subarray, no copy), so values go straight into the result's typed array.
// Varints come from @tensorgraft/proto.
import { readVarint64, readVarintSafe } from '@tensorgraft/proto/lite';
import { BundleError, type BundleErrorDetails } from './errors.js';

export interface Field {
  field: number;
  wire: number;
  /** Varint value (wire 0). */
  varint: bigint;
  /** Payload for wire 1 (8 bytes), 2 (length-delimited) and 5 (4 bytes). */
  bytes: Uint8Array;
}

export function* scanFields(buf: Uint8Array, where: BundleErrorDetails): Generator<Field> {
  let at = 0;
  const bad = (msg: string, cause?: unknown): BundleError =>
    new BundleError('CORRUPT_DATA', msg, { ...where, offset: (where.offset ?? 0) + at, cause });
  while (at < buf.length) {
    let tag: number;
    try {
      const t = readVarintSafe(buf, at);
      tag = t.value;
      at = t.next;
    } catch (err) {
      throw bad('bad field tag', err);
    }
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw bad('field number 0');
    const empty = buf.subarray(0, 0);
    switch (wire) {
      case 0: {
        let v: { value: bigint; next: number };
        try {
          v = readVarint64(buf, at);
        } catch (err) {
          throw bad('bad varint', err);
        }
        at = v.next;
        yield { field, wire, varint: v.value, bytes: empty };
        break;
      }
      case 1:
      case 5: {
        const n = wire === 1 ? 8 : 4;
        if (at + n > buf.length) throw bad('fixed field runs past the end');
        yield { field, wire, varint: 0n, bytes: buf.subarray(at, at + n) };
        at += n;
        break;
      }
      case 2: {
        let len: { value: number; next: number };
        try {
          len = readVarintSafe(buf, at);
        } catch (err) {
          throw bad('bad length', err);
        }
        at = len.next;
        if (at + len.value > buf.length) throw bad(`field of ${len.value} bytes runs past the end`);
        yield { field, wire, varint: 0n, bytes: buf.subarray(at, at + len.value) };
        at += len.value;
        break;
      }
      default:
        throw bad(`unsupported wire type ${wire}`);
    }
  }
}

/** Decodes a run of varints (a packed repeated varint field). */
export function* packedVarints(bytes: Uint8Array, where: BundleErrorDetails): Generator<bigint> {
  let at = 0;
  while (at < bytes.length) {
    try {
      const v = readVarint64(bytes, at);
      at = v.next;
      yield v.value;
    } catch (err) {
      throw new BundleError('CORRUPT_DATA', 'bad packed varint', { ...where, cause: err });
    }
  }
}
