// Malformed binary input: decodeMessage throws ProtoError with the code, the byte offset where decoding stopped, the
// file path and the message type; never a raw protobufjs error and never an allocation the input cannot justify.
import { join } from 'node:path';
import { decodeMessage, ProtoError, tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { bytesOf, GRAPHS } from './fixtures.js';

function decodeError(bytes: ArrayLike<number>): ProtoError {
  try {
    decodeMessage(tensorflow.GraphDef, Uint8Array.from(bytes), { path: 'bad.pb' });
  } catch (err) {
    expect(err).toBeInstanceOf(ProtoError);
    return err as ProtoError;
  }
  throw new Error('decoded without error');
}

/** A length-delimited field: tag byte, varint length, payload. */
function field(tag: number, payload: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = payload.length;
  do {
    len.push((n & 127) | (n > 127 ? 128 : 0));
    n >>>= 7;
  } while (n);
  return Uint8Array.from([tag, ...len, ...payload]);
}

describe('malformed binary', () => {
  it('a length running past the end is TRUNCATED at the offset of the missing bytes', () => {
    const e = decodeError([0x0a, 0x05, 0x0a, 0x01]); // node { <5 bytes> } with only 2 present
    expect([e.code, e.offset, e.path, e.type]).toEqual(['TRUNCATED', 2, 'bad.pb', 'tensorflow.GraphDef']);
  });

  it('a varint cut short is TRUNCATED', () => {
    expect([decodeError([0x08, 0x80]).code, decodeError([0x08, 0x80]).offset]).toEqual(['TRUNCATED', 2]);
  });

  it('an invalid wire type is BAD_WIRE at its offset', () => {
    const e = decodeError([0x0a, 0x02, 0x0f, 0x00]);
    expect([e.code, e.offset]).toEqual(['BAD_WIRE', 3]);
  });

  it('field number 0 is BAD_WIRE', () => {
    expect(decodeError([0x00]).code).toBe('BAD_WIRE');
  });

  it('a 4 GB length is refused without allocating it', () => {
    const e = decodeError([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(['BAD_WIRE', 'TRUNCATED']).toContain(e.code);
    expect(e.offset).toBeLessThanOrEqual(6);
  });

  it('nesting deeper than the recursion limit is BAD_WIRE, not a stack overflow', () => {
    // AttrValue.func -> NameAttrList.attr entry -> entry.value -> AttrValue.func ..., 200 levels.
    let m: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 200; i++) m = field(0x52, field(0x12, field(0x12, m)));
    let error: unknown;
    try {
      decodeMessage(tensorflow.AttrValue, m);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProtoError);
    expect((error as ProtoError).code).toBe('BAD_WIRE');
    expect((error as ProtoError).offset).toBeGreaterThan(0);
  });

  it('every truncation of a real GraphDef fails with a typed error or decodes a prefix', () => {
    const whole = bytesOf(join(GRAPHS, 'cond.pb'));
    let rejected = 0;
    for (let n = 0; n < whole.length; n += 7) {
      try {
        decodeMessage(tensorflow.GraphDef, whole.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(ProtoError);
        expect((err as ProtoError).offset).toBeLessThanOrEqual(n);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(whole.length / 7 / 2);
  });
});
