// Tensor slices: a slice gives, per dim, a start and a length (-1 = the whole dim). Partitioned variables are stored
// as several slices of one full tensor (V2: entries keyed by slice-key.ts, listed in the full entry's `slices`; V1:
// SavedSlice data entries). Here: the TensorSliceProto <-> extents mapping and the copy of a slice into the full array.
import type { tensorflow } from '@tensorgraft/proto';
import { BundleError } from './errors.js';
import { safeInt } from './long.js';
import type { SliceExtent } from './tensor.js';

type SliceProto = tensorflow.TensorSliceProto.$Properties;

/** Extents of a TensorSliceProto (an Extent without `length` is the whole dim). */
export function extentsFromProto(
  p: SliceProto,
  rank: number,
  where: { tensor: string; path?: string | undefined },
): SliceExtent[] {
  const ext = p.extent ?? [];
  if (ext.length !== rank) {
    throw new BundleError('CORRUPT_ENTRY', `slice has ${ext.length} dims, tensor has ${rank}`, where);
  }
  return ext.map((e) => {
    const start = toSafe(e.start ?? 0, where);
    const hasLength = e.length !== undefined && e.length !== null;
    const length = hasLength ? toSafe(e.length!, where) : -1;
    return { start, length };
  });
}

/** TensorSliceProto for extents, as TensorSlice::AsProto (full dims are empty Extents; start 0 omitted). */
export function extentsToProto(extents: readonly SliceExtent[]): SliceProto {
  return {
    extent: extents.map((e) =>
      e.length < 0 ? {} : e.start === 0 ? { length: e.length } : { start: e.start, length: e.length },
    ),
  } as SliceProto;
}

function toSafe(v: unknown, where: { tensor: string; path?: string | undefined }): number {
  return safeInt(v, 'slice bound', where);
}

/** Concrete [start, length] per dim of `extents` within `shape`; CORRUPT_ENTRY if out of bounds. */
export function resolveExtents(
  extents: readonly SliceExtent[],
  shape: readonly number[],
  where: { tensor: string; path?: string | undefined },
): { starts: number[]; lengths: number[] } {
  if (extents.length !== shape.length) {
    throw new BundleError('CORRUPT_ENTRY', `slice rank ${extents.length} vs tensor rank ${shape.length}`, where);
  }
  const starts: number[] = [];
  const lengths: number[] = [];
  extents.forEach((e, d) => {
    const dim = shape[d]!;
    const start = e.length < 0 ? 0 : e.start;
    const length = e.length < 0 ? dim : e.length;
    if (start < 0 || length < 0 || start + length > dim) {
      throw new BundleError('CORRUPT_ENTRY', `slice [${start}, +${length}) out of dim ${d} of size ${dim}`, where);
    }
    starts.push(start);
    lengths.push(length);
  });
  return { starts, lengths };
}

/** True when the extents cover the whole of `shape` (TensorFlow's IsFullSlice). */
export function isFullSlice(extents: readonly SliceExtent[], shape: readonly number[]): boolean {
  return extents.every((e, d) => e.length < 0 || (e.start === 0 && e.length === shape[d]));
}

interface Settable {
  length: number;
  set?(src: ArrayLike<unknown>, offset: number): void;
  subarray?(a: number, b: number): unknown;
}

/**
 * Copies a slice (dense, shape `lengths`) into the full array (shape `full`) at `starts`. `width` is the number of
 * array elements per tensor element (2 for complex). Works for typed arrays and for arrays of strings.
 */
export function copySliceInto(
  full: Settable,
  fullShape: readonly number[],
  slice: Settable,
  starts: readonly number[],
  lengths: readonly number[],
  width: number,
): void {
  const rank = fullShape.length;
  if (lengths.some((l) => l === 0)) return;
  if (rank === 0) {
    copyRun(full, 0, slice, 0, width);
    return;
  }
  // Strides in elements of the full tensor.
  const strides = new Array<number>(rank);
  let s = width;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= fullShape[d]!;
  }
  const run = lengths[rank - 1]! * width;
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  const outer = lengths.slice(0, -1).reduce((a, b) => a * b, 1);
  for (let k = 0; k < outer; k++) {
    let dst = 0;
    for (let d = 0; d < rank; d++) dst += (starts[d]! + idx[d]!) * strides[d]!;
    copyRun(full, dst, slice, src, run);
    src += run;
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < lengths[d]!) break;
      idx[d] = 0;
    }
  }
}

function copyRun(dst: Settable, at: number, src: Settable, from: number, n: number): void {
  if (dst.set && src.subarray) {
    dst.set(src.subarray(from, from + n) as ArrayLike<unknown>, at);
    return;
  }
  const d = dst as unknown as unknown[];
  const s = src as unknown as unknown[];
  for (let i = 0; i < n; i++) d[at + i] = s[from + i];
}
