// Reads V1 checkpoints (SavedTensorSlices; tensorflow/core/util/tensor_slice_writer.cc, saved_tensor_slice.proto),
// e.g. TF-slim model-zoo files such as vgg_16.ckpt. One table file `<prefix>` or shards `<prefix>-%05d-of-%05d`:
//
//   key ""               -> SavedTensorSlices{meta: {tensor: [SavedSliceMeta{name, shape, type, slice*}], versions}}
//   key slice-key(n, s)  -> SavedTensorSlices{data: SavedSlice{name, slice, data: TensorProto with one typed *_val}}
//
// Values by dtype: float_val(5), double_val(6), int_val(7: int32/16/8, uint8, qint*), string_val(8),
// scomplex_val(9), int64_val(10), bool_val(11), dcomplex_val(12), half_val(13: half/bfloat16 bits), uint32_val(16),
// uint64_val(17); tensor_content(4) is accepted too. Opening reads each file's footer, index block and meta entry;
// get(name) reads the blocks holding that tensor's slices. Table blocks carry the only checksums V1 has.

import { type DTypeInfo, decodeMessage, dtypeInfo, tensorflow } from '@tensorgraft/proto';
import type { BundleEntry, ReadOptions } from './bundle-reader.js';
import { type ByteSource, fileSource } from './byte-source.js';
import type { VerifyOptions } from './checkpoint.js';
import { v1Files } from './checkpoint-file.js';
import { BundleError, wrapError } from './errors.js';
import { safeInt } from './long.js';
import { packedVarints, scanFields } from './proto-scan.js';
import { copySliceInto, extentsFromProto, resolveExtents } from './slice.js';
import { encodeSliceKey } from './slice-key.js';
import { TableReader } from './table/table-reader.js';
import {
  allocate,
  byteSwap,
  checkpointDType,
  HOST_LITTLE_ENDIAN,
  type NumericData,
  numElements,
  type SliceExtent,
  type Tensor,
} from './tensor.js';

interface V1Tensor {
  name: string;
  dtypeEnum: number;
  shape: number[];
  /** Each stored slice and the file (table) holding it. */
  slices: { extents: SliceExtent[]; file: number }[];
}

export class V1Reader {
  readonly format = 'v1' as const;
  readonly prefix: string;
  private readonly tables: TableReader[];
  private readonly byName = new Map<string, V1Tensor>();
  private readonly order: string[];

  static open(path: string, options: ReadOptions = {}): V1Reader {
    const sources: ByteSource[] = [];
    try {
      for (const f of v1Files(path)) sources.push(fileSource(f));
      return new V1Reader(path, sources, options);
    } catch (err) {
      for (const s of sources) s.close();
      throw err;
    }
  }

