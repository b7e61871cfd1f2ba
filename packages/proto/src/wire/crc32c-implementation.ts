// Which crc32c implementation is in use, decided as this module loads (it loads the native module now). The full
// entry point and `@tensorgraft/proto/wire` export it; `/lite` does not, so a lite program loads the native module only
// once it has checksummed a MiB (see crc32c.ts).
import { loadNativeCrc32c } from './crc32c.js';

/** Which implementation `crc32c` uses: 'native' (@node-rs/crc32) or 'js'. */
export const crc32cImplementation: 'native' | 'js' = loadNativeCrc32c() ? 'native' : 'js';
