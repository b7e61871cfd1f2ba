"""Live: TensorFlow writes RNN graphs this run (bidirectional_dynamic_rnn over GRUCells with sequence lengths;
static_rnn next to dynamic_rnn), in both control-flow generations; our Session runs them forward and trains them ten
steps. Forward within 1e-5 relative; training within 10x TensorFlow's own float32 spread on such steps (oneDNN on vs
off, measured by make_control_flow.py on the committed LSTM fixtures: 1.2e-7), i.e. 1.2e-6.

The committed fixtures (fixtures/control-flow) are checked without Python by packages/graph/test/control-flow.test.ts.
"""
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, run_node_json

MAKER = os.path.join(REPO, "interop", "fixtures", "make_control_flow.py")
TRAIN_TOL = 1.2e-6


def rel(a, b):
    assert len(a) == len(b)
    return max((abs(x - y) / max(1.0, abs(y)) for x, y in zip(a, b)), default=0.0)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    out = tmp_path_factory.mktemp("control_flow")
    subprocess.run([sys.executable, MAKER, "--live", str(out)], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("name", ["bidirectional_gru_v1", "bidirectional_gru_v2", "static_lstm_v1", "static_lstm_v2"])
def test_forward_and_ten_training_steps_equal_tensorflow(cases, name):
    base = os.path.join(cases, name)
    with open(base + ".json") as f:
        spec = json.load(f)
    assert ("Enter" in spec["ops"]) == name.endswith("_v1")
    ours = run_node_json("control-flow-run.mjs", base)
    for got, run in zip(ours["values"], spec["runs"]):
        for fetch, want in run["values"].items():
            assert rel(got[fetch], want) <= 1e-5, fetch
    t = spec["training"]
    assert rel(ours["losses"], t["losses"]) <= TRAIN_TOL
    for var, want in t["after"].items():
        assert rel(ours["after"][var], want) <= TRAIN_TOL, var
