// Event writing speed: scalars per second and histograms (1,000 values each) per second, @tensorgraft/events-writer
// against tensorboardX and TF2 tf.summary (both from interop/.venv), measured in the same run on the same machine;
// then memory while writing 10M scalars (RSS and heap sampled during the run; reported as max - min).
// Every timing includes close(): the values are in the file when the clock stops.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryWriter } from '@tensorgraft/events-writer';
import { printTable, type Row, runPython, timeMedian } from './_harness.js';

const SCALARS = 200_000;
const HISTOGRAMS = 5_000;
const TBX_SCALARS = 50_000;
const TBX_HISTOGRAMS = 2_000;
const TF_SCALARS = 5_000;
const TF_HISTOGRAMS = 1_000;
const REPEATS = 5;
const MEMORY_SCALARS = 10_000_000;

const PY = `
import json, os, shutil, statistics, sys, tempfile, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
from tensorboardX import SummaryWriter
tbx_s, tbx_h, tf_s, tf_h, repeats = map(int, sys.argv[1:6])
data = np.array([np.sin(i) * 3 + (i % 7) for i in range(1000)], dtype=np.float64)

def med_rate(n, fn):
    fn(min(n, 100))  # warm up (imports, graph tracing)
    ts = []
    for _ in range(repeats):
        d = tempfile.mkdtemp()
        t0 = time.perf_counter(); fn(n, d); ts.append(time.perf_counter() - t0)
        shutil.rmtree(d)
    return n / statistics.median(ts)

def warm(fn):
    def run(n, d=None):
        own = d is None
        d = d or tempfile.mkdtemp()
        fn(n, d)
        if own: shutil.rmtree(d)
    return run

@warm
def tbx_scalars(n, d):
    w = SummaryWriter(d)
    for i in range(n): w.add_scalar("loss", i * 0.001, i)
    w.close()

@warm
def tbx_hists(n, d):
    w = SummaryWriter(d)
    for i in range(n): w.add_histogram("h", data, i)
    w.close()

@warm
def tf_scalars(n, d):
    w = tf.summary.create_file_writer(d)
    with w.as_default():
        for i in range(n): tf.summary.scalar("loss", i * 0.001, step=i)
    w.close()

@warm
def tf_hists(n, d):
    w = tf.summary.create_file_writer(d)
    with w.as_default():
        for i in range(n): tf.summary.histogram("h", data, step=i)
    w.close()

print(json.dumps({
  "tbx_scalars": med_rate(tbx_s, tbx_scalars), "tbx_hists": med_rate(tbx_h, tbx_hists),
  "tf_scalars": med_rate(tf_s, tf_scalars), "tf_hists": med_rate(tf_h, tf_hists),
}))
`;

const data = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3 + (i % 7));

async function ourRate(n: number, write: (w: SummaryWriter, i: number) => void): Promise<number> {
  const ms = await timeMedian(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-bench-events-'));
    try {
      const w = new SummaryWriter(dir);
      for (let i = 0; i < n; i++) write(w, i);
      await w.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, REPEATS);
  return n / (ms / 1000);
}

async function memoryFlat(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-events-mem-'));
  try {
    const w = new SummaryWriter(dir);
    const rss: number[] = [];
    const heap: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < MEMORY_SCALARS; i++) {
      w.scalar('loss', i * 1e-6, i);
      // Sample after the first million (JIT and pools warmed up), every 250k values.
      if (i >= 1_000_000 && i % 250_000 === 0) {
        const m = process.memoryUsage();
        rss.push(m.rss);
        heap.push(m.heapUsed);
      }
    }
    await w.close();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    const span = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    console.log(
      `10M scalars: ${secs.toFixed(1)} s (${Math.round(MEMORY_SCALARS / secs)} scalars/s), file ${mb(statSync(w.path).size)} MB; ` +
        `${rss.length} samples: RSS ${mb(Math.min(...rss))}..${mb(Math.max(...rss))} MB (max - min ${mb(span(rss))} MB), ` +
        `heap used ${mb(Math.min(...heap))}..${mb(Math.max(...heap))} MB (max - min ${mb(span(heap))} MB)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const py = runPython<{ tbx_scalars: number; tbx_hists: number; tf_scalars: number; tf_hists: number }>(PY, [
  String(TBX_SCALARS),
  String(TBX_HISTOGRAMS),
  String(TF_SCALARS),
  String(TF_HISTOGRAMS),
  String(REPEATS),
]);
const ours = {
  scalars: await ourRate(SCALARS, (w, i) => w.scalar('loss', i * 0.001, i)),
  hists: await ourRate(HISTOGRAMS, (w, i) => w.histogram('h', data, i)),
};
console.log(
  `median of ${REPEATS} runs; ours ${SCALARS} scalars / ${HISTOGRAMS} histograms, tensorboardX ${TBX_SCALARS} / ` +
    `${TBX_HISTOGRAMS}, tf.summary ${TF_SCALARS} / ${TF_HISTOGRAMS} per run (each run includes close())`,
);
const rows: Row[] = [
  {
    what: 'scalars/s',
    ours: ours.scalars,
    anchor: py.tbx_scalars,
    unit: '/s',
    higherIsBetter: true,
    anchorName: 'tensorboardX',
  },
  {
    what: 'scalars/s',
    ours: ours.scalars,
    anchor: py.tf_scalars,
    unit: '/s',
    higherIsBetter: true,
    anchorName: 'tf.summary',
  },
  {
    what: 'histograms (1,000 values)/s',
    ours: ours.hists,
    anchor: py.tbx_hists,
    unit: '/s',
    higherIsBetter: true,
    anchorName: 'tensorboardX',
  },
  {
    what: 'histograms (1,000 values)/s',
    ours: ours.hists,
    anchor: py.tf_hists,
    unit: '/s',
    higherIsBetter: true,
    anchorName: 'tf.summary',
  },
];
printTable(rows);
await memoryFlat();
