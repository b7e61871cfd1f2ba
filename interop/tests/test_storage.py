"""Checkpoints and logs on S3-compatible object storage, against a real SeaweedFS server (scripts/seaweedfs.mjs;
scripts/build-seaweedfs.sh builds it).

TensorFlow writes a checkpoint locally; our CLI converts it to s3://; our Saver and CheckpointManager save and retain
there on the same schedule as locally (the same file set); restoring from s3 equals the local restore and TensorFlow's
values; TensorBoard's loader reads a logdir we wrote to the bucket, after copying it down.
"""
import json
import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from conftest import REPO, run_cli, run_node_json


@pytest.fixture(scope="module")
def bucket():
    """A SeaweedFS server with credentials; its settings in os.environ for the CLI and Node scripts we start."""
    weed = os.path.expanduser("~/.cache/tensorgraft/weed")
    assert os.path.exists(weed), f"{weed} is missing: run scripts/build-seaweedfs.sh"
    proc = subprocess.Popen(
        ["node", os.path.join(REPO, "scripts", "seaweedfs.mjs"), "--access-key", "interop", "--secret-key",
         "interop-secret", "--bucket", "interop"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    assert line, "scripts/seaweedfs.mjs did not start SeaweedFS"
    info = json.loads(line)
    saved = {k: os.environ.get(k) for k in info["env"]}
    os.environ.update(info["env"])
    yield info["bucket"]
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    proc.stdin.close()
    proc.wait(timeout=60)


def test_convert_save_retain_restore_on_s3(bucket, tmp_path):
    prefix = str(tmp_path / "tf" / "model.ckpt")
    w = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4) / 7, name="w")
    b = tf.Variable(np.array([3, -1, 2**40], dtype=np.int64), name="b")
    d = tf.Variable(np.linspace(-1, 1, 5), name="d")
    written = tf.train.Checkpoint(w=w, b=b, d=d).write(prefix)

    remote = f"s3://{bucket}/tf/model.ckpt"
    r = run_cli("convert", written, remote)
    assert r.returncode == 0, r.stderr
    ls = run_cli("ls", remote, "--json")
    assert ls.returncode == 0, ls.stderr
    reader = tf.train.load_checkpoint(written)
    assert sorted(t["name"] for t in json.loads(ls.stdout)["tensors"]) == sorted(reader.get_variable_to_shape_map())

    out = run_node_json("storage-s3.mjs", "schedule", remote, tmp_path / "ours", f"s3://{bucket}/ours")
    assert out["s3Files"] == out["localFiles"]
    assert out["s3Files"]["saver"] == sorted(
        ["checkpoint"] + [f"model.ckpt-{s}.{ext}" for s in (4, 5) for ext in ("data-00000-of-00001", "index")])
    assert out["s3Files"]["manager"] == sorted(
        ["checkpoint"] + [f"ckpt-{n}.{ext}" for n in (4, 5) for ext in ("data-00000-of-00001", "index")])
    assert out["restored"]["s3"] == out["restored"]["local"]
    for key, values in out["restored"]["s3"].items():
        want = reader.get_tensor(key)
        np.testing.assert_array_equal(np.array(values, dtype=want.dtype).reshape(want.shape), want)


def test_tensorboard_reads_a_logdir_written_to_s3(bucket, tmp_path):
    local = tmp_path / "logs" / "run"
    run_node_json("storage-s3.mjs", "logs", f"s3://{bucket}/logs/run", local)
    acc = event_accumulator.EventAccumulator(str(local), size_guidance={event_accumulator.TENSORS: 0})
    acc.Reload()
    # SummaryWriter writes TF2-style scalar summaries (tensors with the scalars plugin's metadata).
    loss = acc.Tensors("loss")
    assert [e.step for e in loss] == list(range(10))
    assert [tf.make_ndarray(e.tensor_proto).item() for e in loss] == [float(np.float32(1 / (s + 1))) for s in range(10)]
    assert acc.SummaryMetadata("loss").plugin_data.plugin_name == "scalars"
    assert [(e.step, tf.make_ndarray(e.tensor_proto).item()) for e in acc.Tensors("accuracy")] == [(10, 0.75)]
