export * from './dtypes.js';
export { ProtoError, type ProtoErrorCode, type ProtoErrorDetails } from './errors.js';
export { escapeControls, quoteInput, SNIPPET_BYTES } from './message-text.js';
export {
  type DecodeOptions,
  decodeMessage,
  encodeMessage,
  google,
  type MessageOf,
  type MessageType,
  tensorboard,
  tensorflow,
  typeNameOf,
} from './messages.js';
export {
  compareWireKeys,
  formatDouble,
  formatFloat,
  type ParseTextOptions,
  type PrintTextOptions,
  parseText,
  printText,
} from './text/index.js';
export type { AnyMessageView, ElementView, MessageView, ViewField, ViewOf } from './view/types.js';
export { decodeView, isMessageView, toMessage, viewBytes, viewTypeName } from './view/view.js';
export * from './wire/index.js';
