// TensorFlow's DataType enum, with the facts every package needs about each dtype: its Python name (`float32`), its
// element size in a checkpoint, and the typed array that holds its elements in memory.
// half and bfloat16 are held as their raw 16-bit patterns (Uint16Array); complex types as interleaved [re, im] pairs
// (Float32Array / Float64Array of twice the length); bool as Uint8Array (0 or 1); string as Uint8Array[].
import { ProtoError } from './errors.js';

/** Numeric values of tensorflow.DataType (types.proto). `_REF` variants are these plus 100. */
export const DataType = {
  DT_INVALID: 0,
  DT_FLOAT: 1,
  DT_DOUBLE: 2,
  DT_INT32: 3,
  DT_UINT8: 4,
  DT_INT16: 5,
  DT_INT8: 6,
  DT_STRING: 7,
  DT_COMPLEX64: 8,
  DT_INT64: 9,
  DT_BOOL: 10,
  DT_QINT8: 11,
  DT_QUINT8: 12,
  DT_QINT32: 13,
  DT_BFLOAT16: 14,
  DT_QINT16: 15,
  DT_QUINT16: 16,
  DT_UINT16: 17,
  DT_COMPLEX128: 18,
  DT_HALF: 19,
  DT_RESOURCE: 20,
  DT_VARIANT: 21,
  DT_UINT32: 22,
  DT_UINT64: 23,
  DT_FLOAT8_E5M2: 24,
  DT_FLOAT8_E4M3FN: 25,
  DT_FLOAT8_E4M3FNUZ: 26,
  DT_FLOAT8_E4M3B11FNUZ: 27,
  DT_FLOAT8_E5M2FNUZ: 28,
  DT_INT4: 29,
  DT_UINT4: 30,
  DT_INT2: 31,
  DT_UINT2: 32,
  DT_FLOAT4_E2M1FN: 33,
} as const;
export type DataTypeValue = number;

export type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

export type ElementKind = 'float' | 'int' | 'bigint' | 'bool' | 'complex' | 'half' | 'bfloat16' | 'string' | 'opaque';

export interface DTypeInfo {
  /** The enum value (without `_REF`). */
  readonly enumValue: number;
  /** The enum name, e.g. `DT_FLOAT`. */
  readonly enumName: string;
  /** TensorFlow's Python name, e.g. `float32`. */
  readonly name: string;
  /** Bytes per element in a checkpoint; 0 for variable-size (string) or unsized (resource, variant). */
  readonly itemSize: number;
  /** Typed array holding the elements; complex types use twice as many elements of the part type. */
  readonly arrayType: TypedArrayCtor | undefined;
  readonly kind: ElementKind;
}

type Row = [
  name: string,
  enumName: keyof typeof DataType,
  itemSize: number,
  array: TypedArrayCtor | undefined,
  kind: ElementKind,
];
const ROWS: Row[] = [
  ['float32', 'DT_FLOAT', 4, Float32Array, 'float'],
  ['float64', 'DT_DOUBLE', 8, Float64Array, 'float'],
  ['int32', 'DT_INT32', 4, Int32Array, 'int'],
  ['uint8', 'DT_UINT8', 1, Uint8Array, 'int'],
  ['int16', 'DT_INT16', 2, Int16Array, 'int'],
  ['int8', 'DT_INT8', 1, Int8Array, 'int'],
  ['string', 'DT_STRING', 0, undefined, 'string'],
  ['complex64', 'DT_COMPLEX64', 8, Float32Array, 'complex'],
  ['int64', 'DT_INT64', 8, BigInt64Array, 'bigint'],
  ['bool', 'DT_BOOL', 1, Uint8Array, 'bool'],
  ['qint8', 'DT_QINT8', 1, Int8Array, 'int'],
  ['quint8', 'DT_QUINT8', 1, Uint8Array, 'int'],
  ['qint32', 'DT_QINT32', 4, Int32Array, 'int'],
  ['bfloat16', 'DT_BFLOAT16', 2, Uint16Array, 'bfloat16'],
  ['qint16', 'DT_QINT16', 2, Int16Array, 'int'],
  ['quint16', 'DT_QUINT16', 2, Uint16Array, 'int'],
  ['uint16', 'DT_UINT16', 2, Uint16Array, 'int'],
  ['complex128', 'DT_COMPLEX128', 16, Float64Array, 'complex'],
  ['float16', 'DT_HALF', 2, Uint16Array, 'half'],
  ['resource', 'DT_RESOURCE', 0, undefined, 'opaque'],
  ['variant', 'DT_VARIANT', 0, undefined, 'opaque'],
  ['uint32', 'DT_UINT32', 4, Uint32Array, 'int'],
  ['uint64', 'DT_UINT64', 8, BigUint64Array, 'bigint'],
  ['float8_e5m2', 'DT_FLOAT8_E5M2', 1, Uint8Array, 'opaque'],
  ['float8_e4m3fn', 'DT_FLOAT8_E4M3FN', 1, Uint8Array, 'opaque'],
  ['float8_e4m3fnuz', 'DT_FLOAT8_E4M3FNUZ', 1, Uint8Array, 'opaque'],
  ['float8_e4m3b11fnuz', 'DT_FLOAT8_E4M3B11FNUZ', 1, Uint8Array, 'opaque'],
  ['float8_e5m2fnuz', 'DT_FLOAT8_E5M2FNUZ', 1, Uint8Array, 'opaque'],
  ['int4', 'DT_INT4', 1, Int8Array, 'opaque'],
  ['uint4', 'DT_UINT4', 1, Uint8Array, 'opaque'],
  ['int2', 'DT_INT2', 1, Int8Array, 'opaque'],
  ['uint2', 'DT_UINT2', 1, Uint8Array, 'opaque'],
  ['float4_e2m1fn', 'DT_FLOAT4_E2M1FN', 1, Uint8Array, 'opaque'],
];

