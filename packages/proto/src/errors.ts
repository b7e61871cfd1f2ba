import { escapeControls } from './message-text.js';

/** Every way a message, a text file or a wire field can be wrong; one code per failure kind. */
export type ProtoErrorCode =
  | 'TRUNCATED' // the input ends inside a field
  | 'BAD_WIRE' // invalid wire type, varint too long, length out of range, nesting too deep
  | 'TEXT_SYNTAX' // the text format's grammar was not followed
  | 'TEXT_FIELD' // a field or enum value the schema does not have, or a value of the wrong kind
  | 'UNSUPPORTED' // a dtype or feature this package does not handle
  | 'INVALID_ARGUMENT'; // the caller passed something out of range

export interface ProtoErrorDetails {
  /** File the bytes or text came from, when known. */
  path?: string | undefined;
  /** Byte offset in binary input. */
  offset?: number | undefined;
  /** 1-based line and column in text input. */
  line?: number | undefined;
  column?: number | undefined;
  /** Message type being decoded or parsed (e.g. `tensorflow.GraphDef`). */
  type?: string | undefined;
  cause?: unknown;
}

/** The one error class of @tensorgraft/proto. */
export class ProtoError extends Error {
  override readonly name = 'ProtoError';
  readonly code: ProtoErrorCode;
  readonly path: string | undefined;
  readonly offset: number | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly type: string | undefined;

  constructor(code: ProtoErrorCode, message: string, details: ProtoErrorDetails = {}) {
    super(formatMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.offset = details.offset;
    this.line = details.line;
    this.column = details.column;
    this.type = details.type;
  }
}

function formatMessage(message: string, d: ProtoErrorDetails): string {
  const where: string[] = [];
  if (d.path !== undefined) where.push(d.path);
  if (d.line !== undefined) where.push(`line ${d.line}, column ${d.column ?? 0}`);
  if (d.offset !== undefined) where.push(`offset ${d.offset}`);
  if (d.type !== undefined) where.push(d.type);
  return escapeControls(where.length ? `${message} (${where.join(', ')})` : message);
}
