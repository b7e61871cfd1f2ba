// protobufjs hands 64-bit fields back as Long objects (or numbers); sizes and offsets must be safe JS integers.
import { BundleError, type BundleErrorDetails } from './errors.js';

export function safeInt(v: unknown, what: string, details: BundleErrorDetails): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isSafeInteger(n)) throw new BundleError('CORRUPT_ENTRY', `${what} ${String(v)} is out of range`, details);
  return n;
}
