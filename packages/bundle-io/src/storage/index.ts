// The storage seam for Node: the local file store and the memory store registered, and resolveStore. Importing this
// module registers them (which is why bundle-io's entry points import it).
import './http.js';
import './local.js';
import './memory.js';
import './s3.js';

export { configureHttp, type HttpOptions, httpStore } from './http.js';
export { localPath, localStore } from './local.js';
export { memoryObject, memoryStore, putMemoryObject } from './memory.js';
export { joinLocation, parentLocation, resolveStore } from './resolve.js';
export { configureS3, createBucket, parseS3, type S3Options, S3OptionsSchema, s3Store } from './s3.js';
export { type AsyncByteSource, findStore, registerStore, type Store, schemeOf, type WriteSink } from './types.js';
