// One fuzz target per format tensorgraft reads. Each takes the bytes of one file (seeded with real TensorFlow files
// from fixtures/), parses it with the package's public API and reads everything there is to read, catching the
// packages' typed errors per item so one bad tensor does not hide the rest. Anything else escapes and fails the case.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BundleError,
  BundleReader,
  type ByteSource,
  bytesSource,
  openCheckpoint,
  SafetensorsReader,
  V1Reader,
  writeSafetensors,
} from '@tensorgraft/bundle-io';
import {
  EventsError,
  eventValues,
  iterateEventFile,
  iterateFileRecords,
  parseEvents,
  scanRecords,
} from '@tensorgraft/events-writer';
import {
  Graph,
  GraphError,
  graphFromMetaGraph,
  importGraphDef,
  parseGraphDef,
  parseMetaGraph,
} from '@tensorgraft/graph';
import { ProtoError } from '@tensorgraft/proto';
import { parseCheckpointState, SaverError } from '@tensorgraft/saver';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

export interface Target {
  name: string;
  /** Real files to mutate. */
  seeds: Uint8Array[];
  /** Parses `bytes` (derived from seeds[seed]) and reads everything in it. */
  run(bytes: Uint8Array, seed: number): void;
}

/** One of the packages' own errors, with its code and the file it is about. */
export function isTypedError(err: unknown): boolean {
  const typed =
    err instanceof BundleError ||
    err instanceof EventsError ||
    err instanceof ProtoError ||
    err instanceof GraphError ||
    err instanceof SaverError;
  return typed && typeof err.code === 'string' && err.code.length > 0 && typeof err.path === 'string';
}

/** Runs `fn`; a typed error is the expected outcome for bad input, anything else is rethrown. */
function attempt(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!isTypedError(err)) throw err;
  }
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, keep));
    else if (keep(e.name)) out.push(p);
  }
  return out.sort();
}

const read = (p: string) => new Uint8Array(readFileSync(p));

/** Reads every tensor, slice and entry of a checkpoint reader, each failure on its own. */
function readAll(r: {
  names(): string[];
  entry(n: string): { slices: { start: number; length: number }[][] };
  get(n: string): unknown;
  verifyAll(): unknown;
  getSlice?(n: string, e: { start: number; length: number }[]): unknown;
}): void {
  for (const n of r.names()) {
    attempt(() => {
      const e = r.entry(n);
      for (const s of e.slices) attempt(() => r.getSlice?.(n, s));
    });
    attempt(() => r.get(n));
  }
  attempt(() => r.verifyAll());
}

interface Bundle {
  index: Uint8Array;
  shards: Map<string, Uint8Array>;
}

function bundles(): Bundle[] {
  return filesUnder(join(FIXTURES, 'checkpoints'), (n) => n.endsWith('.index')).map((indexPath) => {
    const prefix = indexPath.slice(0, -'.index'.length);
    const dir = dirname(prefix);
    const shards = new Map<string, Uint8Array>();
    for (const f of readdirSync(dir)) {
      if (f.startsWith(`${basename(prefix)}.data-`)) shards.set(f.slice(basename(prefix).length), read(join(dir, f)));
    }
    return { index: read(indexPath), shards };
  });
}

function openBundle(index: Uint8Array, shards: Map<string, Uint8Array>): void {
  const r = new BundleReader({
    prefix: 'fuzz.ckpt',
    index: bytesSource(index, 'fuzz.ckpt.index'),
    openShard(s, n) {
      const name = `.data-${String(s).padStart(5, '0')}-of-${String(n).padStart(5, '0')}`;
      const bytes = shards.get(name);
      if (!bytes) throw new BundleError('NOT_FOUND', 'no such shard', { path: `fuzz.ckpt${name}` });
      return bytesSource(bytes, `fuzz.ckpt${name}`);
    },
  });
  readAll(r);
  r.close();
}

function bundleIndexTarget(): Target {
  const all = bundles();
  return {
    name: 'bundle-index',
    seeds: all.map((b) => b.index),
    run: (bytes, seed) => openBundle(bytes, all[seed % all.length]!.shards),
  };
}

function bundleDataTarget(): Target {
  const all = bundles().filter((b) => b.shards.size > 0);
  return {
    name: 'bundle-data',
    seeds: all.map((b) => [...b.shards.values()][0]!),
    run: (bytes, seed) => {
      const b = all[seed % all.length]!;
      const shards = new Map(b.shards);
      shards.set([...b.shards.keys()][0]!, bytes);
      openBundle(b.index, shards);
    },
  };
}

