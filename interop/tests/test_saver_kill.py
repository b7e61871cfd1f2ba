"""Crash safety of @tensorgraft/saver, judged by TensorFlow (issue 12 items 4, 8, 9 and the two-writer lock).

Saver (sharded and not) and CheckpointManager save loops are killed (SIGKILL) deterministically just before EACH file
operation of a save (create, write, fsync, rename, unlink, rmdir, mkdir: the child kills itself through the
TENSORGRAFT_KILL_BEFORE_FILE_OP hook of bundle-io's fileOps) and at random moments. After every kill,
tf.train.latest_checkpoint must name a checkpoint TensorFlow reads in full, holding ONE generation's values; after the
next clean save no temporary file is left. Two writers saving into one directory never show a reader an incomplete
latest checkpoint. And with a state file listing `../victim/important`, neither TensorFlow's Saver nor ours deletes
anything there. All TensorFlow checks of a test run in this one process.
"""
import os
import random
import re
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow.python.checkpoint.checkpoint_management import CheckpointState

from conftest import REPO, run_node

CHILD = os.path.join(REPO, "packages", "saver", "test", "kill-child.mjs")
# (kind, sharded): the manager has no sharded mode
CONFIGS = [("saver", "0"), ("saver", "1"), ("manager", "0")]
# what a directory holds after a clean save: checkpoints and the state file, nothing temporary
FINAL = re.compile(r"^(checkpoint|(model\.ckpt|ckpt)-\d+\.(index|data-\d{5}-of-\d{5}|meta))$")
RANDOM_KILLS_PER_CONFIG = 17


