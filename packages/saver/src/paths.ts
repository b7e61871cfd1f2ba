// Python's posixpath rules that TensorFlow's checkpoint code relies on (os.path.isabs/join/relpath/dirname), so state
// files name the same paths TensorFlow would.
import { posix } from 'node:path';

export function isAbs(p: string): boolean {
  return p.startsWith('/');
}

/** os.path.join(a, b): b wins when absolute; no normalisation. */
export function join(a: string, b: string): string {
  if (isAbs(b) || a === '') return b;
  return a.endsWith('/') ? a + b : `${a}/${b}`;
}

/** os.path.dirname: everything before the last '/', trailing slashes removed unless it is all slashes. */
export function dirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

/** os.path.basename. */
export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** os.path.relpath(p, start): both made absolute against the working directory, '.' when equal. */
export function relpath(p: string, start: string): string {
  const r = posix.relative(posix.resolve(start || '.'), posix.resolve(p));
  return r === '' ? '.' : r;
}
