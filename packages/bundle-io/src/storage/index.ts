// The storage seam for Node: the local file store and the memory store registered, and resolveStore. Importing this
// module registers them (which is why bundle-io's entry points import it). The s3:// store is registered lazily
// (s3-lazy.ts); configureS3 and friends are exported by the full entry point, which loads s3.ts.
import './http.js';
import './local.js';
import './memory.js';
import './s3-lazy.js';

export { configureHttp, type HttpOptions, httpStore } from './http.js';
export { localPath, localStore } from './local.js';
export { memoryObject, memoryStore, putMemoryObject } from './memory.js';
export { joinLocation, parentLocation, resolveStore } from './resolve.js';
export { type AsyncByteSource, findStore, registerStore, type Store, schemeOf, type WriteSink } from './types.js';
