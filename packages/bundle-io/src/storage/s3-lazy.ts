// The s3:// store registered without loading it: s3.ts (aws4fetch, zod) is imported on the first s3:// operation,
// so entry points that never touch S3 (`tensorgraft ls` on a local file through the lite entry) start as fast as before.
import { registerStore, type Store } from './types.js';

const load = () => import('./s3.js').then((m) => m.s3Store);

const lazyS3: Store = {
  scheme: 's3',
  writable: true,
  open: async (location) => (await load()).open(location),
  create: async (location) => (await load()).create(location),
  exists: async (location) => (await load()).exists(location),
  list: async (prefix) => (await load()).list(prefix),
  remove: async (location) => (await load()).remove(location),
};

registerStore(lazyS3);
