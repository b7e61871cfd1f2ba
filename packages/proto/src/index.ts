export { ProtoError, type ProtoErrorCode, type ProtoErrorDetails } from './errors.js';
export {
  tensorflow,
  tensorboard,
  type MessageType,
  type DecodeOptions,
  typeNameOf,
  decodeMessage,
  encodeMessage,
} from './messages.js';
export * from './dtypes.js';
export * from './wire/index.js';
