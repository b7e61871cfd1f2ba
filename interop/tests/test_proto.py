"""Live interop for @tensorgraft/proto: TensorFlow reads back what tensorgraft prints and encodes, with equal content.

For each fixture graph (fixtures/graphs, written by TensorFlow) and for graphs TensorFlow writes during this run, the
Node side (interop/js/proto-convert.mjs) decodes/parses, re-encodes/prints, and also edits (renames a node, adds an
attr); Python parses the results with text_format / ParseFromString, compares with its own messages, and imports the
GraphDefs with tf.import_graph_def.
"""
import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow.core.framework import graph_pb2
from tensorflow.core.protobuf import meta_graph_pb2
from tensorflow.python.checkpoint.checkpoint_management import CheckpointState

from conftest import FIXTURES, run_node

GRAPHS = os.path.join(FIXTURES, "graphs")
MODELS = sorted(f[:-3] for f in os.listdir(GRAPHS) if f.endswith(".pb"))
KINDS = [("GraphDef", ".pb", ".pbtxt", graph_pb2.GraphDef), ("MetaGraphDef", ".meta", ".meta.pbtxt",
                                                               meta_graph_pb2.MetaGraphDef)]


def convert(type_name, src, dst, *extra):
    return json.loads(run_node("proto-convert.mjs", type_name, src, dst, *extra).stdout)


def read_binary(cls, path):
    msg = cls()
    with open(path, "rb") as f:
        msg.ParseFromString(f.read())
    return msg


def read_text(cls, path):
    msg = cls()
    with open(path, encoding="utf-8") as f:
        text_format.Parse(f.read(), msg)
    return msg


def test_fixtures_present():
    assert MODELS == ["cnn", "cond", "constants", "mlp", "while"]


@pytest.mark.parametrize("kind", KINDS, ids=[k[0] for k in KINDS])
@pytest.mark.parametrize("model", MODELS)
def test_tensorflow_reads_what_we_encode_and_print(tmp, model, kind):
    type_name, bin_ext, text_ext, cls = kind
    original = read_binary(cls, os.path.join(GRAPHS, model + bin_ext))
    # binary -> our binary, binary -> our text, TensorFlow's text -> our binary
    convert(type_name, os.path.join(GRAPHS, model + bin_ext), tmp / f"ours{bin_ext}")
    convert(type_name, os.path.join(GRAPHS, model + bin_ext), tmp / f"ours{text_ext}")
    convert(type_name, os.path.join(GRAPHS, model + text_ext), tmp / f"from_text{bin_ext}")
    for path in (tmp / f"ours{bin_ext}", tmp / f"from_text{bin_ext}"):
        assert read_binary(cls, path) == original
        assert path.read_bytes() == original.SerializeToString(deterministic=True)
    assert read_text(cls, tmp / f"ours{text_ext}") == original
    assert (tmp / f"ours{text_ext}").read_text(encoding="utf-8") == text_format.MessageToString(original)


def rename_in_python(graph, old, new):
    for node in graph.node:
        if node.name == old:
            node.name = new
        for i, inp in enumerate(node.input):
            control = inp.startswith("^")
            bare = inp[1:] if control else inp
            name, sep, port = bare.rpartition(":") if ":" in bare else (bare, "", "")
            if name == old:
                node.input[i] = ("^" if control else "") + new + (sep + port if sep else "")


@pytest.mark.parametrize("model", MODELS)
def test_tensorflow_reads_a_graph_we_edited(tmp, model):
    original = read_binary(graph_pb2.GraphDef, os.path.join(GRAPHS, model + ".pb"))
    victim = next(n.name for n in original.node if any(i.split(":")[0].lstrip("^") == n.name
                                                        for m in original.node for i in m.input))
    expected = graph_pb2.GraphDef()
    expected.CopyFrom(original)
    rename_in_python(expected, victim, "grafted/" + victim.replace("/", "_"))
    expected.node[0].attr["_tensorgraft_mark"].i = 42
    first = original.node[0].name if original.node[0].name != victim else "grafted/" + victim.replace("/", "_")
    args = ["--rename", victim, "grafted/" + victim.replace("/", "_"), "--set-attr", first, "_tensorgraft_mark", "42"]
    convert("GraphDef", os.path.join(GRAPHS, model + ".pb"), tmp / "edited.pbtxt", *args)
    convert("GraphDef", os.path.join(GRAPHS, model + ".pbtxt"), tmp / "edited.pb", *args)
    assert read_text(graph_pb2.GraphDef, tmp / "edited.pbtxt") == expected
    assert read_binary(graph_pb2.GraphDef, tmp / "edited.pb") == expected
    assert (tmp / "edited.pbtxt").read_text(encoding="utf-8") == text_format.MessageToString(expected)
    # TensorFlow accepts the edited graph as a graph: every node imports under the new name.
    with tf.Graph().as_default() as g:
        tf.compat.v1.import_graph_def(read_binary(graph_pb2.GraphDef, tmp / "edited.pb"), name="")
        names = {op.name for op in g.get_operations()}
    assert "grafted/" + victim.replace("/", "_") in names
    assert victim not in names
    assert len(names) == len(expected.node)


