// Decodes a table block (layout in block-builder.ts) into its key/value entries, checking every length against the
// block so corrupt bytes give a CORRUPT_TABLE error with the offset, never a RangeError or a huge allocation.
import { readVarint32 } from '@tensorgraft/proto/lite';
import { BundleError } from '../errors.js';

export interface BlockEntry {
  key: Uint8Array;
  value: Uint8Array;
}

export interface BlockContext {
  path: string | undefined;
  /** File offset of the block's first byte, for error offsets. */
  offset: number;
}

function varint32(buf: Uint8Array, at: number, limit: number, ctx: BlockContext): [number, number] {
  // One-byte varints (nearly every length in a block) without the general decoder's bounds bookkeeping.
  if (at < limit && buf[at]! < 0x80) return [buf[at]!, at + 1];
  try {
    const d = readVarint32(buf.subarray(0, limit), at);
    return [d.value, d.next];
  } catch (err) {
    throw new BundleError('CORRUPT_TABLE', 'bad varint in block entry', {
      path: ctx.path,
      offset: ctx.offset + at,
      cause: err,
    });
  }
}

/** All entries of a block, in order. Keys must be strictly increasing (bytewise) unless `allowUnsorted`. */
export function decodeBlock(block: Uint8Array, ctx: BlockContext): BlockEntry[] {
  const corrupt = (msg: string, at: number): BundleError =>
    new BundleError('CORRUPT_TABLE', msg, { path: ctx.path, offset: ctx.offset + at });
  if (block.length < 4) throw corrupt(`block of ${block.length} bytes is too short`, 0);
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const numRestarts = dv.getUint32(block.length - 4, true);
  const maxRestarts = Math.floor((block.length - 4) / 4);
  if (numRestarts > maxRestarts) throw corrupt(`block claims ${numRestarts} restart points`, block.length - 4);
  const limit = block.length - 4 - numRestarts * 4;
  const entries: BlockEntry[] = [];
  let at = 0;
  let prevKey: Uint8Array = new Uint8Array(0);
  // Prefix compression lets a few bytes stand for a long key; a crafted block could make every entry repeat a huge
  // prefix. Real keys (tensor names) expand a few times at most, so cap what the whole block may expand to.
  let keyBytes = 0;
  const keyBudget = 16 * block.length + 65536;
  while (at < limit) {
    const start = at;
    let shared: number;
    let nonShared: number;
    let valueLen: number;
    [shared, at] = varint32(block, at, limit, ctx);
    [nonShared, at] = varint32(block, at, limit, ctx);
    [valueLen, at] = varint32(block, at, limit, ctx);
    if (shared > prevKey.length) throw corrupt(`entry shares ${shared} bytes of a ${prevKey.length}-byte key`, start);
    if (at + nonShared + valueLen > limit) throw corrupt('block entry runs past the end of the block', start);
    keyBytes += shared + nonShared;
    if (keyBytes > keyBudget) throw corrupt(`block keys expand to more than ${keyBudget} bytes`, start);
    const key = new Uint8Array(shared + nonShared);
    key.set(prevKey.subarray(0, shared));
    key.set(block.subarray(at, at + nonShared), shared);
    at += nonShared;
    const value = block.subarray(at, at + valueLen);
    at += valueLen;
    if (entries.length > 0 && compareBytes(prevKey, key) >= 0) {
      throw new BundleError('DUPLICATE_KEY', 'table keys are not strictly increasing', {
        path: ctx.path,
        offset: ctx.offset + start,
        tensor: keyLabel(key),
      });
    }
    entries.push({ key, value });
    prevKey = key;
  }
  return entries;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A key as text for messages: UTF-8 when printable, else hex. */
export function keyLabel(key: Uint8Array): string {
  const text = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
  if (!text.includes('\uFFFD') && !/[\x00-\x1f]/.test(text)) return text;
  return `0x${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}`;
}
