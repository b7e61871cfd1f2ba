// Reading a fetch Response's body straight into the caller's buffer: the http(s) and s3 stores' ranged GETs.
import { BundleError } from '../errors.js';

/** Reads a response body into `target` as it arrives (no intermediate buffer); TRUNCATED if it is short. */
export async function bodyInto(res: Response, target: Uint8Array, location: string, offset: number): Promise<void> {
  let done = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      if (done + value.length > target.length) {
        await reader.cancel();
        throw new BundleError('CORRUPT_DATA', `server sent more than the ${target.length} bytes asked for`, {
          path: location,
          offset,
        });
      }
      target.set(value, done);
      done += value.length;
    }
  }
  if (done !== target.length) {
    throw new BundleError('TRUNCATED', `got ${done} of ${target.length} bytes`, { path: location, offset });
  }
}
