"""Shared helpers for the live interop checks.

Each check runs one side with TensorFlow (this venv) and the other with tensorgraft (Node scripts in interop/js that
import the built packages), in the same run.
"""
import json
import os
import subprocess

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JS_DIR = os.path.join(REPO, "interop", "js")
FIXTURES = os.path.join(REPO, "fixtures")


def run_node(script, *args, input_bytes=None, check=True, timeout=600):
    """Runs interop/js/<script> with node; returns the CompletedProcess (stdout/stderr as text)."""
    proc = subprocess.run(
        ["node", os.path.join(JS_DIR, script), *[str(a) for a in args]],
        cwd=REPO,
        input=input_bytes,
        capture_output=True,
        timeout=timeout,
    )
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                                      proc.stderr.decode("utf-8", "replace"))
    if check and proc.returncode != 0:
        raise AssertionError(f"node {script} failed ({proc.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


def run_node_json(script, *args, **kwargs):
    """Runs a Node script that prints one JSON document and returns it parsed."""
    return json.loads(run_node(script, *args, **kwargs).stdout)


def run_cli(*args, check=False, timeout=600):
    """Runs the built `tensorgraft` CLI."""
    proc = subprocess.run(
        ["node", os.path.join(REPO, "apps", "cli", "dist", "bin.js"), *[str(a) for a in args]],
        cwd=REPO, capture_output=True, timeout=timeout, text=True,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"tensorgraft {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


@pytest.fixture(autouse=True)
def eager_mode_is_left_on(request):
    """A test (or a module it imports) that turns eager execution off breaks every TF2 test after it; fail at the
    culprit instead."""
    import tensorflow as tf
    yield
    assert tf.executing_eagerly(), f"{request.node.nodeid} left TensorFlow in graph mode"
