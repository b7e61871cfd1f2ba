"""Live checks for @tensorgraft/mixer: two models written by TensorFlow at test time (a small CNN feature extractor
with resource variables, an MLP head with ref variables saved under custom checkpoint keys) are mixed by us with the
head wired to the extractor's features; TensorFlow imports our merged meta graph, restores our merged checkpoint and
gives the same output as running its two original models one after the other."""
import json
import os

import numpy as np
import tensorflow as tf

from conftest import run_cli, run_node_json

v1 = tf.compat.v1


def write_extractor(prefix):
    with tf.Graph().as_default():
        v1.set_random_seed(1)
        images = v1.placeholder(tf.float32, [None, 16, 16, 3], name="images")
        with v1.variable_scope("conv1"):
            w = v1.get_variable("weights", [3, 3, 3, 8], use_resource=True)
            b = v1.get_variable("biases", [8], use_resource=True, initializer=v1.random_normal_initializer(0.1))
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(images, w, 1, "SAME"), b))
        h = tf.nn.max_pool2d(h, 2, 2, "VALID", name="pool1")
        with v1.variable_scope("conv2"):
            w = v1.get_variable("weights", [3, 3, 8, 8], use_resource=True)
            b = v1.get_variable("biases", [8], use_resource=True, initializer=v1.random_normal_initializer(0.1))
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, w, 1, "SAME"), b))
        tf.reduce_mean(h, axis=[1, 2], name="features")
        saver = v1.train.Saver()
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            saver.save(sess, prefix, write_state=False)


def write_head(prefix):
    with tf.Graph().as_default():
        v1.set_random_seed(2)
        x = v1.placeholder(tf.float32, [None, 8], name="x")
        with v1.variable_scope("dense"):
            w1 = v1.get_variable("kernel", [8, 16], use_resource=False)
            b1 = v1.get_variable("bias", [16], use_resource=False, initializer=v1.random_normal_initializer(0.1))
        with v1.variable_scope("logits"):
            w2 = v1.get_variable("kernel", [16, 3], use_resource=False)
            b2 = v1.get_variable("bias", [3], use_resource=False, initializer=v1.random_normal_initializer(0.1))
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        tf.nn.softmax(tf.matmul(h, w2) + b2, name="probs")
        # checkpoint keys that are not the op names: the mixer must read them from the head's SaveV2
        saver = v1.train.Saver({"mlp/w1": w1, "mlp/b1": b1, "mlp/w2": w2, "mlp/b2": b2})
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            saver.save(sess, prefix, write_state=False)


def write_models(tmp):
    """The extractor under tmp/a and the head under tmp/b; returns their checkpoint prefixes."""
    a, b = str(tmp / "a" / "model.ckpt"), str(tmp / "b" / "model.ckpt")
    os.makedirs(tmp / "a")
    os.makedirs(tmp / "b")
    write_extractor(a)
    write_head(b)
    return a, b


def run_meta(prefix, fetch, feeds):
    with tf.Graph().as_default():
        saver = v1.train.import_meta_graph(prefix + ".meta")
        with v1.Session() as sess:
            saver.restore(sess, prefix)
            return sess.run(fetch, feeds)


def test_tensorflow_runs_and_restores_our_merge(tmp):
    a, b = write_models(tmp)
    specs = [
        {"scope": "backbone", "metaGraph": a + ".meta", "checkpoint": a},
        {"scope": "head", "metaGraph": b + ".meta", "checkpoint": b, "inputMap": {"x:0": "backbone/features:0"}},
    ]
    with open(tmp / "specs.json", "w") as f:
        json.dump(specs, f)
    out = str(tmp / "merged" / "model.ckpt")
    doc = run_node_json("mixer-merge.mjs", tmp / "specs.json", out, "backbone")
    assert doc["restoreMap"]["head/dense/kernel"] == {"key": "mlp/w1", "model": "head"}
    assert doc["restoreMap"]["backbone/conv2/biases"] == {"key": "conv2/biases", "model": "backbone"}
    assert doc["plan"]["boundaries"] == [
        {"tensor": "backbone/features:0", "stopGradient": "head/stop_gradient", "consumers": ["head/MatMul"]}
    ]

    images = np.random.RandomState(0).uniform(-1, 1, [4, 16, 16, 3]).astype(np.float32)
    features = run_meta(a, "features:0", {"images:0": images})
    want = run_meta(b, "probs:0", {"x:0": features})
    got = run_meta(out, "head/probs:0", {"backbone/images:0": images})
    assert got.shape == (4, 3)
    assert np.max(np.abs(got - want)) <= 1e-6, np.max(np.abs(got - want))

    # exactly the scoped keys, each bit-identical to the model's own checkpoint
    merged = tf.train.load_checkpoint(out)
    sources = {"backbone": tf.train.load_checkpoint(a), "head": tf.train.load_checkpoint(b)}
    inverse = {"dense/kernel": "mlp/w1", "dense/bias": "mlp/b1", "logits/kernel": "mlp/w2", "logits/bias": "mlp/b2"}
    assert sorted(merged.get_variable_to_shape_map()) == sorted(
        ["backbone/" + k for k in sources["backbone"].get_variable_to_shape_map()]
        + ["head/" + k for k in inverse])
    for name in merged.get_variable_to_shape_map():
        scope, rest = name.split("/", 1)
        src_key = inverse[rest] if scope == "head" else rest
        assert merged.get_tensor(name).tobytes() == sources[scope].get_tensor(src_key).tobytes(), name
    assert len(merged.get_variable_to_shape_map()) == 8

    # the fine-tuning plan survives the round trip: only the head is trainable, no gradient reaches the backbone
    with tf.Graph().as_default():
        v1.train.import_meta_graph(out + ".meta")
        trainable = sorted(v.op.name for v in v1.trainable_variables())
        assert trainable == ["head/dense/bias", "head/dense/kernel", "head/logits/bias", "head/logits/kernel"]
        g = tf.compat.v1.get_default_graph()
        loss = tf.reduce_sum(g.get_tensor_by_name("head/probs:0") ** 2)
        backbone = [v for v in v1.global_variables() if v.op.name.startswith("backbone/")]
        assert len(backbone) == 4
        assert all(grad is None for grad in tf.gradients(loss, backbone))
        assert all(grad is not None for grad in tf.gradients(loss, v1.trainable_variables()))


def test_tensorflow_restores_what_tensorgraft_merge_writes(tmp):
    a, b = write_models(tmp)
    out = str(tmp / "cli" / "merged")
    proc = run_cli("merge", "--model", f"features={a}.meta", "--model", f"classifier={b}",
                   "--wire", "classifier/x:0=features/features:0", "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["tensors"] == 8
    images = np.random.RandomState(1).uniform(-1, 1, [3, 16, 16, 3]).astype(np.float32)
    want = run_meta(b, "probs:0", {"x:0": run_meta(a, "features:0", {"images:0": images})})
    got = run_meta(out, "classifier/probs:0", {"features/images:0": images})
    assert np.max(np.abs(got - want)) <= 1e-6