def test_imported_constants_evaluate_to_the_same_values(tmp):
    convert("GraphDef", os.path.join(GRAPHS, "constants.pb"), tmp / "c.pbtxt")
    convert("GraphDef", tmp / "c.pbtxt", tmp / "c.pb")
    ours = read_binary(graph_pb2.GraphDef, tmp / "c.pb")
    original = read_binary(graph_pb2.GraphDef, os.path.join(GRAPHS, "constants.pb"))
    consts = [n.name for n in original.node if n.op == "Const"]
    results = []
    for graph_def in (original, ours):
        with tf.Graph().as_default():
            tf.compat.v1.import_graph_def(graph_def, name="")
            with tf.compat.v1.Session() as sess:
                results.append(sess.run([f"{c}:0" for c in consts]))
    for name, a, b in zip(consts, *results):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype, name
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(a, b, err_msg=name)  # NaN == NaN here
        else:
            assert a.tolist() == b.tolist(), name


def test_mlp_we_wrote_computes_what_tensorflow_computes(tmp):
    convert("MetaGraphDef", os.path.join(GRAPHS, "mlp.meta.pbtxt"), tmp / "mlp.meta")
    x = np.random.default_rng(3).standard_normal((2, 8)).astype(np.float32)
    outputs = []
    for path in (os.path.join(GRAPHS, "mlp.meta"), str(tmp / "mlp.meta")):
        with tf.Graph().as_default():
            tf.compat.v1.set_random_seed(1)
            saver = tf.compat.v1.train.import_meta_graph(path)
            with tf.compat.v1.Session() as sess:
                # Deterministic weights: assign fixed values to every variable before running.
                for i, v in enumerate(tf.compat.v1.global_variables()):
                    v.load(np.full(v.shape.as_list(), 0.01 * (i + 1), np.float32), sess)
                outputs.append(sess.run("probs:0", {"x:0": x}))
            assert saver is not None
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_graph_tensorflow_writes_now_round_trips(tmp):
    """A graph written during this run (not a committed fixture): TensorFlow -> tensorgraft -> TensorFlow."""
    with tf.Graph().as_default() as g:
        a = tf.compat.v1.placeholder(tf.float32, [None, 3], name="in")
        b = tf.constant(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2), name="w")
        tf.nn.bias_add(tf.matmul(a, b), tf.constant([0.5, -0.25]), name="out")
        tf.strings.format("{} \u2603 \"{}\"", [a, b], name="fmt")
    tf.io.write_graph(g.as_graph_def(), str(tmp), "now.pbtxt", as_text=True)
    tf.io.write_graph(g.as_graph_def(), str(tmp), "now.pb", as_text=False)
    convert("GraphDef", tmp / "now.pbtxt", tmp / "ours.pb")
    convert("GraphDef", tmp / "now.pb", tmp / "ours.pbtxt")
    assert (tmp / "ours.pb").read_bytes() == (tmp / "now.pb").read_bytes()
    assert (tmp / "ours.pbtxt").read_text(encoding="utf-8") == (tmp / "now.pbtxt").read_text(encoding="utf-8")


def test_tensorflow_reads_a_checkpoint_state_we_print(tmp):
    state_dir = tmp / "train"
    state_dir.mkdir()
    for step in (5, 10):
        (state_dir / f"model.ckpt-{step}.index").write_bytes(b"")
    src = CheckpointState(model_checkpoint_path="model.ckpt-10",
                          all_model_checkpoint_paths=["model.ckpt-5", "model.ckpt-10"],
                          all_model_checkpoint_timestamps=[1764099000.25, 1764099012.5],
                          last_preserved_timestamp=1764098990.125)
    (tmp / "in.pbtxt").write_text(text_format.MessageToString(src), encoding="utf-8")
    convert("CheckpointState", tmp / "in.pbtxt", state_dir / "checkpoint")
    assert (state_dir / "checkpoint").read_text(encoding="utf-8") == text_format.MessageToString(src)
    ckpt = tf.train.get_checkpoint_state(str(state_dir))
    assert ckpt.model_checkpoint_path == str(state_dir / "model.ckpt-10")
    assert list(ckpt.all_model_checkpoint_paths) == [str(state_dir / "model.ckpt-5"), str(state_dir / "model.ckpt-10")]
    assert list(ckpt.all_model_checkpoint_timestamps) == [1764099000.25, 1764099012.5]
    assert tf.train.latest_checkpoint(str(state_dir)) == str(state_dir / "model.ckpt-10")


@pytest.mark.parametrize("case", sorted(os.listdir(os.path.join(FIXTURES, "state"))))
def test_state_fixture_round_trips_through_tensorflow(tmp, case):
    shutil.copyfile(os.path.join(FIXTURES, "state", case, "checkpoint"), tmp / "in.checkpoint.pbtxt")
    out_dir = tmp / "out"
    out_dir.mkdir()
    convert("CheckpointState", tmp / "in.checkpoint.pbtxt", out_dir / "checkpoint")
    with open(os.path.join(FIXTURES, "state", case, "checkpoint"), encoding="utf-8") as f:
        original = f.read()
    assert (out_dir / "checkpoint").read_text(encoding="utf-8") == original
    ckpt = tf.train.get_checkpoint_state(str(out_dir))
    expected = json.load(open(os.path.join(FIXTURES, "state", case, "expected.json"), encoding="utf-8"))["file"]
    assert ckpt.all_model_checkpoint_timestamps == expected["all_model_checkpoint_timestamps"]
    assert ckpt.model_checkpoint_path.endswith(expected["model_checkpoint_path"])
