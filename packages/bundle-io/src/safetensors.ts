// safetensors (the published format of huggingface/safetensors):
//
//   N:uint64 LE ‖ header: N bytes of UTF-8 JSON (may end in spaces) ‖ byte buffer
//   header = { "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …, "__metadata__": {str: str} }
//
// Offsets are relative to the byte buffer; tensors are little-endian, row-major, and together fill the buffer with no
// holes or overlaps. Validation runs in the spec's order: length present, header size cap, header within the file,
// UTF-8, JSON object, each entry (dtype known, shape, offsets in range, size == numel x itemsize), offsets contiguous,
// buffer fully covered. We write the header padded with spaces to a multiple of 8 and the tensors sorted by element
// size (largest first) then name, as the reference serializer does, so every tensor is aligned to its element size.

import { renameSync, rmSync } from 'node:fs';
import { dtypeInfo, quoteInput } from '@tensorgraft/proto/lite';
import type { BundleEntry } from './bundle-reader.js';
import { type ByteSource, fileSource, streamCrc32c } from './byte-source.js';
import type { VerifyOptions } from './checkpoint.js';
import { BundleError } from './errors.js';
import { FileSink } from './file-sink.js';
import { tempFilename } from './naming.js';
import {
  allocate,
  checkpointDType,
  type NumericData,
  numElements,
  numericBytes,
  type Tensor,
  validateTensor,
} from './tensor.js';

/** safetensors dtype <-> TensorFlow dtype name (Maps: a file's "constructor" or "__proto__" dtype finds nothing). */
const ST_TO_TF = new Map<string, string>([
  ['BOOL', 'bool'],
  ['U8', 'uint8'],
  ['I8', 'int8'],
  ['I16', 'int16'],
  ['U16', 'uint16'],
  ['F16', 'float16'],
  ['BF16', 'bfloat16'],
  ['I32', 'int32'],
  ['U32', 'uint32'],
  ['F32', 'float32'],
  ['F64', 'float64'],
  ['I64', 'int64'],
  ['U64', 'uint64'],
  ['C64', 'complex64'],
]);
/**
 * safetensors dtypes with no TensorFlow dtype (float8 and float4 kinds): such a tensor is listed under its safetensors
 * name (`entry().dtype === 'F8_E4M3'`, dtypeEnum 0) and refused with UNSUPPORTED when read, so one of them does not
 * make the whole file unreadable. Bits per element, for checking data_offsets.
 */
const ST_UNREADABLE_BITS = new Map<string, number>([
  ['F8_E4M3', 8],
  ['F8_E5M2', 8],
  ['F8_E8M0', 8],
  ['F4', 4],
  ['F6_E2M3', 6],
  ['F6_E3M2', 6],
]);

const TF_TO_ST = new Map<string, string>([...ST_TO_TF].map(([k, v]) => [v, k]));

/** The header key the format reserves for its string-to-string metadata: no tensor may have this name. */
export const SAFETENSORS_METADATA_KEY = '__metadata__';

/** The safetensors dtype for a TensorFlow dtype, or undefined when the format has none (string, complex128, ...). */
export function safetensorsDType(tfDtype: string): string | undefined {
  return TF_TO_ST.get(tfDtype);
}

const MAX_HEADER = 100_000_000; // the reference implementation's cap

interface StEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export class SafetensorsReader {
  readonly format = 'safetensors' as const;
  readonly path: string | undefined;
  readonly metadata: Record<string, string> | undefined;
  private readonly src: ByteSource;
  private readonly dataStart: number;
  private readonly byName = new Map<string, StEntry>();
  private readonly order: string[];

  static open(path: string): SafetensorsReader {
    const src = fileSource(path);
    try {
      return new SafetensorsReader(src);
    } catch (err) {
      src.close();
      throw err;
    }
  }

