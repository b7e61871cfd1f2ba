// VGG-16-sized checkpoint (TF-slim vgg_16 names and shapes, 138,357,544 float32, random values): save throughput,
// restore-all throughput, and the time and bytes read to fetch one small tensor (vgg_16/fc8/biases), with peak memory
// for each; @tensorgraft/bundle-io against TensorFlow in interop/.venv (tf.raw_ops.SaveV2 / RestoreV2 in eager mode,
// its fastest path), measured in the same run on the same machine. Each phase runs in its own child process so its
// peak memory (VmHWM for us, ru_maxrss for Python) is its own. Files go under /tmp and are deleted.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BundleReader, BundleWriter } from '@tensorgraft/bundle-io';
import { fillRandom, median, nowMs, printTable, runPython } from './_harness.js';
import { VGG16 } from './_vgg16-layout.js';

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const TOTAL = VGG16.reduce((a, [, s]) => a + numel(s), 0);
const LARGEST = Math.max(...VGG16.map(([, s]) => numel(s)));
const BYTES = TOTAL * 4;
const SMALL = 'vgg_16/fc8/biases';
const REPEATS = 3;
/** Saves swing most with the shared machine's load (other writers, page-cache work): more runs for their medians. */
const SAVE_REPEATS = 5;
const ONE_REPEATS = 21;
/** Saves timed in one process; the parent runs SAVE_REPEATS processes per side, alternating ours and TF's. */
const SAVES_PER_PROCESS = 1;

function vmKb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}
function rchar(): number {
  return Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

/** Removes `prefix`'s index and data files, if any. */
function removeCheckpoint(prefix: string): void {
  const dir = dirname(prefix);
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.startsWith(`${basename(prefix)}.`)) rmSync(join(dir, f), { force: true });
}

// ---- our phases, each in a child process ----

/**
 * The machine's ceiling: the checkpoint's byte count written to a fresh file (page cache, no fsync, as a save's data
 * file) and read back (warm) by the plainest Node code, 8 MiB writeSync / readSync calls on one reused buffer.
 */
function childRaw(path: string): object {
  const chunk = Buffer.alloc(8 * 2 ** 20);
  fillRandom(new Float32Array(chunk.buffer, chunk.byteOffset, chunk.length / 4), 7);
  rmSync(path, { force: true });
  spawnSync('sync');
  let t0 = nowMs();
  let fd = openSync(path, 'w');
  for (let done = 0; done < BYTES; done += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, BYTES - done));
  closeSync(fd);
  const writeMs = nowMs() - t0;
  t0 = nowMs();
  fd = openSync(path, 'r');
  for (let done = 0; done < BYTES; ) done += readSync(fd, chunk, 0, Math.min(chunk.length, BYTES - done), done);
  closeSync(fd);
  const readMs = nowMs() - t0;
  rmSync(path, { force: true });
  return { ms: writeMs, readMs, baseKb: 0, hwmKb: 0 };
}

async function childSave(prefix: string, useAsync: boolean): Promise<object> {
  const base = vmKb('VmRSS');
  // One buffer the size of the largest tensor, refilled for each: the writer streams, so memory is that + little.
  const buf = new Float32Array(LARGEST);
  const run = async (r: number, useAsync: boolean): Promise<number> => {
    let ms = 0;
    const w = new BundleWriter(prefix);
    for (const [i, [name, shape]] of VGG16.entries()) {
      const data = buf.subarray(0, numel(shape));
      fillRandom(data, 1 + i + 100 * r);
      const t0 = nowMs();
      if (useAsync) await w.addAsync(name, { dtype: 'float32', shape, data });
      else w.add(name, { dtype: 'float32', shape, data });
      ms += nowMs() - t0;
    }
    const t0 = nowMs();
    w.finish();
    return ms + nowMs() - t0;
  };
  const times: number[] = [];
  for (let r = 0; r < SAVES_PER_PROCESS; r++) {
    // Each run saves to a fresh prefix (the last run's files removed, untimed, as on TF's side): renaming over a
    // previous 528 MiB data file would charge the save with freeing that file's blocks (ext4 with online discard here:
    // ~0.4 s), which is not saving work. And each run starts with no dirty pages left from the last (the kernel would
    // otherwise throttle later writers).
    removeCheckpoint(prefix);
    spawnSync('sync');
    times.push(await run(r, useAsync));
  }
  return { ms: median(times), baseKb: base, hwmKb: vmKb('VmHWM') };
}

