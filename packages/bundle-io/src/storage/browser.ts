// The storage seam for browsers (and any runtime without Node's built-ins): the http(s) and memory stores registered,
// and resolveStore. No local files, and no s3:// (its credentials and signing are a server-side concern).
import './http.js';
import './memory.js';

export { configureHttp, type HttpOptions, httpStore } from './http.js';
export { memoryObject, memoryStore, putMemoryObject } from './memory.js';
export { joinLocation, parentLocation, resolveStore } from './resolve.js';
export { type AsyncByteSource, findStore, registerStore, type Store, schemeOf, type WriteSink } from './types.js';