  constructor(src: ByteSource) {
    this.src = src;
    this.path = src.path;
    const path = src.path;
    const bad = (
      code: 'TRUNCATED' | 'CORRUPT_TABLE' | 'CORRUPT_ENTRY' | 'UNSUPPORTED',
      msg: string,
      offset: number,
      tensor?: string,
    ) => new BundleError(code, msg, { path, offset, tensor });
    if (src.size < 8) throw bad('TRUNCATED', 'file too short for the 8-byte header length', 0);
    const n = new DataView(src.read(0, 8).buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER)) throw bad('CORRUPT_TABLE', `header length ${n} exceeds the ${MAX_HEADER}-byte cap`, 0);
    const headerLen = Number(n);
    if (8 + headerLen > src.size)
      throw bad('TRUNCATED', `header of ${headerLen} bytes runs past the end of the file`, 8);
    const raw = src.read(8, headerLen);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw bad('CORRUPT_TABLE', 'header is not valid UTF-8', 8);
    }
    let header: unknown;
    try {
      header = JSON.parse(text);
    } catch {
      // Not V8's message, which quotes a stretch of the header.
      throw bad('CORRUPT_TABLE', 'header is not JSON', 8);
    }
    if (!header || typeof header !== 'object' || Array.isArray(header))
      throw bad('CORRUPT_TABLE', 'header is not a JSON object', 8);
    this.dataStart = 8 + headerLen;
    const bufferLen = src.size - this.dataStart;
    const entries: StEntry[] = [];
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === SAFETENSORS_METADATA_KEY) {
        if (
          !value ||
          typeof value !== 'object' ||
          Array.isArray(value) ||
          Object.values(value).some((v) => typeof v !== 'string')
        ) {
          throw bad('CORRUPT_TABLE', '__metadata__ must map strings to strings', 8);
        }
        this.metadata = value as Record<string, string>;
        continue;
      }
      const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (!e || typeof e !== 'object') throw bad('CORRUPT_ENTRY', 'entry is not an object', 8, name);
      if (typeof e.dtype !== 'string') throw bad('CORRUPT_ENTRY', 'dtype is not a string', 8, name);
      // A name that cannot be a safetensors dtype (the format's are short upper-case names) is refused; an unknown one
      // of that form is listed as unreadable (a newer float kind), so it does not make the whole file unreadable.
      if (!/^[A-Z][A-Z0-9_]{0,15}$/.test(e.dtype)) {
        throw bad('UNSUPPORTED', `dtype ${quoteInput(e.dtype)} is not supported`, 8, name);
      }
      const dtype = ST_TO_TF.get(e.dtype) ?? e.dtype;
      const okInt = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
      if (!Array.isArray(e.shape) || !e.shape.every(okInt)) throw bad('CORRUPT_ENTRY', 'bad shape', 8, name);
      const off = e.data_offsets;
      if (!Array.isArray(off) || off.length !== 2 || !okInt(off[0]) || !okInt(off[1]) || off[0] > off[1]) {
        throw bad('CORRUPT_ENTRY', 'bad data_offsets', 8, name);
      }
      if (off[1] > bufferLen)
        throw bad('TRUNCATED', `data_offsets end ${off[1]} past the buffer (${bufferLen} bytes)`, 8, name);
      const numel = numElements(e.shape as number[]);
      const bits = ST_TO_TF.has(e.dtype) ? dtypeInfo(dtype).itemSize * 8 : ST_UNREADABLE_BITS.get(e.dtype);
      // a dtype of unknown width is listed without a size check (its bytes are never read)
      if (!Number.isSafeInteger(numel) || (bits !== undefined && Math.ceil((numel * bits) / 8) !== off[1] - off[0])) {
        throw bad(
          'CORRUPT_ENTRY',
          `${off[1] - off[0]} bytes for ${dtype} x ${JSON.stringify(e.shape)}`,
          this.dataStart + off[0],
          name,
        );
      }
      entries.push({ name, dtype, shape: e.shape as number[], begin: off[0], end: off[1] });
    }
    const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
    let at = 0;
    for (const e of sorted) {
      if (e.begin !== at)
        throw bad(
          'CORRUPT_ENTRY',
          `tensor starts at ${e.begin}, expected ${at} (holes or overlaps)`,
          this.dataStart + e.begin,
          e.name,
        );
      at = e.end;
    }
    if (at !== bufferLen)
      throw bad('CORRUPT_TABLE', `tensors cover ${at} of the ${bufferLen}-byte buffer`, this.dataStart + at);
    for (const e of entries) this.byName.set(e.name, e);
    this.order = entries.map((e) => e.name).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
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
    const e = this.raw(name);
    return {
      name,
      dtype: e.dtype,
      dtypeEnum: this.readable(e) ? dtypeInfo(e.dtype).enumValue : 0,
      shape: e.shape,
      size: e.end - e.begin,
      shardId: 0,
      offset: this.dataStart + e.begin,
      crc32c: 0,
      slices: [],
    };
  }

  /** False for a dtype TensorFlow has none for (listed under its safetensors name, never read). */
  private readable(e: StEntry): boolean {
    return TF_TO_ST.has(e.dtype);
  }

  get(name: string): Tensor {
    const e = this.raw(name);
    if (!this.readable(e)) {
      throw new BundleError('UNSUPPORTED', `safetensors dtype ${e.dtype} has no TensorFlow dtype`, {
        path: this.path,
        tensor: name,
      });
    }
    const info = checkpointDType(e.dtype, name);
    const data = allocate(info, numElements(e.shape));
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.src.readInto(this.dataStart + e.begin, bytes);
    return { dtype: e.dtype, shape: e.shape, data: fromLittleEndian(data) };
  }

  /** Every tensor in name order, read one at a time as the iteration reaches it. */
  *tensors(): Generator<[string, Tensor]> {
    for (const name of this.names()) yield [name, this.get(name)];
  }

  /**
   * The format has no checksums: the header, offsets and sizes were validated when the file was opened, and this
   * reads each tensor's bytes through a bounded buffer (I/O errors, a file that shrank), allocating nothing its size.
   */
  verifyAll(options: VerifyOptions = {}): Map<string, BundleError> {
    const problems = new Map<string, BundleError>();
    for (const n of this.order) {
      try {
        const e = this.raw(n);
        streamCrc32c(this.src, this.dataStart + e.begin, e.end - e.begin);
        if (!this.readable(e)) {
          // its bytes are in place, but nothing reads them as a TensorFlow dtype: unchecked, not damaged
          throw new BundleError('UNSUPPORTED', `safetensors dtype ${e.dtype} has no TensorFlow dtype`, {
            path: this.path,
            tensor: n,
          });
        }
      } catch (err) {
        problems.set(n, err as BundleError);
      }
      options.onTensor?.(n);
    }
    return problems;
  }

  get bytesRead(): number {
    return this.src.bytesRead;
  }

  close(): void {
    this.src.close();
  }

  private raw(name: string): StEntry {
    const e = this.byName.get(name);
    if (!e) throw new BundleError('NOT_FOUND', 'no such tensor in the file', { path: this.path, tensor: name });
    return e;
  }
}

