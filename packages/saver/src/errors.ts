/** Every way a save or a restore can fail; one code per failure kind. */
export type SaverErrorCode =
  | 'NOT_FOUND' // no checkpoint at a prefix, a state file naming files that are not there, no state file
  | 'BAD_STATE_FILE' // a `checkpoint` state file that does not parse or has no model_checkpoint_path
  | 'MISSING_VARIABLE' // a variable to restore has no tensor in the checkpoint
  | 'SHAPE_MISMATCH' // checkpoint tensor and variable shapes differ
  | 'DTYPE_MISMATCH' // checkpoint tensor and variable dtypes differ
  | 'NOT_WRITABLE' // the directory of a prefix does not exist or refuses writes
  | 'CORRUPT' // a checkpoint that cannot be read (wraps @tensorgraft/bundle-io's error)
  | 'LOCKED' // another writer is saving into the same directory (directory-lock.ts)
  | 'UNSUPPORTED' // a feature this package does not handle (named in the message)
  | 'INVALID_ARGUMENT'; // the caller passed something inconsistent

export interface SaverErrorDetails {
  /** The file or checkpoint prefix concerned. */
  path?: string | undefined;
  /** The variable (or checkpoint key) concerned. */
  variable?: string | undefined;
  /** Byte offset, or line for text, where known. */
  offset?: number | undefined;
  cause?: unknown;
}

/** The one error class of @tensorgraft/saver. */
export class SaverError extends Error {
  override readonly name = 'SaverError';
  readonly code: SaverErrorCode;
  readonly path: string | undefined;
  readonly variable: string | undefined;
  readonly offset: number | undefined;

  constructor(code: SaverErrorCode, message: string, details: SaverErrorDetails = {}) {
    super(formatMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.variable = details.variable;
    this.offset = details.offset;
  }
}

function formatMessage(message: string, d: SaverErrorDetails): string {
  const where: string[] = [];
  if (d.variable !== undefined) where.push(`variable ${JSON.stringify(d.variable)}`);
  if (d.path !== undefined) where.push(d.path);
  if (d.offset !== undefined) where.push(`offset ${d.offset}`);
  return where.length ? `${message} (${where.join(', ')})` : message;
}
