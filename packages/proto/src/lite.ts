// `@tensorgraft/proto/lite`: the parts of this package that need no generated message code (dtypes, the wire
// helpers, ProtoError, error-message text). Importing it loads neither protobufjs nor the 2 MB of generated classes,
// so a program that needs only these (bundle-io's readers, the CLI's `ls`) starts in a few milliseconds.
export * from './dtypes.js';
export { ProtoError, type ProtoErrorCode, type ProtoErrorDetails } from './errors.js';
export { escapeControls, quoteInput, SNIPPET_BYTES } from './message-text.js';
export * from './wire/index.js';
