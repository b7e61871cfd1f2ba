// Merging two models' checkpoints into one scoped checkpoint (what `tensorgraft merge` and saveMixed without a session
// do): two TensorFlow-style models (meta graph + V2 checkpoint, 4 float32 variables of 16M values each, 256 MiB per
// model) mixed under scopes `a` and `b` and saved as one meta graph + checkpoint with the scoped keys. Anchors in the
// same run: TensorFlow (interop/.venv) doing the same rename-merge in eager mode with tf.raw_ops.RestoreV2 of each
// checkpoint then one tf.raw_ops.SaveV2 with the scoped names (its fastest path; it writes no meta graph), and the
// byte-copy floor (copyFileSync of both data files). Medians of 3, alternating, files under /tmp (deleted).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleWriter } from '@tensorgraft/bundle-io';
import { addSaverOps, exportMetaGraph, Graph, GraphBuilder, serializeMetaGraph } from '@tensorgraft/graph';
import { mix, saveMixed } from '@tensorgraft/mixer';
import { fillRandom, median, nowMs, printTable, runPython } from './_harness.js';

const VARS: [string, number[]][] = [
  ['dense/kernel', [4096, 4096]],
  ['dense_1/kernel', [4096, 4096]],
  ['conv/weights', [16, 16, 256, 256]],
  ['embedding', [16384, 1024]],
];
const REPEATS = 3;
const dir = join(tmpdir(), `bench-mixer-${process.pid}`);
mkdirSync(dir, { recursive: true });

function writeModel(name: string, seed: number): string {
  const graph = new Graph();
  const b = new GraphBuilder(graph);
  for (const [v, shape] of VARS) b.variable(v, shape, { zeros: true });
  const saverDef = addSaverOps(graph);
  const prefix = join(dir, name, 'model.ckpt');
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(`${prefix}.meta`, serializeMetaGraph(exportMetaGraph(graph, { saverDef })));
  const w = new BundleWriter(prefix);
  for (const [i, [v, shape]] of [...VARS].sort((p, q) => (p[0] < q[0] ? -1 : 1)).entries()) {
    const data = new Float32Array(shape.reduce((p, d) => p * d, 1));
    fillRandom(data, seed + 100 * i);
    w.add(v, { dtype: 'float32', shape, data });
  }
  w.finish();
  return prefix;
}

const TF_MERGE = `
import json, sys, time
import tensorflow as tf
a, b, out, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    names, tensors = [], []
    for scope, p in (("a", a), ("b", b)):
        dt = tf.train.load_checkpoint(p).get_variable_to_dtype_map()
        keys = sorted(dt)
        vals = tf.raw_ops.RestoreV2(prefix=p, tensor_names=keys, shape_and_slices=[""] * len(keys),
                                    dtypes=[dt[k] for k in keys])
        names += [scope + "/" + k for k in keys]
        tensors += list(vals)
    order = sorted(range(len(names)), key=lambda i: names[i])
    tf.raw_ops.SaveV2(prefix=out, tensor_names=[names[i] for i in order], shape_and_slices=[""] * len(names),
                      tensors=[tensors[i] for i in order])
    del tensors
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": sorted(times)[len(times) // 2]}))
`;

try {
  const a = writeModel('a', 1);
  const b = writeModel('b', 7);
  const bytes = 2 * VARS.reduce((s, [, shape]) => s + 4 * shape.reduce((p, d) => p * d, 1), 0);
  const ours: number[] = [];
  const copy: number[] = [];
  const tf: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let t0 = nowMs();
    const mixed = mix([
      { scope: 'a', metaGraph: `${a}.meta`, checkpoint: a },
      { scope: 'b', metaGraph: `${b}.meta`, checkpoint: b },
    ]);
    await saveMixed(mixed, join(dir, 'ours', 'merged'));
    ours.push(nowMs() - t0);
    t0 = nowMs();
    mkdirSync(join(dir, 'copy'), { recursive: true });
    copyFileSync(`${a}.data-00000-of-00001`, join(dir, 'copy', 'a.data'));
    copyFileSync(`${b}.data-00000-of-00001`, join(dir, 'copy', 'b.data'));
    copy.push(nowMs() - t0);
    tf.push(runPython<{ ms: number }>(TF_MERGE, [a, b, join(dir, 'tf', 'merged'), '1']).ms);
  }
  const mb = bytes / 2 ** 20;
  const mibps = (times: number[]) => mb / (median(times) / 1000);
  console.log(`merge 2 models x ${VARS.length} variables, ${mb.toFixed(0)} MiB in all (median of ${REPEATS})`);
  const row = (what: string, anchor: number[], anchorName: string) => ({
    what,
    ours: mibps(ours),
    anchor: mibps(anchor),
    unit: 'MiB/s',
    higherIsBetter: true,
    anchorName,
  });
  printTable([
    row('rename-merge (MiB/s)', tf, 'TensorFlow'),
    row('rename-merge vs byte copy (MiB/s)', copy, 'copyFileSync'),
  ]);
  console.log(
    `medians: ours ${median(ours).toFixed(0)} ms, TensorFlow ${median(tf).toFixed(0)} ms, byte copy ${median(copy).toFixed(0)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
