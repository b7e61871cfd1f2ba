// protobufjs hands 64-bit fields back as Long objects (or numbers); sizes and offsets must be safe JS integers.
import { BundleError, type BundleErrorDetails } from './errors.js';

export function safeInt(v: unknown, what: string, details: BundleErrorDetails): number {
  if (v === undefined || v === null) return 0;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'object' && 'low' in v && 'high' in v) {
    // Long: high * 2^32 + unsigned low (negative when high < 0 and not unsigned)
    const l = v as { low: number; high: number; unsigned?: boolean };
    n = (l.unsigned ? l.high >>> 0 : l.high) * 4294967296 + (l.low >>> 0);
  } else n = Number(String(v));
  if (!Number.isSafeInteger(n)) throw new BundleError('CORRUPT_ENTRY', `${what} ${String(v)} is out of range`, details);
  return n;
}
