// Freezing (what `tensorgraft freeze` does): a meta graph + V2 checkpoint with 8 float32 variables of 1M values each
// (half ref, half resource; 32 MiB), frozen to the variables' read tensors and serialized. Anchor in the same run:
// TensorFlow (interop/.venv) doing what freeze_graph does with a meta graph: import_meta_graph, Saver.restore,
// graph_util.convert_variables_to_constants, SerializeToString. Both outputs are checked to be the same bytes first.
// Then the frozen graph as a TensorFlow.js GraphModel (`tensorgraft export --format graph_model`): exportGraphModel
// against the Python tensorflowjs converter's convert_tf_frozen_model of the same file (its Grappler pass included).
// Medians of 5 (the anchors' in their own process, after one warm-up), files under /tmp (deleted).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleWriter } from '@tensorgraft/bundle-io';
import { exportGraphModel } from '@tensorgraft/deploy';
import {
  addSaverOps,
  exportMetaGraph,
  freezeGraph,
  Graph,
  GraphBuilder,
  parseMetaGraph,
  serializeGraphDef,
  serializeMetaGraph,
} from '@tensorgraft/graph';
import { fillRandom, printTable, runPython, timeMedian } from './_harness.js';

const dir = join(tmpdir(), `bench-freeze-${process.pid}`);
mkdirSync(dir, { recursive: true });
const prefix = join(dir, 'model.ckpt');
const graph = new Graph();
const b = new GraphBuilder(graph);
const outputs: string[] = [];
const names: string[] = [];
for (let i = 0; i < 8; i++) {
  const v = b.variable(`layer${i}/kernel`, [1024, 1024], { zeros: true }, { resource: i % 2 === 1 });
  outputs.push(v.value.split(':')[0]!);
  names.push(v.name);
}
const saverDef = addSaverOps(graph);
writeFileSync(`${prefix}.meta`, serializeMetaGraph(exportMetaGraph(graph, { saverDef })));
const w = new BundleWriter(prefix);
for (const [i, name] of [...names].sort().entries()) {
  const data = new Float32Array(1024 * 1024);
  fillRandom(data, 7 + i);
  w.add(name, { dtype: 'float32', shape: [1024, 1024], data });
}
w.finish();

const TF_FREEZE = `
import json, sys, time
import tensorflow as tf
from tensorflow.core.protobuf import meta_graph_pb2
v1 = tf.compat.v1
prefix, outputs, out, repeats = sys.argv[1], sys.argv[2].split(","), sys.argv[3], int(sys.argv[4])
def freeze():
    mg = meta_graph_pb2.MetaGraphDef()
    with open(prefix + ".meta", "rb") as f:
        mg.ParseFromString(f.read())
    with tf.Graph().as_default():
        saver = v1.train.import_meta_graph(mg)
        with v1.Session() as sess:
            saver.restore(sess, prefix)
            return v1.graph_util.convert_variables_to_constants(sess, mg.graph_def, outputs).SerializeToString(
                deterministic=True)
with open(out, "wb") as f:
    f.write(freeze())
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    freeze()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[len(times) // 2]}))
`;

const TFJS_CONVERT = `
import json, sys, time, types, shutil
sys.modules.setdefault("tensorflow_decision_forests", types.ModuleType("tensorflow_decision_forests"))
jax_stub = types.ModuleType("tensorflowjs.converters.jax_conversion")
jax_stub.convert_jax = None
sys.modules["tensorflowjs.converters.jax_conversion"] = jax_stub
from tensorflowjs.converters import tf_saved_model_conversion_v2 as conv
frozen, outputs, out, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conv.convert_tf_frozen_model(frozen, outputs, out)
times = []
for _ in range(repeats):
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    conv.convert_tf_frozen_model(frozen, outputs, out)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[len(times) // 2]}))
`;

try {
  const ours = () =>
    serializeGraphDef(freezeGraph(parseMetaGraph(readFileSync(`${prefix}.meta`)), prefix, { outputs }).graphDef);
  const tfOut = join(dir, 'tf-frozen.pb');
  const tf = runPython<{ ms: number }>(TF_FREEZE, [prefix, outputs.join(','), tfOut, '5']);
  const same = Buffer.from(ours()).equals(readFileSync(tfOut));
  if (!same) throw new Error('our frozen graph is not the bytes TensorFlow writes');
  const ms = await timeMedian(ours, 5, 1);
  const frozen = freezeGraph(parseMetaGraph(readFileSync(`${prefix}.meta`)), prefix, { outputs }).graphDef;
  const signature = { inputs: {}, outputs: Object.fromEntries(outputs.map((o) => [o, `${o}:0`])) };
  const gmDir = join(dir, 'gm');
  const gmMs = await timeMedian(() => exportGraphModel(frozen, gmDir, { signature }), 5, 1);
  const conv = runPython<{ ms: number }>(TFJS_CONVERT, [tfOut, outputs.join(','), join(dir, 'tfjs'), '5']);
  printTable([
    { what: 'freeze 8 x 4 MiB variables (bytes equal)', ours: ms, anchor: tf.ms, unit: 'ms', anchorName: 'tensorflow' },
    { what: 'GraphModel of the frozen graph', ours: gmMs, anchor: conv.ms, unit: 'ms', anchorName: 'tensorflowjs' },
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
