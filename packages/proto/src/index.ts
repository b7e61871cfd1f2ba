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
export {
  printText,
  parseText,
  formatFloat,
  formatDouble,
  type PrintTextOptions,
  type ParseTextOptions,
} from './text/index.js';
