"""Live checks for symbolic gradients and graph-building optimizers.

A training graph built with our GraphBuilder and optimizer (GradientDescent, Momentum, Adam, RMSProp, Adagrad; ref and
resource variables) is exported with its initial checkpoint; TensorFlow imports it, restores, runs the `train_op` 20 steps on
the same batches, and its variables (slots, beta powers and global_step included) must equal ours after our 20 steps.
"""
import os

import numpy as np
import pytest
import tensorflow as tf

from conftest import run_node_json

tf1 = tf.compat.v1
STEPS = 20


def tf_train(meta_path, prefix, ours):
    with tf.Graph().as_default() as g, tf1.Session(graph=g) as sess:
        saver = tf1.train.import_meta_graph(meta_path)
        saver.restore(sess, prefix)
        train_op = g.get_collection("train_op")[0]
        assert train_op.name == ours["train"]
        losses = []
        for s in range(STEPS):
            batch = ours["batches"][s % 4]
            feed = {ours["images"]: np.array(batch["images"], np.float32).reshape(4, 6, 6, 2),
                    ours["labels"]: np.array(batch["labels"], np.float32).reshape(4, 3)}
            loss, _ = sess.run([ours["loss"], train_op], feed)
            losses.append(float(loss))
        values = {v.op.name: sess.run(v) for v in tf1.global_variables()}
    return losses, values


@pytest.mark.parametrize("kind", ["gradientdescent", "momentum", "adam", "rmsprop", "adagrad"])
@pytest.mark.parametrize("variables", ["ref", "resource"])
def test_our_training_graph_trains_the_same_in_tensorflow(tmp, kind, variables):
    ours = run_node_json("gradients-train.mjs", tmp, kind, variables, STEPS)
    losses, theirs = tf_train(os.path.join(tmp, "init.ckpt.meta"), ours["prefix"], ours)
    assert set(theirs) == set(ours["variables"])
    slots = {"gradientdescent": [], "momentum": ["conv/kernel/Momentum"],
             "adam": ["conv/kernel/Adam", "conv/kernel/Adam_1", "beta1_power", "beta2_power"],
             "rmsprop": ["conv/kernel/RMSProp", "conv/kernel/RMSProp_1"], "adagrad": ["conv/kernel/Adagrad"]}[kind]
    for name in slots:
        assert name in theirs
    assert int(theirs["global_step"]) == STEPS
    assert int(ours["variables"]["global_step"][0]) == STEPS
    for name, value in theirs.items():
        mine = np.array(ours["variables"][name], np.float64)
        want = np.asarray(value, np.float64).reshape(-1)
        err = np.max(np.abs(mine - want) / np.maximum(1.0, np.abs(want)))
        assert err <= 1e-4, f"{name}: max relative error {err}"
    np.testing.assert_allclose(ours["losses"], losses, rtol=1e-4, atol=1e-5)
    # the model learned something in both runs
    assert losses[-1] < losses[0]