  constructor(prefix: string, sources: ByteSource[], options: ReadOptions = {}) {
    this.prefix = prefix;
    this.tables = sources.map((s) => new TableReader(s, { verifyChecksums: options.verifyChecksums ?? true }));
    this.tables.forEach((t, file) => {
      this.readMeta(t, file);
    });
    this.order = [...this.byName.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  names(): string[] {
    return [...this.order];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entries(): BundleEntry[] {
    return this.order.map((n) => this.entry(n));
  }

  entry(name: string): BundleEntry {
    const t = this.tensor(name);
    let dtype: string;
    let itemSize = 0;
    try {
      const info = dtypeInfo(t.dtypeEnum);
      dtype = info.name;
      itemSize = info.itemSize;
    } catch {
      dtype = `dtype_${t.dtypeEnum}`;
    }
    const full = t.slices.length === 1 && t.slices[0]!.extents.every((e) => e.length < 0);
    return {
      name,
      dtype,
      dtypeEnum: t.dtypeEnum,
      shape: t.shape,
      size: numElements(t.shape) * itemSize,
      shardId: t.slices[0]?.file ?? 0,
      offset: 0,
      crc32c: 0,
      slices: full ? [] : t.slices.map((s) => s.extents),
    };
  }

  get(name: string): Tensor {
    const t = this.tensor(name);
    const where = { path: this.tables[0]!.src.path, tensor: name };
    const info = checkpointDType(t.dtypeEnum, name, where.path);
    const n = numElements(t.shape);
    let covered = 0;
    const parts = t.slices.map((s) => {
      const r = resolveExtents(s.extents, t.shape, where);
      covered += numElements(r.lengths);
      return { ...s, ...r };
    });
    if (covered !== n) throw new BundleError('CORRUPT_ENTRY', `slices cover ${covered} of ${n} elements`, where);
    if (parts.length === 1) return { dtype: info.name, shape: t.shape, data: this.readSlice(t, info, parts[0]!) };
    const read = parts.map((p) => this.readSlice(t, info, p));
    const full: NumericData | Uint8Array[] = info.kind === 'string' ? new Array<Uint8Array>(n) : allocate(info, n);
    parts.forEach((p, i) => {
      copySliceInto(full, t.shape, read[i]!, p.starts, p.lengths, info.kind === 'complex' ? 2 : 1);
    });
    return { dtype: info.name, shape: t.shape, data: full };
  }

  getSlice(name: string, extents: SliceExtent[]): Tensor {
    const t = this.tensor(name);
    const where = { path: this.tables[0]!.src.path, tensor: name };
    const info = checkpointDType(t.dtypeEnum, name, where.path);
    const key = JSON.stringify(extents);
    const s = t.slices.find((x) => JSON.stringify(x.extents) === key);
    if (!s) throw new BundleError('NOT_FOUND', `no stored slice ${key}`, where);
    const r = resolveExtents(s.extents, t.shape, where);
    return { dtype: info.name, shape: r.lengths, data: this.readSlice(t, info, { ...s, ...r }) };
  }

  /** Every tensor in name order, read one at a time as the iteration reaches it. */
  *tensors(): Generator<[string, Tensor]> {
    for (const name of this.names()) yield [name, this.get(name)];
  }

  verifyAll(options: VerifyOptions = {}): Map<string, BundleError> {
    const problems = new Map<string, BundleError>();
    for (const name of this.order) {
      try {
        this.get(name);
      } catch (err) {
        problems.set(
          name,
          err instanceof BundleError ? err : new BundleError('CORRUPT_DATA', String(err), { tensor: name, cause: err }),
        );
      }
      options.onTensor?.(name);
    }
    return problems;
  }

  get bytesRead(): number {
    return this.tables.reduce((a, t) => a + t.src.bytesRead, 0);
  }

  close(): void {
    for (const t of this.tables) t.src.close();
  }

  private tensor(name: string): V1Tensor {
    const t = this.byName.get(name);
    if (!t) throw new BundleError('NOT_FOUND', 'no such tensor in the checkpoint', { path: this.prefix, tensor: name });
    return t;
  }

  private readMeta(table: TableReader, file: number): void {
    const path = table.src.path;
    const value = table.get(new Uint8Array(0));
    if (!value) throw new BundleError('CORRUPT_TABLE', 'V1 checkpoint has no meta entry (key "")', { path, offset: 0 });
    let sts: tensorflow.SavedTensorSlices.$Properties;
    try {
      sts = decodeMessage(tensorflow.SavedTensorSlices, value, { path: path ?? '' });
    } catch (err) {
      wrapError(err, 'CORRUPT_TABLE', 'cannot decode the V1 meta entry', { path });
    }
    if (!sts.meta)
      throw new BundleError('CORRUPT_TABLE', 'the "" entry holds no SavedTensorSliceMeta: not a V1 checkpoint', {
        path,
        offset: 0,
      });
    const metas = sts.meta.tensor ?? [];
    const v = sts.meta?.versions;
    if ((v?.min_consumer ?? 0) > 1) {
      throw new BundleError('UNSUPPORTED', `V1 checkpoint needs a reader of version ${v?.min_consumer}`, { path });
    }
    for (const m of metas) {
      const name = m.name ?? '';
      const where = { path, tensor: name };
      const shape = (m.shape?.dim ?? []).map((d) => safeInt(d.size, 'dim', where));
      if (shape.some((d) => d < 0) || m.shape?.unknown_rank)
        throw new BundleError('CORRUPT_ENTRY', 'invalid shape', where);
      if (shape.reduce((a, b) => a * b, 1) > Number.MAX_SAFE_INTEGER)
        throw new BundleError('CORRUPT_ENTRY', 'shape too large', where);
      const slices = (m.slice ?? []).map((s) => ({ extents: extentsFromProto(s, shape.length, where), file }));
      const existing = this.byName.get(name);
      if (existing) {
        if (existing.dtypeEnum !== (m.type ?? 0) || JSON.stringify(existing.shape) !== JSON.stringify(shape)) {
          throw new BundleError('CORRUPT_ENTRY', 'tensor has different dtype or shape in two files', where);
        }
        existing.slices.push(...slices);
      } else {
        this.byName.set(name, { name, dtypeEnum: m.type ?? 0, shape, slices });
      }
    }
  }

  private readSlice(
    t: V1Tensor,
    info: DTypeInfo,
    s: { extents: SliceExtent[]; file: number; lengths: number[] },
  ): NumericData | Uint8Array[] {
    const table = this.tables[s.file]!;
    const where = { path: table.src.path, tensor: t.name };
    const value = table.get(encodeSliceKey(t.name, s.extents));
    if (!value)
      throw new BundleError('NOT_FOUND', `slice ${JSON.stringify(s.extents)} is listed but not stored`, where);
    let tensorProto: Uint8Array | undefined;
    for (const f of scanFields(value, where)) {
      if (f.field !== 2 || f.wire !== 2) continue; // SavedTensorSlices.data
      for (const g of scanFields(f.bytes, where)) {
        if (g.field === 3 && g.wire === 2) tensorProto = g.bytes; // SavedSlice.data
      }
    }
    if (!tensorProto) throw new BundleError('CORRUPT_DATA', 'slice entry has no data', where);
    return decodeValues(tensorProto, info, numElements(s.lengths), where);
  }
}

const FLOAT_FIELDS: Record<string, number> = { float32: 5, float64: 6, complex64: 9, complex128: 12 };

/** Fills `n` elements of dtype `info` from a TensorProto's value fields. */
export function decodeValues(
  tp: Uint8Array,
  info: DTypeInfo,
  n: number,
  where: { path: string | undefined; tensor: string },
): NumericData | Uint8Array[] {
  const bad = (msg: string): BundleError => new BundleError('CORRUPT_DATA', msg, where);
  // Every value takes at least one byte of the message: a count the bytes cannot hold is rejected before allocating.
  if (n > tp.length) throw bad(`${n} values cannot fit in ${tp.length} bytes`);
  const parts = info.kind === 'complex' ? 2 * n : n;
  if (info.kind === 'string') {
    const out: Uint8Array[] = [];
    for (const f of scanFields(tp, where)) {
      if (f.field !== 8 || f.wire !== 2) continue;
      if (out.length >= n) throw bad(`more than ${n} string values`);
      out.push(f.bytes.slice());
    }
    if (out.length !== n) throw bad(`${out.length} string values for ${n} elements`);
    return out;
  }
  const data = allocate(info, n);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let count = 0;
  const fixedField = FLOAT_FIELDS[info.name];
  const partSize = info.kind === 'complex' ? info.itemSize / 2 : info.itemSize;
  for (const f of scanFields(tp, where)) {
    if (f.field === 4 && f.wire === 2) {
      // tensor_content: raw little-endian bytes
      if (f.bytes.length !== bytes.length)
        throw bad(`tensor_content of ${f.bytes.length} bytes, expected ${bytes.length}`);
      bytes.set(f.bytes);
      if (!HOST_LITTLE_ENDIAN) byteSwap(bytes, partSize);
      return data;
    }
    if (fixedField !== undefined && f.field === fixedField) {
      // packed (wire 2) or one value (wire 1/5): little-endian IEEE, copied straight in
      if (f.wire !== 2 && f.wire !== (partSize === 8 ? 1 : 5)) throw bad(`wire type ${f.wire} for ${info.name} values`);
      if (f.bytes.length % partSize !== 0) throw bad('packed values are not a whole number of elements');
      const k = f.bytes.length / partSize;
      if (count + k > parts) throw bad(`more than ${parts} values`);
      bytes.set(f.bytes, count * partSize);
      if (!HOST_LITTLE_ENDIAN) byteSwap(bytes.subarray(count * partSize, (count + k) * partSize), partSize);
      count += k;
      continue;
    }
    const field = varintField(info);
    if (field === undefined || f.field !== field) continue;
    const values = f.wire === 2 ? packedVarints(f.bytes, where) : f.wire === 0 ? [f.varint] : undefined;
    if (!values) throw bad(`wire type ${f.wire} for ${info.name} values`);
    for (const v of values) {
      if (count >= parts) throw bad(`more than ${parts} values`);
      setVarint(data, count++, v, info);
    }
  }
  if (count !== parts) throw bad(`${count} values for ${parts}`);
  return data;
}

function varintField(info: DTypeInfo): number | undefined {
  switch (info.name) {
    case 'int64':
      return 10;
    case 'uint64':
      return 17;
    case 'uint32':
      return 16;
    case 'bool':
      return 11;
    case 'float16':
    case 'bfloat16':
      return 13;
    default:
      return info.kind === 'int' ? 7 : undefined;
  }
}

function setVarint(data: NumericData, i: number, v: bigint, info: DTypeInfo): void {
  if (data instanceof BigInt64Array) data[i] = BigInt.asIntN(64, v);
  else if (data instanceof BigUint64Array) data[i] = BigInt.asUintN(64, v);
  else if (info.name === 'bool') (data as Uint8Array)[i] = v !== 0n ? 1 : 0;
  else (data as Int32Array)[i] = Number(BigInt.asIntN(32, v)); // the typed array wraps to its own width
}