function v1Target(): Target {
  const files = [
    join(FIXTURES, 'checkpoints', 'v1', 'model.ckpt'),
    ...filesUnder(join(FIXTURES, 'checkpoints', 'v1_sharded'), (n) => /-of-\d{5}$/.test(n)),
  ];
  return {
    name: 'v1-table',
    seeds: files.map(read),
    run: (bytes) => {
      const sources: ByteSource[] = [bytesSource(bytes, 'fuzz.ckpt')];
      const r = new V1Reader('fuzz.ckpt', sources);
      readAll(r);
      r.close();
    },
  };
}

/** Seeds written by writeSafetensors (the published format; interop proves Python's safetensors reads it). */
function safetensorsSeeds(): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'tg-fuzz-st-'));
  try {
    const seeds: Uint8Array[] = [];
    for (const prefix of ['dtypes/model.ckpt', 'saver/model.ckpt-1000', 'names/text.ckpt']) {
      const r = openCheckpoint(join(FIXTURES, 'checkpoints', prefix));
      const tensors = r
        .entries()
        .filter((e) => !['string', 'complex128', 'variant'].includes(e.dtype))
        .map((e) => [e.name, r.get(e.name)] as const);
      r.close();
      const out = join(dir, `${seeds.length}.safetensors`);
      writeSafetensors(out, tensors as never, { metadata: { by: 'fuzz' } });
      seeds.push(read(out));
    }
    return seeds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function safetensorsTarget(): Target {
  return {
    name: 'safetensors',
    seeds: safetensorsSeeds(),
    run: (bytes) => {
      const r = new SafetensorsReader(bytesSource(bytes, 'fuzz.safetensors'));
      readAll(r);
      r.close();
    },
  };
}

function eventsTarget(): Target {
  return {
    name: 'tfrecord-events',
    seeds: filesUnder(join(FIXTURES, 'events'), (n) => n.includes('tfevents')).map(read),
    run: (bytes) => {
      scanRecords(bytes);
      const { events } = parseEvents(bytes, 'fuzz.tfevents');
      const plugins = new Map<string, string>();
      for (const e of events) attempt(() => [...eventValues(e.event, plugins)]);
    },
  };
}

/** The same files read from disk in 64-byte chunks: the chunked reader's buffer growing, torn tails, early exits. */
function eventFileTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'tg-fuzz-ev-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'events.out.tfevents.fuzz');
  return {
    name: 'event-file-chunks',
    seeds: eventsTarget().seeds,
    run: (bytes, seed) => {
      writeFileSync(path, bytes);
      for (const _ of iterateFileRecords(path, 64)) {
        // every record, through a 64-byte starting buffer
      }
      let n = 0;
      for (const _ of iterateEventFile(path)) if (++n > seed % 4) break; // leave early: the file must be closed
    },
  };
}

function graphTarget(kind: 'graph' | 'meta', format: 'binary' | 'text'): Target {
  const ext =
    kind === 'graph' ? (format === 'binary' ? '.pb' : '.pbtxt') : format === 'binary' ? '.meta' : '.meta.pbtxt';
  const files = filesUnder(
    join(FIXTURES, 'graphs'),
    (n) => n.endsWith(ext) && !(kind === 'graph' && n.endsWith('.meta.pbtxt')),
  );
  const path = `fuzz${ext}`;
  return {
    name: `${kind === 'graph' ? 'graphdef' : 'metagraph'}-${format}`,
    seeds: files.map(read),
    run: (bytes) => {
      if (kind === 'graph') {
        const def = parseGraphDef(bytes, { path, format });
        attempt(() => importGraphDef(new Graph(), def, { prefix: '', path }));
      } else {
        const meta = parseMetaGraph(bytes, { path, format });
        attempt(() => graphFromMetaGraph(meta, { path }));
      }
    },
  };
}

function stateFileTarget(): Target {
  return {
    name: 'state-file',
    seeds: filesUnder(join(FIXTURES, 'state'), (n) => n === 'checkpoint').map(read),
    run: (bytes) => {
      parseCheckpointState(new TextDecoder().decode(bytes), 'fuzz/checkpoint');
    },
  };
}

/** Every target, built once (seeds are read from fixtures/). */
export function allTargets(): Target[] {
  return [
    bundleIndexTarget(),
    bundleDataTarget(),
    v1Target(),
    safetensorsTarget(),
    eventsTarget(),
    eventFileTarget(),
    graphTarget('graph', 'binary'),
    graphTarget('graph', 'text'),
    graphTarget('meta', 'binary'),
    graphTarget('meta', 'text'),
    stateFileTarget(),
  ];
}