def child(args, env=None, **kw):
    return subprocess.Popen(["node", CHILD, *args], env={**os.environ, **(env or {})}, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def check_generation(prefix, named=True):
    """TensorFlow reads every tensor of `prefix`, and all hold the values of one step: the one in its name, unless
    `named` is False (the two-writer test's managers number their checkpoints themselves)."""
    reader = tf.train.load_checkpoint(prefix)
    assert set(reader.get_variable_to_shape_map()) == {"a", "b", "c", "d"}, prefix
    a, b, c, d = (reader.get_tensor(n) for n in "abcd")
    step = int(prefix.rsplit("-", 1)[1]) if named else int(a.flat[0])
    assert a.shape == (4, 16) and a.dtype == np.float32 and (a == step).all(), prefix
    assert b.dtype == np.int64 and (b == 3 * step).all(), prefix
    assert list(c) == [f"step {step}".encode(), bytes([step & 255] * (step % 7))], prefix
    assert d.shape == (8192,) and (d == -step).all(), prefix


def check_latest(directory, named=True):
    latest = tf.train.latest_checkpoint(directory)
    assert latest is not None, f"{directory}: no restorable latest checkpoint ({sorted(os.listdir(directory))})"
    check_generation(latest, named)
    return latest


def clean_save_and_check(kind, sharded, dirs):
    """One more save into each directory (one Node process), then: only final files, latest restores."""
    proc = subprocess.run(["node", CHILD, "--clean", kind, sharded, "1", *dirs], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    for d in dirs:
        left = [f for f in os.listdir(d) if not FINAL.match(f)]
        assert left == [], f"{d}: temporary files survived the next save: {left}"
        check_latest(d)


def third_save_ops(tmp, kind, sharded):
    """The numbers of the file operations of the third save (two warm-up saves first), from the fileOps trace."""
    proc = subprocess.run(["node", CHILD, str(tmp / f"trace-{kind}-{sharded}"), kind, sharded, "3", "1"], cwd=REPO,
                          env={**os.environ, "TENSORGRAFT_FILE_OPS_TRACE": "1"}, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    ops = lines[lines.index("saved 1") + 1:lines.index("saved 2")]
    return [(int(m.group(1)), m.group(2)) for m in (re.match(r"^fileop (\d+) (\w+) ", op) for op in ops)]


def test_kill_before_each_file_operation(tmp):
    snapshots, by_config, kinds = [], {}, {}
    for kind, sharded in CONFIGS:
        os.makedirs(tmp / f"trace-{kind}-{sharded}")
        ops = third_save_ops(tmp, kind, sharded)
        for _, k in ops:
            kinds[k] = kinds.get(k, 0) + 1
        dirs = []
        for i in range(0, len(ops), 2):  # two children at a time on 2 cores
            running = []
            for n, op in ops[i:i + 2]:
                d = tmp / f"{kind}-{sharded}-{n}"
                os.makedirs(d)
                dirs.append(str(d))
                running.append((child([str(d), kind, sharded, "3", "1"], {"TENSORGRAFT_KILL_BEFORE_FILE_OP": str(n)}),
                                d, op))
            for p, d, op in running:
                _, err = p.communicate(timeout=600)
                assert p.returncode == -signal.SIGKILL, f"not killed before {op} #{d.name}: {err.decode()}"
                snap = f"{d}.snapshot"
                shutil.copytree(d, snap)
                snapshots.append(snap)
        by_config[(kind, sharded)] = dirs
    # every kind of operation was a kill point; 100+ in all
    assert {"create", "write", "fsync", "rename", "unlink", "mkdir", "rmdir"} <= set(kinds), kinds
    assert len(snapshots) >= 100, len(snapshots)
    for snap in snapshots:
        check_latest(snap)
    for (kind, sharded), dirs in by_config.items():
        clean_save_and_check(kind, sharded, dirs)
    print(f"{len(snapshots)} kill points: {kinds}")


def test_kill_at_random_moments(tmp):
    rng = random.Random(1212)
    snapshots, killed_mid_save = [], 0
    for kind, sharded in CONFIGS:
        d = tmp / f"random-{kind}-{sharded}"
        os.makedirs(d)
        for i in range(RANDOM_KILLS_PER_CONFIG):
            p = child([str(d), kind, sharded, "forever", "2"])
            # after its first save of this run, at a random moment of the following ones
            line = p.stderr.readline().decode()
            assert line.startswith("saved "), line
            time.sleep(rng.uniform(0, 0.05))
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=600)
            if any(not FINAL.match(f) for f in os.listdir(d)):
                killed_mid_save += 1
            snap = f"{d}.{i}"
            shutil.copytree(d, snap)
            snapshots.append(snap)
        clean_save_and_check(kind, sharded, [str(d)])
    assert len(snapshots) >= 50
    # kills landed inside saves (temporary files or a lock on disk), not only between them
    assert killed_mid_save >= 10, killed_mid_save
    steps = []
    for snap in snapshots:
        steps.append(int(check_latest(snap).rsplit("-", 1)[1]))
    print(f"{len(snapshots)} random kills, {killed_mid_save} mid-save, latest steps {steps}")


def read_state(directory):
    """The state file as one read(2) sees it (a rename replaces it whole), or None."""
    try:
        with open(os.path.join(directory, "checkpoint"), "rb") as f:
            text = f.read().decode()
    except FileNotFoundError:
        return None
    return text_format.Parse(text, CheckpointState()).model_checkpoint_path


def test_two_writers_never_show_an_incomplete_latest(tmp):
    """Two CheckpointManagers saving into one directory every 20 ms for 20 s, TensorFlow reading meanwhile.

    When tf.train.latest_checkpoint returns None, that can be TensorFlow's own reader racing a rename (it sizes the
    file, then reads that many bytes of whatever file the path names by then: a ParseError it logs and ignores) or the
    next save deleting the checkpoint it just read of; so the state file is read again, and only a latest entry whose
    `.index` is missing while the state file still names it counts as incomplete.
    """
    d = tmp / "shared"
    os.makedirs(d)
    writers = [child([str(d), "manager", "0", "20s", "1"]) for _ in range(2)]
    seen, retried, incomplete = 0, 0, []
    end = time.time() + 22
    while time.time() < end and any(w.poll() is None for w in writers):
        if tf.train.latest_checkpoint(str(d)) is not None:
            seen += 1
            continue
        named = read_state(str(d))
        if named is None:
            continue  # before the first save
        retried += 1
        path = os.path.join(str(d), named)
        if not os.path.exists(f"{path}.index") and read_state(str(d)) == named:
            incomplete.append((named, sorted(os.listdir(d))))
    errs = [w.communicate(timeout=600)[1].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errs
    saves = [e.count("saved ") for e in errs]
    assert min(saves) >= 50, saves
    assert seen >= 1000, seen
    assert incomplete == [], incomplete[:3]
    check_latest(str(d), named=False)
    print(f"two writers: {saves} saves, {seen} complete reads, {retried} TensorFlow misses re-read, 0 incomplete")


def test_state_file_outside_the_directory_deletes_nothing_there(tmp):
    """TensorFlow's Saver(max_to_keep=1) and ours in the same setup: a state file listing ../victim/important."""
    for who in ("tf", "ours"):
        root = tmp / who
        os.makedirs(root / "victim")
        os.makedirs(root / "dir")
        v = tf.Variable([1.5, -2.0], name="v")
        tf.train.Checkpoint(v=v).write(str(root / "victim" / "important"))
        (root / "dir" / "checkpoint").write_text(
            'model_checkpoint_path: "../victim/important"\nall_model_checkpoint_paths: "../victim/important"\n')
    victim = sorted(os.listdir(tmp / "tf" / "victim"))
    assert any(f.endswith(".index") for f in victim)
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
        v = tf.compat.v1.Variable([1.5, -2.0], name="v")
        sess.run(v.initializer)
        saver = tf.compat.v1.train.Saver([v], max_to_keep=1, save_relative_paths=True)
        saver.save(sess, str(tmp / "tf" / "dir" / "model.ckpt"), global_step=1, write_meta_graph=False)
    run_node("saver-retention-scope.mjs", tmp / "ours" / "dir" / "model.ckpt")
    for who in ("tf", "ours"):
        assert sorted(os.listdir(tmp / who / "victim")) == victim, who
    assert sorted(os.listdir(tmp / "ours" / "dir")) == sorted(os.listdir(tmp / "tf" / "dir"))
    assert (tmp / "ours" / "dir" / "checkpoint").read_text() == (tmp / "tf" / "dir" / "checkpoint").read_text()
