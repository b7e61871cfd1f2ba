// dtypes: the table, and half / bfloat16 conversions against what TensorFlow's tf.cast computes
// (fixtures/graphs/dtypes.json, written by interop/fixtures/make_graphs.py).
import { join } from 'node:path';
import {
  bfloat16BitsToFloat32,
  bits16ToFloat32,
  DataType,
  dtypeInfo,
  dtypeName,
  findDType,
  float32ToBfloat16Bits,
  float32ToBits16,
  float32ToHalfBits,
  halfBitsToFloat32,
  ProtoError,
} from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { GRAPHS, jsonOf } from './fixtures.js';

interface Row {
  f32_bits: number;
  half_bits: number;
  half_to_f32_bits: number;
  bf16_bits: number;
  bf16_to_f32_bits: number;
}
const { rows } = jsonOf<{ rows: Row[] }>(join(GRAPHS, 'dtypes.json'));

const view = new DataView(new ArrayBuffer(4));
const fromBits = (b: number) => {
  view.setUint32(0, b, true);
  return view.getFloat32(0, true);
};
const toBits = (v: number) => {
  view.setFloat32(0, v, true);
  return view.getUint32(0, true);
};
const isNaNBits = (b: number, expBits: number, mantMask: number) => (b & expBits) === expBits && (b & mantMask) !== 0;

describe('half and bfloat16 against TensorFlow', () => {
  it(`rounds ${rows.length} float32 values to half as tf.cast does`, () => {
    for (const r of rows) {
      const got = float32ToHalfBits(fromBits(r.f32_bits));
      if (isNaNBits(r.half_bits, 0x7c00, 0x3ff)) expect(isNaNBits(got, 0x7c00, 0x3ff)).toBe(true);
      else expect([r.f32_bits, got]).toEqual([r.f32_bits, r.half_bits]);
    }
  });

  it('widens half back to the float32 TensorFlow gives', () => {
    for (const r of rows) {
      const got = toBits(halfBitsToFloat32(r.half_bits));
      if (Number.isNaN(fromBits(r.half_to_f32_bits))) expect(Number.isNaN(fromBits(got))).toBe(true);
      else expect([r.half_bits, got]).toEqual([r.half_bits, r.half_to_f32_bits]);
    }
  });

  it(`rounds ${rows.length} float32 values to bfloat16 as tf.cast does`, () => {
    for (const r of rows) {
      const got = float32ToBfloat16Bits(fromBits(r.f32_bits));
      if (isNaNBits(r.bf16_bits, 0x7f80, 0x7f)) expect(isNaNBits(got, 0x7f80, 0x7f)).toBe(true);
      else expect([r.f32_bits, got]).toEqual([r.f32_bits, r.bf16_bits]);
    }
  });

  it('widens bfloat16 back to the float32 TensorFlow gives', () => {
    for (const r of rows) {
      const got = toBits(bfloat16BitsToFloat32(r.bf16_bits));
      if (Number.isNaN(fromBits(r.bf16_to_f32_bits))) expect(Number.isNaN(fromBits(got))).toBe(true);
      else expect(got).toBe(r.bf16_to_f32_bits);
    }
  });

  it('converts whole arrays the same way as element by element', () => {
    const values = Float32Array.from(rows.map((r) => fromBits(r.f32_bits)).filter((v) => !Number.isNaN(v)));
    const half = float32ToBits16(values, 'float16');
    const bf16 = float32ToBits16(values, 'bfloat16');
    expect(Array.from(half)).toEqual(Array.from(values, float32ToHalfBits));
    expect(Array.from(bf16)).toEqual(Array.from(values, float32ToBfloat16Bits));
    expect(Array.from(bits16ToFloat32(half, 'float16'))).toEqual(Array.from(half, halfBitsToFloat32));
    expect(Array.from(bits16ToFloat32(bf16, 'bfloat16'))).toEqual(Array.from(bf16, bfloat16BitsToFloat32));
  });
});

describe('dtype table', () => {
  it('knows the TensorFlow names, sizes and arrays', () => {
    expect(dtypeInfo(1)).toMatchObject({ name: 'float32', enumName: 'DT_FLOAT', itemSize: 4, arrayType: Float32Array });
    expect(dtypeInfo('bfloat16')).toMatchObject({ enumValue: DataType.DT_BFLOAT16, itemSize: 2, kind: 'bfloat16' });
    expect(dtypeInfo('half')).toMatchObject({ enumValue: DataType.DT_HALF, name: 'float16', arrayType: Uint16Array });
    expect(dtypeInfo(DataType.DT_COMPLEX64)).toMatchObject({ itemSize: 8, arrayType: Float32Array, kind: 'complex' });
    expect(dtypeInfo(DataType.DT_INT64)).toMatchObject({ itemSize: 8, arrayType: BigInt64Array, kind: 'bigint' });
    expect(dtypeInfo(DataType.DT_BOOL)).toMatchObject({ itemSize: 1, kind: 'bool' });
    expect(dtypeInfo(DataType.DT_STRING)).toMatchObject({ name: 'string', itemSize: 0, kind: 'string' });
  });

  it('accepts _REF values and names them as TensorFlow does', () => {
    expect(dtypeName(101)).toBe('float32_ref');
    expect(dtypeName(114)).toBe('bfloat16_ref');
    expect(dtypeInfo(101).name).toBe('float32');
  });

  it('refuses an unknown dtype with a typed error', () => {
    expect(findDType(999)).toBeUndefined();
    expect(() => dtypeInfo('float128')).toThrow(ProtoError);
    try {
      dtypeInfo(77);
    } catch (err) {
      expect((err as ProtoError).code).toBe('UNSUPPORTED');
    }
  });
});
