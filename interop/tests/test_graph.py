"""Live checks for @tensorgraft/graph.

- Our builder's graphs, exported as MetaGraphDef + checkpoint written by our Session's SaveV2, are imported by
  TensorFlow (import_meta_graph + Saver.restore) and give our outputs and our variable values.
- TensorFlow reads our checkpoint directly (tf.train.load_checkpoint) with the variables we report.
"""
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
