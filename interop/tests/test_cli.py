"""The CLI read against TensorFlow: `tensorgraft graph`'s summary lists the inputs, variables and likely outputs that
TensorFlow's own Graph shows (summarize_graph's rules: Placeholders are inputs; nodes nothing consumes, other than
Const/Assign/NoOp/Placeholder, are likely outputs), and `cat` prints numpy's summary statistics of a large tensor."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURES, run_cli

GRAPHS = os.path.join(FIXTURES, "graphs")


def tf_graph_facts(pb_path):
    graph_def = tf.compat.v1.GraphDef()
    with open(pb_path, "rb") as f:
        graph_def.ParseFromString(f.read())
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    ops = graph.get_operations()

    def info(op):
        shape = op.get_attr("shape") if "shape" in op.node_def.attr else None
        dims = None if shape is None or shape.unknown_rank else [d.size if d.size >= 0 else "?" for d in shape.dim]
        return {"name": op.name, "op": op.type, "dtype": tf.as_dtype(op.get_attr("dtype")).name, "shape": dims}

    def consumed(op):
        return any(out.consumers() for out in op.outputs) or op._control_outputs

    return {
        "inputs": [info(op) for op in ops if op.type == "Placeholder"],
        "variables": [info(op) for op in ops if op.type in ("Variable", "VariableV2", "VarHandleOp")],
        "outputs": [{"name": op.name, "op": op.type} for op in ops
                    if not consumed(op) and op.type not in ("Const", "Assign", "NoOp", "Placeholder")],
        "controlEdges": sum(len(op.control_inputs) for op in ops),
    }


@pytest.mark.parametrize("name", ["mlp", "cnn", "cond"])
def test_graph_summary_lists_what_tensorflow_sees(name):
    path = os.path.join(GRAPHS, f"{name}.pb")
    ours = json.loads(run_cli("graph", path, "--json", check=True).stdout)
    want = tf_graph_facts(path)
    assert ours["inputs"] == want["inputs"]
    assert ours["variables"] == want["variables"]
    assert ours["outputs"] == want["outputs"]
    assert ours["controlEdges"] == want["controlEdges"]
    assert want["inputs"] and want["outputs"]


def test_cat_summarises_a_large_tensor_with_numpys_statistics(tmp):
    rng = np.random.default_rng(7)
    value = rng.standard_normal((40, 50)).astype(np.float32)
    ckpt = tf.train.Checkpoint(v=tf.Variable(value))
    prefix = ckpt.write(str(tmp / "big"))
    key = "v/.ATTRIBUTES/VARIABLE_VALUE"
    out = run_cli("cat", prefix, key, check=True).stdout
    lines = out.splitlines()
    assert lines[0].split() == [key, "float32", "[40,", "50]"]
    assert "..." in out
    stats = dict(part.split(" ", 1) for part in lines[-1].split("  "))
    assert float(stats["min"]) == pytest.approx(float(value.min()), rel=1e-6)
    assert float(stats["max"]) == pytest.approx(float(value.max()), rel=1e-6)
    assert float(stats["mean"]) == pytest.approx(float(value.mean(dtype=np.float64)), rel=1e-5)
    # numpy's summarised print shows the first and last three of each row and of the rows
    with np.printoptions(threshold=1000, edgeitems=3):
        text = np.array2string(value, separator=" ")
    assert text.count("...") == out.count("...")
    full = run_cli("cat", prefix, key, "--all", check=True).stdout
    assert "..." not in full
    assert len(full.split()) > 2000


def test_ls_safetensors_lists_metadata_and_a_float8_tensor_as_unsupported(tmp):
    import ml_dtypes  # a dependency of TensorFlow
    from safetensors.numpy import save_file
    path = str(tmp / "q.safetensors")
    w = np.array([1.5, -2.0], np.float32)
    q = np.arange(4, dtype=np.float32).astype(ml_dtypes.float8_e4m3fn)
    save_file({"w": w, "q": q}, path, metadata={"format": "np", "note": "quantised"})
    doc = json.loads(run_cli("ls", path, "--json", check=True).stdout)
    assert doc["metadata"] == {"format": "np", "note": "quantised"}
    by_name = {t["name"]: t for t in doc["tensors"]}
    assert by_name["q"] == {"name": "q", "dtype": "F8_E4M3", "shape": [4], "bytes": 4, "unsupported": True}
    assert by_name["w"] == {"name": "w", "dtype": "float32", "shape": [2], "bytes": 8}
    text = run_cli("ls", path, check=True).stdout
    assert "__metadata__:" in text and 'note: "quantised"' in text
    assert "unsupported dtype" in text
    assert json.loads(run_cli("cat", path, "w", "--json", check=True).stdout)["values"] == w.tolist()
    bad = run_cli("cat", path, "q", "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["error"]["code"] == "UNSUPPORTED"