const BY_ENUM = new Map<number, DTypeInfo>();
const BY_NAME = new Map<string, DTypeInfo>();
for (const [name, enumName, itemSize, arrayType, kind] of ROWS) {
  const info: DTypeInfo = Object.freeze({ enumValue: DataType[enumName], enumName, name, itemSize, arrayType, kind });
  BY_ENUM.set(info.enumValue, info);
  BY_NAME.set(name, info);
  BY_NAME.set(enumName, info);
}
// Python aliases TensorFlow accepts.
BY_NAME.set('half', BY_NAME.get('float16')!);
BY_NAME.set('float', BY_NAME.get('float32')!);
BY_NAME.set('double', BY_NAME.get('float64')!);

/** Strips the `_REF` offset (DT_FLOAT_REF = 101 → 1). */
export function baseDType(dtype: number): number {
  return dtype > 100 ? dtype - 100 : dtype;
}

/** Facts about a dtype, by enum value (a `_REF` value is accepted) or by name (`float32`, `DT_FLOAT`, `half`). */
export function dtypeInfo(dtype: number | string): DTypeInfo {
  const info = typeof dtype === 'number' ? BY_ENUM.get(baseDType(dtype)) : BY_NAME.get(dtype);
  if (!info) throw new ProtoError('UNSUPPORTED', `unknown TensorFlow dtype ${JSON.stringify(dtype)}`);
  return info;
}

/** Like dtypeInfo, but undefined for an unknown dtype. */
export function findDType(dtype: number | string): DTypeInfo | undefined {
  return typeof dtype === 'number' ? BY_ENUM.get(baseDType(dtype)) : BY_NAME.get(dtype);
}

/** TensorFlow's Python name of a dtype: 1 → `float32`, 114 → `bfloat16_ref`. */
export function dtypeName(dtype: number): string {
  const info = dtypeInfo(dtype);
  return dtype > 100 ? `${info.name}_ref` : info.name;
}

// ---- half (IEEE binary16) and bfloat16 <-> float32 ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → bfloat16 bits, round to nearest even (as TensorFlow's bfloat16 cast); NaN stays a quiet NaN. */
export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff;
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

/** bfloat16 bits → float32 value (exact). */
export function bfloat16BitsToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/** float32 → IEEE half bits, round to nearest even, overflow to infinity, NaN preserved as a quiet NaN. */
export function float32ToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let out = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && out & 1)) out++;
    return sign | out;
  }
  let out = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && out & 1)) out++;
  return out & 0xffff;
}

/** IEEE half bits → float32 value (exact). */
export function halfBitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts a whole array of half or bfloat16 bits to float32. */
export function bits16ToFloat32(bits: Uint16Array, dtype: 'float16' | 'bfloat16'): Float32Array {
  const out = new Float32Array(bits.length);
  if (dtype === 'bfloat16') {
    const outBits = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
  } else {
    for (let i = 0; i < bits.length; i++) out[i] = halfBitsToFloat32(bits[i]!);
  }
  return out;
}

/** Converts float values to half or bfloat16 bits. */
export function float32ToBits16(values: ArrayLike<number>, dtype: 'float16' | 'bfloat16'): Uint16Array {
  const out = new Uint16Array(values.length);
  const conv = dtype === 'bfloat16' ? float32ToBfloat16Bits : float32ToHalfBits;
  for (let i = 0; i < values.length; i++) out[i] = conv(values[i]!);
  return out;
}
