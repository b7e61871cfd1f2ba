"""Issue 11: a VGG-16-sized model trains in Node (the WebAssembly heap is capped at 4 GiB).

TensorFlow builds tf_slim's vgg_16 (138M parameters, 553 MB of float32) under vgg_arg_scope (weight decay: an L2Loss
per weight, fc6's over 103M elements), with a tf.compat.v1.losses loss plus the regularization losses and the
training op of tf_slim.learning.create_train_op with Momentum; it saves the initial checkpoint and runs STEPS steps.
We restore that checkpoint, run the same steps on a batch of 1 224x224 image (batch 2: see BATCH), and save: each variable's update
(value after minus value before) is compared per group (weights, Momentum slots): max |ours - TF's| over the group,
divided by the group's largest |TF update|, must stay within TOL, a few times TensorFlow's own float32 spread (oneDNN
on vs off: `python interop/tests/test_slim_vgg_train.py --calibrate`). The losses match too (the regularization
loss sums fc6's 103M squares: a float32 running sum was 0.167 low). Peak memory and step times are printed.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
import tf_slim as slim  # noqa: E402
from tf_slim.nets import vgg  # noqa: E402

tf1 = tf.compat.v1
STEPS = 2
BATCH = 1
SIZE = 224
LR = 1e-3
# measured (--calibrate, 2 steps at LR, batch 1): TF oneDNN on vs off spread weights 1.7e-3, slots 1.2e-3; ours
# against oneDNN on: weights 1.7e-3, slots 1.2e-3 (the same: our float32 arithmetic is oneDNN-off's). Three times that:
TOL = {"weights": 5e-3, "slots": 4e-3}
# Batch 1: at batch 2 this one-thread run (2.2 GB of tensors live) was refused by the fragmented heap: a typed
# OUT_OF_MEMORY at gradients/AddN_2 asking 411041792 bytes (fc6's gradient), not an out-of-bounds access.


def group(name):
    return "slots" if name.endswith("/Momentum") else "weights"


def feeds():
    rng = np.random.RandomState(7)
    images = rng.uniform(-1, 1, (BATCH, SIZE, SIZE, 3)).astype(np.float32)
    labels = rng.randint(0, 1000, BATCH).astype(np.int64)
    return images, labels


def make_tf(work):
    """Builds, initializes and saves the training graph, then trains it in TensorFlow. Returns its results."""
    images_v, labels_v = feeds()
    with tf.Graph().as_default() as g:
        tf1.set_random_seed(1)
        images = tf1.placeholder(tf.float32, [BATCH, SIZE, SIZE, 3], name="images")
        labels = tf1.placeholder(tf.int64, [BATCH], name="labels")
        with slim.arg_scope(vgg.vgg_arg_scope()):
            # dropout off: its random streams are TensorFlow's own
            logits, _ = vgg.vgg_16(images, num_classes=1000, is_training=True, dropout_keep_prob=1.0)
        tf1.losses.sparse_softmax_cross_entropy(labels, logits)
        total = tf1.losses.get_total_loss()
        step = tf1.train.get_or_create_global_step()
        train = slim.learning.create_train_op(total, tf1.train.MomentumOptimizer(LR, 0.9), global_step=step)
        if train not in tf1.get_collection(tf1.GraphKeys.TRAIN_OP):
            tf1.add_to_collection(tf1.GraphKeys.TRAIN_OP, train)
        saver = tf1.train.Saver()
        variables = tf1.global_variables()
        names = [v.op.name for v in variables]
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            prefix = saver.save(sess, os.path.join(work, "init"))
            tf1.train.export_meta_graph(os.path.join(work, "train.meta"), graph_def=g.as_graph_def(),
                                        saver_def=saver.saver_def)
            feed = {images: images_v, labels: labels_v}
            before = dict(zip(names, sess.run(variables)))
            losses, ms = [], []
            for _ in range(STEPS):
                t0 = time.perf_counter()
                losses.append(float(sess.run(train, feed)))
                ms.append((time.perf_counter() - t0) * 1000)
            after = dict(zip(names, sess.run(variables)))
    assert after["global_step"] == STEPS
    return {"prefix": prefix, "before": before, "losses": losses, "ms": ms, "feeds": (images_v, labels_v),
            "updates": {k: after[k] - before[k] for k in names if k != "global_step"},
            "names": {"images": images.name, "labels": labels.name, "loss": train.name}}


def update_errors(updates, theirs):
    """Per group: max |ours - theirs| over the group, divided by the group's largest |TF update|."""
    diff, scale = {}, {}
    for name, want in theirs.items():
        g = group(name)
        diff[g] = max(diff.get(g, 0.0), float(np.max(np.abs(updates[name].astype(np.float64) - want))))
        scale[g] = max(scale.get(g, 0.0), float(np.max(np.abs(want))))
    return {g: diff[g] / scale[g] for g in diff}


