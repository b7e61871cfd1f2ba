"""Live checks for the deployment formats: freezing (TensorFlow's convert_variables_to_constants on the mixer's merged
model gives the bytes our `tensorgraft freeze` writes, and TensorFlow runs ours to the unfrozen model's outputs)."""
import os

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
