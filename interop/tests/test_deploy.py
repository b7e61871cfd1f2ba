"""Live checks for the deployment formats, on the mixer's merged model (a resource-variable CNN wired into a
ref-variable MLP head):
- freezing: TensorFlow's convert_variables_to_constants gives the bytes `tensorgraft freeze` writes, and TensorFlow runs
  ours to the unfrozen model's outputs;
- SavedModel out: TensorFlow's TF1 and TF2 loaders and saved_model_cli show / run read what `tensorgraft export` writes;
- SavedModel in: SavedModels TensorFlow writes now (tf.saved_model.save of a tf.Module, Keras 3 model.export, the TF1
  builder) run in `tensorgraft saved-model run` to TensorFlow's outputs;
- GraphModel out: @tensorflow/tfjs's loadGraphModel runs `tensorgraft export --format graph_model` to TensorFlow's
  outputs, and the Python tensorflowjs converter's export of the same model agrees (float32, uint8, float16)."""
import json
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import graph_pb2
from tensorflow.core.protobuf import meta_graph_pb2

from conftest import run_cli, run_node_json
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


def tfjs_converter():
    """The Python `tensorflowjs` converter (pip install tensorflowjs --no-deps, plus tensorflow-hub). Its package imports
    tensorflow_decision_forests (only to register TF-DF ops; the pinned TensorFlow has no matching TF-DF and it needs
    pandas) and jax (for its JAX entry point): both are stood in for by empty modules, which the TensorFlow-graph path
    never touches."""
    import types
    sys.modules.setdefault("tensorflow_decision_forests", types.ModuleType("tensorflow_decision_forests"))
    if "tensorflowjs.converters.jax_conversion" not in sys.modules:
        jax_stub = types.ModuleType("tensorflowjs.converters.jax_conversion")
        jax_stub.convert_jax = None
        sys.modules["tensorflowjs.converters.jax_conversion"] = jax_stub
    from tensorflowjs.converters import tf_saved_model_conversion_v2
    return tf_saved_model_conversion_v2


def run_graph_model(tmp, model_dir, feeds, outputs):
    """Runs a GraphModel directory in @tensorflow/tfjs (CPU backend, loadGraphModel) on numpy feeds."""
    path = tmp / (os.path.basename(str(model_dir)) + "-inputs.json")
    with open(path, "w") as f:
        json.dump({k: {"shape": list(v.shape), "values": v.ravel().tolist(), "dtype": "float32"}
                   for k, v in feeds.items()}, f)
    doc = run_node_json("graph-model-run.mjs", model_dir, path, ",".join(outputs))
    return ({k: np.array(v["values"], np.float32).reshape(v["shape"]) for k, v in doc["outputs"].items()},
            {k: np.array(v, np.float32) for k, v in doc["weights"].items()})


def rel_err(got, want):
    return float(np.max(np.abs(got - want)) / max(1e-6, float(np.max(np.abs(want)))))


def test_tfjs_runs_our_graph_model_and_the_python_converter_agrees(tmp):
    prefix, a, b = merged_model(tmp)
    sig = "serving_default:images=backbone/images:0,probs=head/probs:0"
    exports = {}
    for q in (None, "uint8", "float16"):
        out = tmp / f"gm-{q or 'float32'}"
        args = ["export", prefix + ".meta", prefix, "--format", "graph_model", "--signature", sig, "-o", out]
        proc = run_cli(*args, *(["--quantize", q] if q else []))
        assert proc.returncode == 0, proc.stderr
        exports[q] = out
    with open(exports[None] / "model.json") as f:
        model = json.load(f)
    assert model["format"] == "graph-model" and model["signature"]["inputs"]["images"]["name"] == "backbone/images:0"

    images = np.random.RandomState(9).uniform(-1, 1, [2, 16, 16, 3]).astype(np.float32)
    want = run_meta(prefix, "head/probs:0", {"backbone/images:0": images})
    feeds = {"backbone/images:0": images}
    ours, ours_w = run_graph_model(tmp, exports[None], feeds, ["head/probs"])
    assert rel_err(ours["head/probs"], want) <= 1e-5

    # the Python converter on TensorFlow's own freeze of the same model
    conv = tfjs_converter()
    frozen_path = tmp / "tf_frozen.pb"
    frozen_path.write_bytes(tf_freeze(prefix, ["head/probs"]).SerializeToString())
    theirs_dirs = {}
    for q in (None, "uint8", "float16"):
        d = tmp / f"tfjs-{q or 'float32'}"
        conv.convert_tf_frozen_model(str(frozen_path), "head/probs", str(d),
                                     quantization_dtype_map={q: True} if q else None)
        theirs_dirs[q] = d
    theirs, theirs_w = run_graph_model(tmp, theirs_dirs[None], feeds, ["head/probs"])
    assert rel_err(ours["head/probs"], theirs["head/probs"]) <= 1e-5

    # quantized: the same weights (same algorithm), and outputs that agree with the converter's quantized model
    for q in ("uint8", "float16"):
        ours_q, ours_qw = run_graph_model(tmp, exports[q], feeds, ["head/probs"])
        theirs_q, theirs_qw = run_graph_model(tmp, theirs_dirs[q], feeds, ["head/probs"])
        shared = [k for k in ours_qw if k in theirs_qw and ours_qw[k].shape == theirs_qw[k].shape
                  and ours_qw[k].size > 1 and k in ours_w]
        kernels = [k for k in shared if k.endswith("/kernel") or k.endswith("/weights")]
        assert len(kernels) >= 3, shared
        for k in kernels:
            assert np.array_equal(ours_qw[k], theirs_qw[k]), (q, k)
            # and within the quantization's documented error of the float32 weights
            step = (ours_w[k].max() - min(0.0, ours_w[k].min())) / 255 if q == "uint8" else None
            err = np.max(np.abs(ours_qw[k] - ours_w[k]))
            assert err <= (step / 2 + 1e-6 if step is not None else np.max(np.abs(ours_w[k])) * 2 ** -11), (q, k, err)
        assert rel_err(ours_q["head/probs"], theirs_q["head/probs"]) <= 1e-5, q


