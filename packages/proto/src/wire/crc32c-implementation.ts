// Which crc32c implementation is in use, decided as this module loads (it loads the native module now). The full
// entry point and `@tensorgraft/proto/wire` export it; `/lite` does not, so a lite program loads the native module only
// once it has checksummed a MiB (see crc32c.ts).
import { type Crc32cNativeModule, crc32cNativeModule, loadNativeCrc32c } from './crc32c.js';

/** Which implementation `crc32c` uses: 'native' (a native module, see crc32cNative) or 'js'. */
export const crc32cImplementation: 'native' | 'js' = loadNativeCrc32c() ? 'native' : 'js';

/**
 * The native module behind `crc32c`: 'tensorgraft' (this package's own, built where a C compiler is present) or
 * '@node-rs/crc32'; undefined when JavaScript computes it.
 */
export const crc32cNative: Crc32cNativeModule | undefined = crc32cNativeModule();