function fromLittleEndian(data: NumericData): NumericData {
  // numericBytes swaps on big-endian hosts; applying it to LE file bytes gives host order.
  const b = numericBytes(data);
  if (b.buffer !== data.buffer) new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(b);
  return data;
}

export interface SafetensorsWriteOptions {
  metadata?: Record<string, string>;
}

/** What the header needs to know about a tensor before its bytes are written. */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
}

/**
 * Writes a .safetensors file from tensors held in memory (name -> Tensor pairs). Tensors whose dtype safetensors lacks
 * (string, complex128, ...) are refused with UNSUPPORTED. Written to a temp name, then renamed.
 */
export function writeSafetensors(
  path: string,
  tensors: Iterable<[string, Tensor]>,
  options: SafetensorsWriteOptions = {},
): void {
  const map = new Map<string, Tensor>();
  for (const [name, t] of tensors) {
    validateTensor(name, t);
    map.set(name, t);
  }
  writeSafetensorsStreaming(
    path,
    [...map].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    (name) => map.get(name)!,
    options,
  );
}

/**
 * Writes a .safetensors file tensor by tensor: the header is made from `specs`, then `get(name)` is called for each
 * tensor in file order and its bytes written before the next is fetched, so only one tensor is in memory at a time.
 */
export function writeSafetensorsStreaming(
  path: string,
  specs: readonly TensorSpec[],
  get: (name: string) => Tensor,
  options: SafetensorsWriteOptions = {},
): void {
  const list = specs.map((s) => {
    if (s.name === SAFETENSORS_METADATA_KEY) {
      throw new BundleError(
        'INVALID_ARGUMENT',
        `safetensors reserves the name ${SAFETENSORS_METADATA_KEY} for its metadata: a tensor cannot be called that`,
        { path, tensor: s.name },
      );
    }
    const info = checkpointDType(s.dtype, s.name, path);
    const st = TF_TO_ST.get(info.name);
    if (!st)
      throw new BundleError('UNSUPPORTED', `safetensors has no dtype for ${info.name}`, { path, tensor: s.name });
    const n = numElements(s.shape);
    return { ...s, st, item: info.itemSize, size: n * info.itemSize };
  });
  list.sort((a, b) => b.item - a.item || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // The header is written member by member, never through an object keyed by tensor names: `header["__proto__"] = x`
  // would set the object's prototype and leave the tensor out of the JSON.
  const members: string[] = [];
  if (options.metadata) members.push(`"${SAFETENSORS_METADATA_KEY}":${JSON.stringify(options.metadata)}`);
  let at = 0;
  for (const e of list) {
    members.push(
      `${JSON.stringify(e.name)}:${JSON.stringify({ dtype: e.st, shape: e.shape, data_offsets: [at, at + e.size] })}`,
    );
    at += e.size;
  }
  let json = Buffer.from(`{${members.join(',')}}`, 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const tmp = tempFilename(path);
  const sink = new FileSink(tmp);
  try {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
    sink.append(len);
    sink.append(json);
    for (const e of list) {
      const t = get(e.name);
      validateTensor(e.name, t);
      if (t.dtype !== e.dtype && checkpointDType(t.dtype).name !== checkpointDType(e.dtype).name) {
        throw new BundleError('INVALID_ARGUMENT', `tensor is ${t.dtype}, header says ${e.dtype}`, {
          path,
          tensor: e.name,
        });
      }
      const bytes = numericBytes(t.data as NumericData);
      if (bytes.length !== e.size)
        throw new BundleError('INVALID_ARGUMENT', 'tensor size differs from its spec', { path, tensor: e.name });
      sink.append(bytes);
    }
    sink.close();
    renameSync(tmp, path);
  } catch (err) {
    sink.close();
    rmSync(tmp, { force: true });
    throw err;
  }
}