/** One restore of every tensor (a fresh process per run, so its peak memory is one restore's). */
async function childRestore(prefix: string, mode: 'getAll' | 'get'): Promise<object> {
  const base = vmKb('VmRSS');
  const t0 = nowMs();
  const reader = BundleReader.open(prefix);
  // getAll: chunked reads through the thread pool, crc extended as chunks land; get: one by one on this thread.
  const all = mode === 'getAll' ? [...(await reader.getAll()).values()] : reader.names().map((n) => reader.get(n));
  reader.close();
  const ms = nowMs() - t0;
  return { ms, baseKb: base, hwmKb: vmKb('VmHWM'), tensors: all.length };
}

/** Restore into existing, already-used buffers (a model's variables): readInto every tensor. */
function childRestoreInto(prefix: string): object {
  const base = vmKb('VmRSS');
  // The "variables": allocated and written before timing, as a built model's are.
  const vars = VGG16.map(([name, shape]) => [name, new Float32Array(numel(shape)).fill(0.5)] as const);
  const t0 = nowMs();
  const reader = BundleReader.open(prefix);
  for (const [name, buf] of vars) reader.readInto(name, buf);
  reader.close();
  return { ms: nowMs() - t0, baseKb: base, hwmKb: vmKb('VmHWM') };
}

function childOne(prefix: string): object {
  const base = vmKb('VmRSS');
  const times: number[] = [];
  let bytesRead = 0;
  let rcharDelta = 0;
  // Warm up (JIT) as the Python side is warm after its first call.
  for (let r = 0; r < 50; r++) {
    const w = BundleReader.open(prefix);
    w.get(SMALL);
    w.close();
  }
  for (let r = 0; r < ONE_REPEATS; r++) {
    const c0 = rchar();
    const t0 = nowMs();
    const reader = BundleReader.open(prefix);
    const t = reader.get(SMALL);
    times.push(nowMs() - t0);
    rcharDelta = rchar() - c0;
    bytesRead = reader.bytesRead;
    reader.close();
    if ((t.data as Float32Array).length !== 1000) throw new Error('wrong tensor');
  }
  return { ms: median(times), bytesRead, rchar: rcharDelta, baseKb: base, hwmKb: vmKb('VmHWM') };
}

// ---- TensorFlow's phases ----

const PY = `
import glob, json, os, resource, statistics, sys, time
import numpy as np
import tensorflow as tf
phase, prefix, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = json.loads(sys.argv[4])
names = [n for n, _ in spec]
def rss_kb():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])
def rchar():
    return int(open('/proc/self/io').read().split('rchar: ')[1].split()[0])
base = rss_kb()
out = {}
if phase == 'save':
    rng = np.random.default_rng(0)
    # base stays as measured before the tensors exist: SaveV2 needs them all in memory, our writer one at a time.
    tensors = [tf.constant(rng.uniform(-1, 1, size=s).astype(np.float32)) for _, s in spec]
    times = []
    for _ in range(repeats):
        # As on our side: a fresh prefix (the last run's files removed, untimed) and no dirty pages left from it.
        for f in glob.glob(glob.escape(prefix) + '.*'):
            os.remove(f)
        os.sync()
        t0 = time.perf_counter()
        tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[''] * len(names), tensors=tensors)
        times.append((time.perf_counter() - t0) * 1000)
    out['ms'] = statistics.median(times)
elif phase == 'restore-vars':
    # TensorFlow's restore into existing variables: Saver.restore (RestoreV2, then assign) in eager mode.
    vs = {n: tf.Variable(tf.fill(s, 0.5)) for n, s in spec}
    saver = tf.compat.v1.train.Saver(var_list=vs)
    t0 = time.perf_counter()
    saver.restore(None, prefix)
    out['ms'] = (time.perf_counter() - t0) * 1000
elif phase == 'restore':
    # One run per process (the parent repeats), so ru_maxrss is one restore's.
    t0 = time.perf_counter()
    ts = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=names, shape_and_slices=[''] * len(names),
                              dtypes=[tf.float32] * len(names))
    out['ms'] = (time.perf_counter() - t0) * 1000
else:
    for _ in range(50):
        tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=[phase], shape_and_slices=[''], dtypes=[tf.float32])
    times = []
    for _ in range(repeats):
        c0 = rchar()
        t0 = time.perf_counter()
        t = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=[phase], shape_and_slices=[''], dtypes=[tf.float32])
        times.append((time.perf_counter() - t0) * 1000)
        out['rchar'] = rchar() - c0
    out['ms'] = statistics.median(times)
out['baseKb'] = base
out['hwmKb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
`;

