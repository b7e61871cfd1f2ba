// CHECKPOINT arguments that are locations of bundle-io's storage seam (s3://bucket/run/model.ckpt-1000, file://, or
// such a directory with a `checkpoint` state file). The commands' reader interface is synchronous, so the index is
// fetched first (all `ls` needs) and, for commands that read tensors, the data objects too, with parallel ranged
// reads; then the ordinary V2 reader works on those bytes.
import type { BundleReader, CheckpointReader, ResolvedCheckpoint } from '@tensorgraft/bundle-io';

/** Whether an argument is a URL-style location rather than a path. */
export function isLocation(arg: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(arg);
}

const PART = 16 << 20;

async function fetchWhole(location: string): Promise<Uint8Array> {
  const { resolveStore } = await import('@tensorgraft/bundle-io');
  const src = await resolveStore(location).open(location);
  try {
    const out = new Uint8Array(src.size);
    const parts: number[] = [];
    for (let a = 0; a < src.size; a += PART) parts.push(a);
    let next = 0;
    const worker = async () => {
      while (next < parts.length) {
        const a = parts[next++]!;
        out.set(await src.read(a, Math.min(PART, src.size - a)), a);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, parts.length) }, worker));
    return out;
  } finally {
    await src.close();
  }
}

/** Opens a remote V2 checkpoint (or a directory's latest); `withData` also fetches its data objects. */
export async function openRemoteCheckpoint(
  location: string,
  withData: boolean,
): Promise<{ reader: CheckpointReader; resolved: ResolvedCheckpoint }> {
  const io = await import('@tensorgraft/bundle-io');
  const store = io.resolveStore(location);
  let prefix = location.replace(/\/+$/, '');
  let fromStateFile: ResolvedCheckpoint['fromStateFile'];
  if (!(await store.exists(`${prefix}.index`)) && (await store.exists(`${prefix}/checkpoint`))) {
    const text = new TextDecoder().decode(await fetchWhole(`${prefix}/checkpoint`));
    const m = /^model_checkpoint_path:\s*"((?:[^"\\]|\\.)*)"/m.exec(text);
    if (!m)
      throw new io.BundleError('BAD_STATE_FILE', 'names no model_checkpoint_path', { path: `${prefix}/checkpoint` });
    const named = JSON.parse(`"${m[1]}"`) as string;
    const dir = prefix;
    prefix = isLocation(named) ? named : `${dir}/${named}`;
    fromStateFile = { directory: dir, outside: !prefix.startsWith(`${dir}/`) };
  }
  const index = io.bytesSource(await fetchWhole(`${prefix}.index`), `${prefix}.index`);
  const shards = new Map<number, Uint8Array>();
  const reader: BundleReader = new io.BundleReader({
    prefix,
    index,
    openShard: (s, n) => {
      const bytes = shards.get(s);
      if (!bytes) {
        throw new io.BundleError('NOT_FOUND', 'data object not fetched', { path: io.dataFilename(prefix, s, n) });
      }
      return io.bytesSource(bytes, io.dataFilename(prefix, s, n));
    },
  });
  if (withData) {
    const n = reader.header.numShards;
    for (let s = 0; s < n; s++) shards.set(s, await fetchWhole(io.dataFilename(prefix, s, n)));
  }
  return { reader, resolved: { format: 'v2', path: prefix, ...(fromStateFile ? { fromStateFile } : {}) } };
}
