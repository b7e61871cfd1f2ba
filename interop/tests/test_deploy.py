"""Live checks for the deployment formats, on the mixer's merged model (a resource-variable CNN wired into a
ref-variable MLP head):
- freezing: TensorFlow's convert_variables_to_constants gives the bytes `tensorgraft freeze` writes, and TensorFlow runs
  ours to the unfrozen model's outputs;
- SavedModel out: TensorFlow's TF1 and TF2 loaders and saved_model_cli show / run read what `tensorgraft export` writes;
- SavedModel in: SavedModels TensorFlow writes now (tf.saved_model.save of a tf.Module, the TF1 builder) run in
  `tensorgraft saved-model run` to TensorFlow's outputs."""
import json
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import graph_pb2
from tensorflow.core.protobuf import meta_graph_pb2

from conftest import run_cli
from test_mixer import run_meta, write_models

v1 = tf.compat.v1


def merged_model(tmp):
    """The mixer's merged model (a resource-variable CNN extractor wired into a ref-variable MLP head), written by
    `tensorgraft merge`; returns (prefix, the two source prefixes)."""
    a, b = write_models(tmp)
    out = str(tmp / "merged" / "model.ckpt")
    proc = run_cli("merge", "--model", f"backbone={a}.meta", "--model", f"head={b}",
                   "--wire", "head/x:0=backbone/features:0", "-o", out)
    assert proc.returncode == 0, proc.stderr
    return out, a, b


def tf_freeze(prefix, outputs):
    """What freeze_graph does with an input meta graph: import, restore, convert the meta graph's graph_def."""
    mg = meta_graph_pb2.MetaGraphDef()
    with open(prefix + ".meta", "rb") as f:
        mg.ParseFromString(f.read())
    with tf.Graph().as_default():
        saver = v1.train.import_meta_graph(mg)
        with v1.Session() as sess:
            saver.restore(sess, prefix)
            return v1.graph_util.convert_variables_to_constants(sess, mg.graph_def, outputs)


def run_frozen(graph_def, fetch, feeds):
    with tf.Graph().as_default():
        tf.import_graph_def(graph_def, name="")
        with v1.Session() as sess:
            return sess.run(fetch, feeds)


def test_freeze_of_the_merged_model_is_tensorflows_bytes_and_runs_in_tensorflow(tmp):
    prefix, a, b = merged_model(tmp)
    ours_path = tmp / "frozen.pb"
    proc = run_cli("freeze", prefix + ".meta", prefix, "--outputs", "head/probs", "-o", ours_path)
    assert proc.returncode == 0, proc.stderr
    ours_bytes = ours_path.read_bytes()
    theirs = tf_freeze(prefix, ["head/probs"])
    assert ours_bytes == theirs.SerializeToString(deterministic=True)

    ours = graph_pb2.GraphDef()
    ours.ParseFromString(ours_bytes)
    assert not [n.name for n in ours.node if n.op in ("VariableV2", "VarHandleOp", "ReadVariableOp")]
    images = np.random.RandomState(5).uniform(-1, 1, [3, 16, 16, 3]).astype(np.float32)
    want = run_meta(prefix, "head/probs:0", {"backbone/images:0": images})
    got = run_frozen(ours, "head/probs:0", {"backbone/images:0": images})
    assert np.array_equal(got, want)
    # and the unfrozen models one after the other
    chained = run_meta(b, "probs:0", {"x:0": run_meta(a, "features:0", {"images:0": images})})
    assert np.max(np.abs(got - chained)) <= 1e-6