interface PhaseResult {
  ms: number;
  baseKb: number;
  hwmKb: number;
  bytesRead?: number;
  rchar?: number;
  syncMs?: number;
  /** child-raw: the read-back's milliseconds (ms is the write's). */
  readMs?: number;
}

/** Median time and base memory of several runs, with the largest peak above base. */
function summarize(rs: PhaseResult[]): PhaseResult {
  const base = median(rs.map((x) => x.baseKb));
  return {
    ms: median(rs.map((x) => x.ms)),
    baseKb: base,
    hwmKb: Math.max(...rs.map((x) => x.hwmKb - x.baseKb)) + base,
  };
}

function runChild(phase: string, prefix: string): PhaseResult {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1]!, phase, prefix], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`child ${phase} failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as PhaseResult;
}

function tf(phase: string, prefix: string, repeats: number): PhaseResult {
  return runPython<PhaseResult>(PY, [phase, prefix, String(repeats), JSON.stringify(VGG16)]);
}

const phase = process.argv[2];
if (phase === 'child-save') console.log(JSON.stringify(await childSave(process.argv[3]!, true)));
else if (phase === 'child-save-sync') console.log(JSON.stringify(await childSave(process.argv[3]!, false)));
else if (phase === 'child-restore') console.log(JSON.stringify(await childRestore(process.argv[3]!, 'getAll')));
else if (phase === 'child-restore-sync') console.log(JSON.stringify(await childRestore(process.argv[3]!, 'get')));
else if (phase === 'child-restore-into') console.log(JSON.stringify(childRestoreInto(process.argv[3]!)));
else if (phase === 'child-raw') console.log(JSON.stringify(childRaw(process.argv[3]!)));
else if (phase === 'child-one') console.log(JSON.stringify(childOne(process.argv[3]!)));
else {
  if (TOTAL !== 138_357_544) throw new Error(`VGG-16 has ${TOTAL} parameters, expected 138,357,544`);
  const dir = join(tmpdir(), `tg-bench-bundle-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const oursPrefix = join(dir, 'ours', 'vgg_16.ckpt');
    const tfPrefix = join(dir, 'tf', 'vgg_16.ckpt');
    console.log(
      `VGG-16: ${VGG16.length} tensors, ${TOTAL} float32 (${(BYTES / 2 ** 20).toFixed(1)} MiB), largest ${((LARGEST * 4) / 2 ** 20).toFixed(1)} MiB`,
    );
    // Saves alternate ours / TF / ours-sync, one process per run, so bursts of load on the shared machine hit all
    // alike (summarize takes medians, and the largest peak).
    const saves: Record<'o' | 't' | 's', PhaseResult[]> = { o: [], t: [], s: [] };
    for (let r = 0; r < SAVE_REPEATS; r++) {
      saves.o.push(runChild('child-save', oursPrefix));
      saves.t.push(tf('save', tfPrefix, 1));
      saves.s.push(runChild('child-save-sync', oursPrefix));
    }
    const oSave = summarize(saves.o);
    const tSave = summarize(saves.t);
    const oSaveSync = summarize(saves.s);
    // Both restore TensorFlow's file (the same bytes for both; warm in the page cache after the save).
    // Restores alternate ours / TF / ours-sync, one process per run, so load drifts hit all alike.
    const runs: Record<'o' | 's' | 't' | 'oi' | 'ti', PhaseResult[]> = { o: [], s: [], t: [], oi: [], ti: [] };
    for (let r = 0; r < REPEATS; r++) {
      runs.o.push(runChild('child-restore', tfPrefix));
      runs.t.push(tf('restore', tfPrefix, 1));
      runs.s.push(runChild('child-restore-sync', tfPrefix));
      runs.oi.push(runChild('child-restore-into', tfPrefix));
      runs.ti.push(tf('restore-vars', tfPrefix, 1));
    }
    const oRestore = summarize(runs.o);
    const tRestore = summarize(runs.t);
    const oRestoreSync = summarize(runs.s);
    const oInto = summarize(runs.oi);
    const tInto = summarize(runs.ti);
    const raws: PhaseResult[] = [];
    for (let r = 0; r < REPEATS; r++) raws.push(runChild('child-raw', join(dir, 'raw.bin')));
    const rawWrite = median(raws.map((r) => r.ms));
    const rawRead = median(raws.map((r) => r.readMs!));
    const oOne = runChild('child-one', tfPrefix);
    const tOne = tf(SMALL, tfPrefix, ONE_REPEATS);
    const indexSize = statSync(`${tfPrefix}.index`).size;
    const mbps = (ms: number) => BYTES / 2 ** 20 / (ms / 1000);
    const mib = (kb: number) => kb / 1024;
    const rows = [
      {
        what: 'save throughput (addAsync)',
        ours: mbps(oSave.ms),
        anchor: mbps(tSave.ms),
        unit: 'MiB/s',
        higherIsBetter: true,
        anchorName: 'TF',
      },
      {
        what: 'restore-all throughput (getAll)',
        ours: mbps(oRestore.ms),
        anchor: mbps(tRestore.ms),
        unit: 'MiB/s',
        higherIsBetter: true,
        anchorName: 'TF',
      },
      {
        what: 'restore into existing variables (readInto)',
        ours: mbps(oInto.ms),
        anchor: mbps(tInto.ms),
        unit: 'MiB/s',
        higherIsBetter: true,
        anchorName: 'TF Saver.restore',
      },
      { what: `one tensor (${SMALL}) time`, ours: oOne.ms, anchor: tOne.ms, unit: 'ms', anchorName: 'TF' },
      {
        what: 'peak memory while saving (above start)',
        ours: mib(oSave.hwmKb - oSave.baseKb),
        anchor: mib(tSave.hwmKb - tSave.baseKb),
        unit: 'MiB',
        anchorName: 'TF',
      },
      {
        what: 'peak memory, restore all (above start)',
        ours: mib(oRestore.hwmKb - oRestore.baseKb),
        anchor: mib(tRestore.hwmKb - tRestore.baseKb),
        unit: 'MiB',
        anchorName: 'TF',
      },
      {
        what: 'peak memory, one tensor (above start)',
        ours: mib(oOne.hwmKb - oOne.baseKb),
        anchor: mib(tOne.hwmKb - tOne.baseKb),
        unit: 'MiB',
        anchorName: 'TF',
      },
    ];
    printTable(rows);
    console.log(
      `sync paths (this thread only): save with add() ${mbps(oSaveSync.ms).toFixed(0)} MiB/s, ` +
        `restore with get() ${mbps(oRestoreSync.ms).toFixed(0)} MiB/s`,
    );
    console.log(
      `the machine's ceiling (same bytes, minimal Node writeSync / readSync, page cache, medians of ${REPEATS}): ` +
        `write ${mbps(rawWrite).toFixed(0)} MiB/s, read ${mbps(rawRead).toFixed(0)} MiB/s; ours as a fraction of it: ` +
        `save ${(rawWrite / oSave.ms).toFixed(2)}, restore-all ${(rawRead / oRestore.ms).toFixed(2)}, ` +
        `restore into variables ${(rawRead / oInto.ms).toFixed(2)}; TF: save ${(rawWrite / tSave.ms).toFixed(2)}, ` +
        `restore-all ${(rawRead / tRestore.ms).toFixed(2)}`,
    );
    console.log(
      `medians: save ${SAVE_REPEATS} runs and restore ${REPEATS} runs (one process each, ours and TF alternating), one tensor ${ONE_REPEATS} runs (open + get each time)`,
    );
    console.log(
      `one tensor: we read ${oOne.bytesRead} bytes (index ${indexSize} + tensor 4000), rchar ${oOne.rchar}; TF rchar ${tOne.rchar}`,
    );
    console.log(
      `peak memory absolute (VmHWM / ru_maxrss): save ours ${mib(oSave.hwmKb).toFixed(0)} MiB, TF ${mib(tSave.hwmKb).toFixed(0)} MiB (both above-start figures include the tensors being saved: all of them for SaveV2, one at a time for us)`,
    );
    console.log(
      `targets: save and restore >= 1.5x TF; one tensor <= 1 MiB beyond it; save peak <= largest (${((LARGEST * 4) / 2 ** 20).toFixed(0)} MiB) + 64 MiB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