def test_vgg_16_trains_in_node_as_in_tensorflow(tmp):
    from conftest import run_node_json

    tf_out = make_tf(str(tmp))
    images_v, labels_v = tf_out["feeds"]
    n = tf_out["names"]
    spec = os.path.join(tmp, "spec.json")
    with open(spec, "w") as f:
        json.dump({"feeds": {n["images"]: {"dtype": "float32", "shape": list(images_v.shape),
                                            "values": images_v.ravel().tolist()},
                             n["labels"]: {"dtype": "int32", "shape": [BATCH], "values": labels_v.tolist()}},
                   "loss": n["loss"], "steps": STEPS}, f)
    out_prefix = os.path.join(tmp, "ours")
    ours = run_node_json("vgg-train.mjs", os.path.join(tmp, "train.meta"), tf_out["prefix"], spec, out_prefix)
    print("vgg_16 losses ours", ours["losses"], "TF", tf_out["losses"])
    print(f"vgg_16 step ms ours {ours['stepMs']} TF {tf_out['ms']}; peak RSS {ours['peakRssBytes'] / 2**20:.0f} MiB, "
          f"wasm heap {ours['wasmHeapBytes'] / 2**20:.0f} MiB ({ours['backend']})")
    assert ours["wasmHeapBytes"] is not None and ours["wasmHeapBytes"] < 4 * 2**30
    np.testing.assert_allclose(ours["losses"], tf_out["losses"], rtol=1e-5)
    reader = tf1.train.load_checkpoint(out_prefix)
    assert int(reader.get_tensor("global_step")) == STEPS
    updates = {k: reader.get_tensor(k) - tf_out["before"][k] for k in tf_out["updates"]}
    assert len(updates) == 64  # 16 layers' weights and biases, and their Momentum slots
    errors = update_errors(updates, tf_out["updates"])
    print("vgg_16 update error per group:", errors)
    for g, err in errors.items():
        assert err <= TOL[g], f"vgg_16 {g}: {err:.3g} > {TOL[g]}"


def calibrate():
    """TensorFlow's own spread: the same steps with oneDNN on and off (two processes)."""
    runs = []
    for onednn in ("1", "0"):
        work = tempfile.mkdtemp()
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn)
        subprocess.run([sys.executable, __file__, "--dump", work], env=env, check=True)
        runs.append(np.load(os.path.join(work, "updates.npz")))
    a, b = ({k.replace("|", "/"): r[k] for k in r.files} for r in runs)
    print("oneDNN on vs off, update spread per group:", update_errors(a, b))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--calibrate"]:
        calibrate()
    elif sys.argv[1:2] == ["--dump"]:
        r = make_tf(sys.argv[2])
        print("TF losses", r["losses"], "step ms", r["ms"])
        np.savez(os.path.join(sys.argv[2], "updates.npz"), **{k.replace("/", "|"): v for k, v in r["updates"].items()})
