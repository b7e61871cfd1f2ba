// The one error class of @tensorgraft/deploy.
export type DeployErrorCode =
  | 'NOT_FOUND' // no saved_model.pb, no such tag-set, signature, tensor or file
  | 'BAD_FILE' // saved_model.pb / model.json that does not parse
  | 'EXISTS' // the export directory exists and is not empty (TensorFlow's builder refuses it too)
  | 'INVALID_ARGUMENT' // a signature spec, input or option the caller got wrong
  | 'UNSUPPORTED'; // a construct this package does not write or read (named)

export interface DeployErrorDetails {
  path?: string | undefined;
  /** The tensor, node or signature the failure is about. */
  name?: string | undefined;
  offset?: number | undefined;
  cause?: unknown;
}

export class DeployError extends Error {
  override readonly name = 'DeployError';
  readonly code: DeployErrorCode;
  readonly path: string | undefined;
  readonly tensor: string | undefined;
  readonly offset: number | undefined;

  constructor(code: DeployErrorCode, message: string, details: DeployErrorDetails = {}) {
    const where = [
      details.name === undefined ? '' : ` (${details.name})`,
      details.path === undefined ? '' : ` in ${details.path}`,
      details.offset === undefined ? '' : ` at byte ${details.offset}`,
    ].join('');
    super(`${message}${where}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.tensor = details.name;
    this.offset = details.offset;
  }
}
