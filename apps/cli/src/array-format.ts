// How `tensorgraft cat` prints a tensor for people, as numpy prints an array: nested brackets, values right-aligned
// to one width, and past 1000 elements (numpy's threshold) only the first and last 3 (edgeitems) of each axis with
// `...` between; then min, max and mean.
import type { JsonValue } from '@tensorgraft/bundle-io';

export const SUMMARY_THRESHOLD = 1000;
export const EDGE_ITEMS = 3;

/** One value as text: floats with at most 8 significant digits (numpy's precision), the shortest that round-trips. */
export function formatValue(v: JsonValue, float32: boolean): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v) || !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : formatSpecial(v);
    for (let p = 1; p <= 8; p++) {
      const s = v.toPrecision(p);
      const back = Number(s);
      if (float32 ? Math.fround(back) === Math.fround(v) : back === v) return String(back);
    }
    return String(Number(v.toPrecision(8)));
  }
  if (v === 'NaN') return 'nan';
  if (v === 'Infinity') return 'inf';
  if (v === '-Infinity') return '-inf';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return JSON.stringify(v);
}

function formatSpecial(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return String(v);
}

/** The flat indices shown along an axis of length n: all, or the edges with null for the elision. */
function shown(n: number, summarize: boolean): (number | null)[] {
  if (!summarize || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i);
  return [...head, null, ...tail];
}

/**
 * The array as numpy prints it. `valueAt(i)` gives the flat row-major element i, so a summarised large tensor only
 * formats the elements it shows.
 */
export function formatArray(shape: readonly number[], valueAt: (i: number) => string, summarize: boolean): string {
  if (shape.length === 0) return valueAt(0);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  // first pass: the texts of every element shown, for one common width
  const texts = new Map<number, string>();
  const collect = (dim: number, offset: number) => {
    for (const i of shown(shape[dim]!, summarize)) {
      if (i === null) continue;
      const at = offset + i * strides[dim]!;
      if (dim === shape.length - 1) texts.set(at, valueAt(at));
      else collect(dim + 1, at);
    }
  };
  collect(0, 0);
  const width = Math.max(0, ...[...texts.values()].map((t) => t.length));
  const render = (dim: number, offset: number): string => {
    const items = shown(shape[dim]!, summarize);
    if (dim === shape.length - 1) {
      return `[${items.map((i) => (i === null ? '...' : texts.get(offset + i * strides[dim]!)!.padStart(width))).join(' ')}]`;
    }
    // rows on their own lines, indented under the bracket; a blank line between blocks of higher rank, as numpy
    const separator = `\n${'\n'.repeat(shape.length - dim - 2)}${' '.repeat(dim + 1)}`;
    return `[${items.map((i) => (i === null ? '...' : render(dim + 1, offset + i * strides[dim]!))).join(separator)}]`;
  };
  return render(0, 0);
}

/** min, max and mean of numeric values (NaN when any value is NaN, as numpy), or undefined for non-numeric data. */
export function statistics(values: Iterable<JsonValue>): { min: number; max: number; mean: number } | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let n = 0;
  for (const raw of values) {
    const v = typeof raw === 'number' ? raw : typeof raw === 'string' ? numeric(raw) : undefined;
    if (v === undefined) return undefined;
    if (Number.isNaN(v)) return { min: Number.NaN, max: Number.NaN, mean: Number.NaN };
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  return n ? { min, max, mean: sum / n } : undefined;
}

function numeric(s: string): number | undefined {
  if (s === 'NaN') return Number.NaN;
  if (s === 'Infinity') return Number.POSITIVE_INFINITY;
  if (s === '-Infinity') return Number.NEGATIVE_INFINITY;
  return /^-?\d+$/.test(s) ? Number(s) : undefined;
}