def export_merged(tmp):
    prefix, a, b = merged_model(tmp)
    out = tmp / "saved_model"
    proc = run_cli("export", prefix + ".meta", prefix, "--format", "saved_model", "--signature",
                   "serving_default:images=backbone/images:0,probs=head/probs:0", "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    return prefix, out


def test_tensorflow_loads_and_runs_our_saved_model(tmp):
    prefix, out = export_merged(tmp)
    images = np.random.RandomState(6).uniform(-1, 1, [2, 16, 16, 3]).astype(np.float32)
    want = run_meta(prefix, "head/probs:0", {"backbone/images:0": images})

    # TF1 loader
    with tf.Graph().as_default():
        with v1.Session() as sess:
            meta = v1.saved_model.load(sess, ["serve"], str(out))
            sig = meta.signature_def["serving_default"]
            assert sig.method_name == "tensorflow/serving/predict"
            got1 = sess.run(sig.outputs["probs"].name, {sig.inputs["images"].name: images})
    assert np.array_equal(got1, want)

    # TF2 loader (a TF1 SavedModel is wrapped by load_v1_in_v2)
    loaded = tf.saved_model.load(str(out))
    got2 = loaded.signatures["serving_default"](images=tf.constant(images))["probs"].numpy()
    assert np.max(np.abs(got2 - want)) <= 1e-6

    # our own runner gives the same numbers
    proc = run_cli("saved-model", "run", out, "--input", "images=" + json.dumps(images.tolist()), "--json")
    assert proc.returncode == 0, proc.stderr
    ours = np.array(json.loads(proc.stdout)["outputs"]["probs"]["values"], np.float32).reshape(want.shape)
    assert np.max(np.abs(ours - want)) <= 1e-5


def test_saved_model_cli_shows_and_runs_our_signature(tmp):
    prefix, out = export_merged(tmp)
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    show = subprocess.run([cli, "show", "--dir", str(out), "--all"], capture_output=True, text=True, timeout=300)
    assert show.returncode == 0, show.stderr
    assert "signature_def['serving_default']:" in show.stdout
    assert "inputs['images'] tensor_info:" in show.stdout and "name: backbone/images:0" in show.stdout
    assert "outputs['probs'] tensor_info:" in show.stdout and "name: head/probs:0" in show.stdout
    # ours lists the same signature the same way
    ours = run_cli("saved-model", "show", out)
    assert ours.returncode == 0, ours.stderr
    theirs_sig = show.stdout[show.stdout.index("signature_def['serving_default']:"):].split("Method name is:")[0]
    assert theirs_sig in ours.stdout

    images = np.random.RandomState(7).uniform(-1, 1, [2, 16, 16, 3]).astype(np.float32)
    np.save(tmp / "images.npy", images)
    run = subprocess.run([cli, "run", "--dir", str(out), "--tag_set", "serve", "--signature_def", "serving_default",
                          "--inputs", f"images={tmp / 'images.npy'}", "--outdir", str(tmp / "cli_out")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    got = np.load(tmp / "cli_out" / "probs.npy")
    want = run_meta(prefix, "head/probs:0", {"backbone/images:0": images})
    assert np.array_equal(got, want)


class Module(tf.Module):
    def __init__(self):
        super().__init__()
        rng = np.random.RandomState(11)
        self.w = tf.Variable(rng.uniform(-1, 1, [4, 3]).astype(np.float32))
        self.b = tf.Variable(rng.uniform(-1, 1, [3]).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    def serve(self, x):
        return {"probs": tf.nn.softmax(tf.matmul(x, self.w) + self.b), "sum": tf.reduce_sum(x, axis=1)}


def test_we_run_saved_models_tensorflow_writes_now(tmp):
    x = np.random.RandomState(8).uniform(-1, 1, [3, 4]).astype(np.float32)
    m = Module()
    tf.saved_model.save(m, str(tmp / "tf2"), signatures={"serving_default": m.serve})
    want = {k: v.numpy() for k, v in m.serve(x).items()}
    proc = run_cli("saved-model", "run", tmp / "tf2", "--input", "x=" + json.dumps(x.tolist()), "--json")
    assert proc.returncode == 0, proc.stderr
    outs = json.loads(proc.stdout)["outputs"]
    for key in ("probs", "sum"):
        got = np.array(outs[key]["values"], np.float32).reshape(want[key].shape)
        assert np.max(np.abs(got - want[key])) <= 1e-5, key

    w0 = m.w.numpy()
    with tf.Graph().as_default():
        x_in = v1.placeholder(tf.float32, [None, 4], name="x")
        w = v1.get_variable("w", initializer=w0, use_resource=False)
        y = tf.nn.relu(tf.matmul(x_in, w), name="y")
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            builder = v1.saved_model.Builder(str(tmp / "tf1"))
            builder.add_meta_graph_and_variables(
                sess, ["serve"], signature_def_map={"serving_default": v1.saved_model.predict_signature_def(
                    {"x": x_in}, {"y": y})})
            builder.save()
            want_y = sess.run(y, {x_in: x})
    proc = run_cli("saved-model", "run", tmp / "tf1", "--input", "x=" + json.dumps(x.tolist()), "--json")
    assert proc.returncode == 0, proc.stderr
    got = np.array(json.loads(proc.stdout)["outputs"]["y"]["values"], np.float32).reshape(want_y.shape)
    assert np.max(np.abs(got - want_y)) <= 1e-5