def test_freeze_of_the_demo_model_is_tensorflows_bytes(tmp):
    """The demo's own model (a 1/16-width VGG-16 backbone with a fine-tuned head, training ops and summaries in its
    meta graph): `tensorgraft freeze` writes TensorFlow's bytes, and the frozen graph gives the demo's sample outputs."""
    from test_demo import run_demo
    result = run_demo(tmp / "demo", "--image-size", "32", "--vgg-width", "0.0625", "--steps", "2", "--batch", "4",
                      "--train-images", "8", "--eval-images", "4", "--save-every", "2")
    prefix = result["final"]["prefix"]
    with open(result["final"]["sample"]) as f:
        sample = json.load(f)
    output = sample["output"].split(":")[0]
    proc = run_cli("freeze", prefix + ".meta", prefix, "--outputs", output, "-o", tmp / "frozen.pb", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["converted"]
    ours = (tmp / "frozen.pb").read_bytes()
    assert ours == tf_freeze(prefix, [output]).SerializeToString(deterministic=True)

    images = np.fromfile(os.path.join(os.path.dirname(prefix), sample["images"]), dtype="<f4").reshape(sample["shape"])
    graph_def = graph_pb2.GraphDef()
    graph_def.ParseFromString(ours)
    got = run_frozen(graph_def, sample["output"], {sample["input"]: images})
    want = run_meta(prefix, sample["output"], {sample["input"]: images})
    assert np.array_equal(got, want)


def test_we_run_a_keras_model_export_and_make_it_a_graph_model(tmp):
    """Keras 3 saves for serving with model.export(): a TF2 SavedModel whose signature calls the traced model."""
    import keras
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((5,), name="x"), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.export(str(tmp / "keras"), verbose=False)
    x = np.random.RandomState(10).uniform(-1, 1, [2, 5]).astype(np.float32)
    want = model(x).numpy()
    loaded = tf.saved_model.load(str(tmp / "keras"))
    key = list(loaded.signatures["serving_default"].structured_outputs)[0]
    show = run_cli("saved-model", "show", tmp / "keras", "--json")
    assert show.returncode == 0, show.stderr
    sigs = {s["key"]: s for s in json.loads(show.stdout)["metaGraphs"][0]["signatures"]}
    assert list(sigs["serving_default"]["outputs"]) == [key]
    proc = run_cli("saved-model", "run", tmp / "keras", "--input", "x=" + json.dumps(x.tolist()), "--json")
    assert proc.returncode == 0, proc.stderr
    got = np.array(json.loads(proc.stdout)["outputs"][key]["values"], np.float32).reshape(want.shape)
    assert np.max(np.abs(got - want)) <= 1e-5

    # the same SavedModel as a TensorFlow.js GraphModel (function calls inlined, variables frozen): tfjs runs it to
    # Keras's outputs, and the Python converter's conversion of the SavedModel agrees
    proc = run_cli("export", tmp / "keras", "--format", "graph_model", "-o", tmp / "keras-gm", "--json")
    assert proc.returncode == 0, proc.stderr
    sig = json.loads(proc.stdout)["signature"]
    feed = sig["inputs"]["x"]
    out = sig["outputs"][key]
    ours, _ = run_graph_model(tmp, tmp / "keras-gm", {feed: x}, [out])
    assert rel_err(ours[out], want) <= 1e-5
    # frozen (calls inlined, variables as constants), TensorFlow runs it to the same outputs
    proc = run_cli("freeze", tmp / "keras", "-o", tmp / "keras-frozen.pb", "--json")
    assert proc.returncode == 0, proc.stderr
    frozen_doc = json.loads(proc.stdout)
    frozen = graph_pb2.GraphDef()
    frozen.ParseFromString((tmp / "keras-frozen.pb").read_bytes())
    assert not [n.op for n in frozen.node if n.op in ("VarHandleOp", "StatefulPartitionedCall", "PartitionedCall")]
    got_frozen = run_frozen(frozen, frozen_doc["outputs"][key], {frozen_doc["inputs"]["x"]: x})
    assert np.max(np.abs(got_frozen - want)) <= 1e-6

    tfjs_converter().convert_tf_saved_model(str(tmp / "keras"), str(tmp / "keras-tfjs"))
    with open(tmp / "keras-tfjs" / "model.json") as f:
        theirs_sig = json.load(f)["signature"]
    theirs_out = theirs_sig["outputs"][key]["name"]
    theirs, _ = run_graph_model(tmp, tmp / "keras-tfjs", {theirs_sig["inputs"]["x"]["name"]: x}, [theirs_out])
    assert rel_err(ours[out], theirs[theirs_out]) <= 1e-5
