"""Live checks for training TensorFlow-written graphs in Node (@tensorgraft/graph's gradient and apply kernels).

For the MLP (GradientDescent, ref variables) and the CNN (Adam, resource variables) of fixtures/training:
- TensorFlow restores the step-0 checkpoint and trains 20 steps on the fixture's batches in this run; Node does the
  same through the imported meta graph's `train_op` and saves: every variable, slot and global_step we saved equals
  TensorFlow's (max relative error <= 1e-4, elements under 1e-3 of a tensor's largest value compared against that).
- TensorFlow restores OUR step-20 checkpoint into its own graph and trains on: its next 5 steps equal our next 5 steps
  (our step-25 checkpoint), so the saved slots, beta powers and global_step are what TensorFlow needs to continue.
"""
import json
import os

import numpy as np
import pytest

from conftest import FIXTURES, run_node_json

tf = pytest.importorskip("tensorflow")
tf1 = tf.compat.v1

MODELS = ("mlp", "cnn")


def load_expected(model):
    d = os.path.join(FIXTURES, "training", model)
    with open(os.path.join(d, "expected.json")) as fh:
        e = json.load(fh)
    xs = np.fromfile(os.path.join(d, "x.bin"), dtype="<f4").reshape([e["batches"], *e["x_shape"]])
    return d, e, xs


def feeds(graph, e, xs, k):
    labels = np.array(e["labels"][k])
    y = np.eye(10, dtype=np.float32)[labels] if e["one_hot"] else labels.astype(np.int64)
    return {graph.get_tensor_by_name(e["x"]): xs[k], graph.get_tensor_by_name(e["y"]): y}


def max_rel_err(got, want):
    got = np.asarray(got, np.float64).ravel()
    want = np.asarray(want, np.float64).ravel()
    if want.size == 0:
        return 0.0
    floor = max(np.abs(want).max() * 1e-3, 1e-12)
    return float((np.abs(got - want) / np.maximum(np.abs(want), floor)).max())


def tf_train(d, restore_prefix, e, xs, start, steps):
    """TensorFlow: import the fixture's meta graph, restore `restore_prefix`, run train_op on batches start..; returns
    every global variable's value and the losses."""
    g = tf.Graph()
    with g.as_default():
        saver = tf1.train.import_meta_graph(os.path.join(d, "model.ckpt-0.meta"))
        train = tf1.get_collection("train_op")[0]
        loss = g.get_tensor_by_name(e["loss"])
        with tf1.Session(graph=g) as sess:
            saver.restore(sess, restore_prefix)
            losses = [float(sess.run([train, loss], feeds(g, e, xs, k))[1]) for k in range(start, start + steps)]
            values = {v.op.name: sess.run(v) for v in tf1.global_variables()}
    return values, losses


@pytest.fixture(scope="module", params=MODELS)
def trained(request, tmp_path_factory):
    model = request.param
    out = tmp_path_factory.mktemp(f"training-{model}")
    d, e, xs = load_expected(model)
    ours = run_node_json("training-run.mjs", d, out, 25, json.dumps([20, 25]))
    return model, d, e, xs, ours


def saved_values(prefix):
    reader = tf.train.load_checkpoint(prefix)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def test_our_20_steps_equal_tensorflows(trained):
    model, d, e, xs, ours = trained
    want, losses = tf_train(d, os.path.join(d, "model.ckpt-0"), e, xs, 0, 20)
    got = saved_values(ours["saved"]["20"])
    assert sorted(got) == sorted(want)
    errs = {name: max_rel_err(got[name], want[name]) for name in want}
    assert max(errs.values()) <= 1e-4, errs
    assert int(got["global_step"]) == 20
    assert max_rel_err(ours["losses"][:20], losses) <= 1e-4
    if model == "cnn":
        assert "Adam" in " ".join(got)  # slots were saved
        if ours["backend"] == "wasm":
            # every kernel of the step runs on wasm (Conv2DBackpropFilter as im2col + matMul, MaxPoolGrad our loop)
            assert ours["cpuFallbackOps"] == []


def test_tensorflow_trains_on_from_our_checkpoint(trained):
    model, d, e, xs, ours = trained
    want, losses = tf_train(d, ours["saved"]["20"], e, xs, 20, 5)
    got = saved_values(ours["saved"]["25"])
    assert sorted(got) == sorted(want)
    errs = {name: max_rel_err(got[name], want[name]) for name in want}
    assert max(errs.values()) <= 1e-4, errs
    assert int(want["global_step"]) == 25 and int(got["global_step"]) == 25
    assert max_rel_err(ours["losses"][20:], losses) <= 1e-4
