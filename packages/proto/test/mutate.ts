// Seeded randomness and byte mutations for the fuzz tests: a failure reproduces from its seed and iteration.

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const int = (r: Rand, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rand, list: readonly T[]): T => list[int(r, list.length)] as T;

const BYTE_EDGES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];

export function mutateBytes(r: Rand, input: Uint8Array, other: Uint8Array): Uint8Array {
  const b = Array.from(input);
  const rounds = 1 + int(r, 3);
  for (let k = 0; k < rounds; k++) {
    const at = int(r, b.length + 1);
    switch (int(r, 7)) {
      case 0: // bit flips
        for (let j = 0, n = 1 + int(r, 4); j < n && b.length; j++) {
          const i = int(r, b.length);
          b[i] = (b[i] as number) ^ (1 << int(r, 8));
        }
        break;
      case 1: // truncation
        b.length = int(r, b.length + 1);
        break;
      case 2: // insertion of random or edge bytes
        b.splice(
          at,
          0,
          ...Array.from({ length: 1 + int(r, 8) }, () => (r() < 0.5 ? int(r, 256) : pick(r, BYTE_EDGES))),
        );
        break;
      case 3: // deletion
        b.splice(at, 1 + int(r, 16));
        break;
      case 4: {
        // splice from another real message
        const from = int(r, other.length + 1);
        b.splice(at, int(r, 8), ...other.subarray(from, from + 1 + int(r, 64)));
        break;
      }
      case 5: {
        // duplicate a range
        const from = int(r, b.length + 1);
        b.splice(at, 0, ...b.slice(from, from + 1 + int(r, 32)));
        break;
      }
      default: // overwrite with an edge byte (varint continuation, wire types, lengths)
        if (b.length) b[int(r, b.length)] = pick(r, BYTE_EDGES);
    }
  }
  return Uint8Array.from(b);
}
