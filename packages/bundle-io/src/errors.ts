import { escapeControls } from '@tensorgraft/proto/lite';

/** Every way a checkpoint, a table or a safetensors file can be wrong; one code per failure kind. */
export type BundleErrorCode =
  | 'NOT_FOUND' // a file, a data shard or a tensor that is not there
  | 'TRUNCATED' // a file shorter than its structure says (footer, block, tensor bytes past the end)
  | 'BAD_MAGIC' // the table footer's magic number is wrong: not a TensorFlow table
  | 'BLOCK_CHECKSUM' // a table block's masked crc32c does not match its bytes
  | 'TENSOR_CHECKSUM' // a tensor's masked crc32c does not match the bytes read from its data shard
  | 'CORRUPT_TABLE' // a block, handle, footer or key order that cannot be right
  | 'CORRUPT_ENTRY' // an index entry that contradicts itself (size vs dtype x shape, offset, shard id, slices)
  | 'CORRUPT_DATA' // tensor bytes that cannot be decoded (string lengths, V1 values)
  | 'DUPLICATE_KEY' // a key added twice or out of order
  | 'BAD_STATE_FILE' // a `checkpoint` state file that does not parse or names no model path
  | 'UNSUPPORTED' // a dtype, version, compression or feature this package does not handle
  | 'INVALID_ARGUMENT' // the caller passed something inconsistent (shape vs data length, bad slice)
  | 'IO'; // the file system refused (permission, disk full)

export interface BundleErrorDetails {
  /** File the problem is in. */
  path?: string | undefined;
  /** Byte offset in that file. */
  offset?: number | undefined;
  /** The tensor (or table key) concerned. */
  tensor?: string | undefined;
  cause?: unknown;
}

/** The one error class of @tensorgraft/bundle-io. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  readonly code: BundleErrorCode;
  readonly path: string | undefined;
  readonly offset: number | undefined;
  readonly tensor: string | undefined;

  constructor(code: BundleErrorCode, message: string, details: BundleErrorDetails = {}) {
    super(formatMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.offset = details.offset;
    this.tensor = details.tensor;
  }
}

function formatMessage(message: string, d: BundleErrorDetails): string {
  const where: string[] = [];
  if (d.tensor !== undefined) where.push(`tensor ${JSON.stringify(d.tensor)}`);
  if (d.path !== undefined) where.push(d.path);
  if (d.offset !== undefined) where.push(`offset ${d.offset}`);
  // One inert line whatever the input held (names and tokens may carry NULs and escape sequences).
  return escapeControls(where.length ? `${message} (${where.join(', ')})` : message);
}

/** Re-throws anything that is not a BundleError as one (a ProtoError from decoding, a RangeError) with context. */
export function wrapError(err: unknown, code: BundleErrorCode, message: string, details: BundleErrorDetails): never {
  if (err instanceof BundleError) throw err;
  const inner = err instanceof Error ? err.message : String(err);
  throw new BundleError(code, `${message}: ${inner}`, { ...details, cause: err });
}
