// The generated TensorFlow and TensorBoard message classes (protobufjs static code, fields in TensorFlow's own
// snake_case names), plus decoding that turns protobufjs's exceptions into ProtoError with the byte offset.
import protobuf from 'protobufjs/minimal.js';
import { encodeGenerated } from './encode.js';
import { ProtoError } from './errors.js';
import { google, tensorboard, tensorflow } from './gen/messages.js';
import type { AnyMessageView, MessageView } from './view/types.js';
import { isMessageView, toMessage, viewBytes, viewTypeName } from './view/view.js';

export { google, tensorboard, tensorflow };

/** What a generated message class offers; every class in `tensorflow.*` and `tensorboard.*` fits. */
export interface MessageType<T> {
  decode(reader: protobuf.Reader | Uint8Array, length?: number): T;
  encode(message: T, writer?: protobuf.Writer): protobuf.Writer;
  create(properties?: object): T;
  getTypeUrl(prefix?: string): string;
}

export interface DecodeOptions {
  /** File name for error messages. */
  path?: string;
}

/**
 * The instance type a generated class decodes to (e.g. tensorflow.GraphDef). Inferring T from MessageType<T> would
 * pick the looser properties type that `encode` takes, so decoders name their result with this instead.
 */
export type MessageOf<C> = C extends { decode(reader: Uint8Array, length?: number): infer R } ? R : never;

/** The full protobuf name of a generated class, e.g. `tensorflow.GraphDef`. */
export function typeNameOf(type: MessageType<unknown>): string {
  return type.getTypeUrl('').replace(/^\//, '');
}

/** Decodes `bytes` as `type`. Malformed input throws ProtoError with the offset where decoding stopped. */
export function decodeMessage<C extends MessageType<unknown>>(
  type: C,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): MessageOf<C> {
  const reader = protobuf.Reader.create(bytes);
  // protobufjs 8 drops unknown fields unless told otherwise; keep them in `$unknowns` so encode re-emits them.
  reader.discardUnknown = false;
  try {
    return type.decode(reader) as MessageOf<C>;
  } catch (err) {
    const typeName = typeNameOf(type);
    const message = err instanceof Error ? err.message : String(err);
    const truncated = /index out of range/.test(message) && reader.pos <= bytes.length;
    throw new ProtoError(truncated ? 'TRUNCATED' : 'BAD_WIRE', `cannot decode ${typeName}: ${message}`, {
      path: options.path,
      offset: Math.min(reader.pos, bytes.length),
      type: typeName,
      cause: err,
    });
  }
}

/** Encodes `message` as `type` (fields in number order, unknown fields re-emitted last). */
export function encodeMessage<T>(type: MessageType<T>, message: T | AnyMessageView): Uint8Array {
  // A view is never changed, so its bytes are its encoding (a copy: the caller owns the result).
  if (isMessageView(message)) {
    if (viewTypeName(message) === typeNameOf(type)) return viewBytes(message).slice();
    message = toMessage(message as MessageView<T>);
  }
  // Our generated classes have encoders of their own (src/encode.ts); another class uses its protobufjs encode.
  return encodeGenerated(type, message) ?? type.encode(message).finish();
}
