// TensorFlow's (LevelDB's bytewise comparator's) rules for index-block keys (tensorflow/core/lib/io/table_builder.cc):
// a flushed block's index key is the shortest key >= its last key and < the next block's first key; the final block
// gets a short successor of its last key. Our index keys must match byte for byte, so these follow the same rules.

/** FindShortestSeparator(start, limit). */
export function shortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const min = Math.min(start.length, limit.length);
  let i = 0;
  while (i < min && start[i] === limit[i]) i++;
  if (i >= min) return start; // one is a prefix of the other: do not shorten
  const b = start[i]!;
  if (b < 0xff && b + 1 < limit[i]!) {
    const out = start.slice(0, i + 1);
    out[i] = b + 1;
    return out;
  }
  return start;
}

/** FindShortSuccessor(key): increment the first byte that is not 0xff and cut after it. */
export function shortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i] = key[i]! + 1;
      return out;
    }
  }
  return key;
}
