"""Live checks for @tensorgraft/graph.

- Our builder's graphs, exported as MetaGraphDef + checkpoint written by our Session's SaveV2, are imported by
  TensorFlow (import_meta_graph + Saver.restore) and give our outputs and our variable values.
- TensorFlow reads our checkpoint directly (tf.train.load_checkpoint) with the variables we report.
"""
import json
import os

import numpy as np
import pytest

from conftest import run_node_json

tf = pytest.importorskip("tensorflow")
tf1 = tf.compat.v1


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("graph-build")
    return run_node_json("graph-build.mjs", d)


def test_tensorflow_imports_and_restores_our_graph(built):
    meta = built["prefix"] + ".meta"
    g = tf.Graph()
    with g.as_default():
        saver = tf1.train.import_meta_graph(meta)
        assert saver.saver_def.restore_op_name == built["saver"]["restore"]
        with tf1.Session(graph=g) as sess:
            saver.restore(sess, built["prefix"])
            feeds = {g.get_tensor_by_name(k): np.array(v["values"], np.float32).reshape(v["shape"])
                     for k, v in built["inputs"].items()}
            names = list(built["outputs"])
            got = sess.run([g.get_tensor_by_name(n) for n in names], feeds)
            for name, value in zip(names, got):
                want = built["outputs"][name]
                assert list(value.shape) == want["shape"]
                np.testing.assert_allclose(value.ravel(), np.array(want["values"], np.float32), rtol=1e-5, atol=1e-6)
            # the initializers we exported run in TensorFlow too (random ones just have to run)
            sess.run(g.get_operation_by_name("init"))


def test_tensorflow_reads_our_checkpoint(built):
    reader = tf.train.load_checkpoint(built["prefix"])
    shapes = reader.get_variable_to_shape_map()
    assert sorted(shapes) == sorted(built["variables"])
    for name, values in built["variables"].items():
        np.testing.assert_array_equal(reader.get_tensor(name).ravel(), np.array(values, np.float32))


def test_our_text_meta_graph_is_tensorflows_text(built, tmp_path):
    meta = tf1.MetaGraphDef()
    with open(built["prefix"] + ".meta", "rb") as f:
        meta.ParseFromString(f.read())
    with open(built["prefix"] + ".meta.pbtxt") as f:
        ours = f.read()
    # what tf.io.write_graph(as_text=True) writes for the same message
    tf.io.write_graph(meta, str(tmp_path), "tf.meta.pbtxt", as_text=True)
    assert ours == (tmp_path / "tf.meta.pbtxt").read_text()
    # and import_meta_graph reads the text file as it reads the binary one
    g = tf.Graph()
    with g.as_default():
        tf1.train.import_meta_graph(built["prefix"] + ".meta.pbtxt")
    assert len(g.get_operations()) == len(meta.graph_def.node)


def test_our_meta_graph_has_what_tensorflow_exports(built):
    meta = tf1.MetaGraphDef()
    with open(built["prefix"] + ".meta", "rb") as f:
        meta.ParseFromString(f.read())
    ops = [op.name for op in meta.meta_info_def.stripped_op_list.op]
    assert ops == sorted(ops) and "SaveV2" in ops and "VarHandleOp" in ops
    nodes = {n.name: n for n in meta.graph_def.node}
    assert "_output_shapes" in nodes["dense/MatMul"].attr
    assert [d.size for d in nodes["conv/Conv2D"].attr["_output_shapes"].list.shape[0].dim] == [-1, 8, 8, 4]
    assert set(meta.collection_def) >= {"variables", "trainable_variables"}


@pytest.mark.parametrize("sharded", [False, True])
def test_we_restore_and_resave_a_tensorflow_checkpoint(tmp_path, sharded):
    g = tf.Graph()
    rng = np.random.RandomState(5)
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 4], name="x")
        with tf1.device("/cpu:0"):
            w = tf1.get_variable("w", [4, 3], initializer=tf1.random_normal_initializer(seed=1), use_resource=False)
        with tf1.device("/cpu:1" if sharded else "/cpu:0"):
            b = tf1.get_variable("b", [3], initializer=tf1.random_normal_initializer(seed=2), use_resource=True)
            step = tf1.get_variable("step", [], tf.int64, initializer=tf1.zeros_initializer(), use_resource=True)
        y = tf.nn.relu(tf.matmul(x, w) + b, name="y")
        saver = tf1.train.Saver(sharded=sharded)
        config = tf1.ConfigProto(device_count={"CPU": 2})
        with tf1.Session(graph=g, config=config) as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(step.assign(41))
            prefix = saver.save(sess, str(tmp_path / "tf.ckpt"))
            feed = rng.uniform(-1, 1, [2, 4]).astype(np.float32)
            want = sess.run(y, {x: feed})
            values = {v.op.name: sess.run(v) for v in tf1.global_variables()}
    new_prefix = str(tmp_path / "ours.ckpt")
    inp = json.dumps({"shape": [2, 4], "values": feed.ravel().tolist()})
    got = run_node_json("graph-resave.mjs", prefix + ".meta", prefix, new_prefix, "x:0", inp, "y:0")
    np.testing.assert_allclose(np.array(got["outputs"]["y:0"]["values"]).reshape(2, 3), want, rtol=1e-5, atol=1e-6)
    assert got["saved"] == new_prefix
    reader = tf.train.load_checkpoint(new_prefix)
    for name, value in values.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)
    if sharded:
        # MergeV2Checkpoints left one index and the per-device data shards, as TensorFlow's own sharded save does
        assert os.path.exists(new_prefix + ".index")
        assert not any(p.name.startswith("ours.ckpt_temp") for p in tmp_path.iterdir())


def test_full_size_vgg16_from_tensorflow(tmp_path):
    """TF-slim's vgg_16 at full size (138M parameters, 224x224), written by TensorFlow at test time (too big to
    commit), restored by us through its own save/restore_all: our logits equal TensorFlow's."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
    import make_models  # noqa: E402

    g = tf.Graph()
    with g.as_default():
        tf1.set_random_seed(7)
        x = tf1.placeholder(tf.float32, [None, 224, 224, 3], name="inputs")
        logits = make_models.vgg16(x)
        saver = tf1.train.Saver()
        feed = np.random.RandomState(8).uniform(0, 1, [1, 224, 224, 3]).astype(np.float32)
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "vgg_16.ckpt"), write_state=False)
            want = sess.run(logits, {x: feed})
    (tmp_path / "input.bin").write_bytes(feed.astype("<f4").tobytes())
    got = run_node_json("graph-run-meta.mjs", prefix + ".meta", prefix, "inputs:0", tmp_path / "input.bin",
                        json.dumps([1, 224, 224, 3]), logits.name, timeout=900)
    assert got["shape"] == [1, 1000]
    ours = np.array(got["values"], np.float32).reshape(1, 1000)
    rel = np.max(np.abs(ours - want)) / np.max(np.abs(want))
    print(f"vgg_16: max rel err {rel:.2e}, ours {got['backend']} ms {got['ms']}")
    assert rel <= 1e-5, rel
    assert np.argmax(ours) == np.argmax(want)
