"""Live check for apps/demo: the demo runs on tiny settings (a 1/16-width VGG-16 at 32x32, a few steps), then
TensorFlow imports its final meta graph, restores its final checkpoint and gets the same head outputs for the demo's
sample images; the backbone in that checkpoint is the demo's VGG checkpoint bit for bit, and TensorFlow's
CheckpointManager view of the head checkpoints agrees."""
import json
import os
import subprocess

import numpy as np
import tensorflow as tf

from conftest import REPO

v1 = tf.compat.v1


def run_demo(out, *args):
    """Runs the built demo with --out OUT --json and the given options; returns its JSON summary."""
    proc = subprocess.run(
        ["node", os.path.join(REPO, "apps", "demo", "dist", "main.js"), "--out", str(out), *args, "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_tensorflow_restores_the_demo_model(tmp):
    out = tmp / "demo"
    result = run_demo(out, "--image-size", "32", "--vgg-width", "0.0625", "--steps", "12", "--batch", "4",
                      "--train-images", "8", "--eval-images", "4", "--save-every", "4")
    assert result["backbone"]["unchanged"]

    final = result["final"]["prefix"]
    with open(result["final"]["sample"]) as f:
        sample = json.load(f)
    images = np.fromfile(os.path.join(os.path.dirname(final), sample["images"]), dtype="<f4").reshape(sample["shape"])
    with tf.Graph().as_default():
        saver = v1.train.import_meta_graph(final + ".meta")
        with v1.Session() as sess:
            saver.restore(sess, final)
            probs = sess.run(sample["output"], {sample["input"]: images})
    ours = np.array(sample["probs"], np.float32).reshape(probs.shape)
    assert np.max(np.abs(probs - ours)) <= 1e-5, np.max(np.abs(probs - ours))

    # the backbone in the final checkpoint is the VGG checkpoint, bit for bit; the head was trained
    vgg = tf.train.load_checkpoint(result["vgg"]["prefix"])
    merged = tf.train.load_checkpoint(final)
    names = vgg.get_variable_to_shape_map()
    assert len(names) == 32
    for name in names:
        assert merged.get_tensor("backbone/" + name).tobytes() == vgg.get_tensor(name).tobytes(), name
    head = [n for n in merged.get_variable_to_shape_map() if n.startswith("head/")]
    assert set(result["head"]["trainable"]) <= set(head)

    # TensorFlow reads the event file: a loss and an accuracy per step, equal to what the demo reported
    losses = {}
    tags = set()
    for event in v1.train.summary_iterator(result["eventFile"]):
        for value in event.summary.value:
            tags.add(value.tag)
            if value.tag == "train/loss":
                losses[event.step] = float(tf.make_ndarray(value.tensor))
    assert sorted(losses) == list(range(1, 13))
    assert np.allclose([losses[s] for s in range(1, 13)], result["losses"], rtol=1e-6)
    assert {"train/accuracy", "eval/accuracy", "head/hidden/weights", "head/logits/weights", "about"} <= tags

    # TensorBoard's own loader sees the scalars, histograms, images and the graph
    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(os.path.dirname(result["eventFile"]), size_guidance={"tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    assert {"train/loss", "train/accuracy", "head/hidden/weights"} <= set(tags["tensors"])
    assert len(acc.Tensors("train/loss")) == 12
    assert tags["graph"]
    assert acc.Graph().node  # the merged graph, with both scopes
    assert any(n.name.startswith("backbone/vgg_16/") for n in acc.Graph().node)

    # TensorFlow reads the CheckpointManager's state: the last three head checkpoints, the newest last
    state = tf.train.get_checkpoint_state(str(out / "checkpoints"))
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == ["head-4", "head-8", "head-12"]
    last = tf.train.load_checkpoint(state.model_checkpoint_path)
    assert np.array_equal(last.get_tensor("head/logits/weights"), merged.get_tensor("head/logits/weights"))


def test_demo_on_a_tensorflow_written_v1_tf_slim_checkpoint(tmp):
    """TF-slim's vgg_16.ckpt is a V1 checkpoint: TensorFlow writes one in that layout (small widths, 64x64), the demo
    reads the architecture from it, fine-tunes a head on it, and the backbone in its final model equals TF's values."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
    import make_models  # noqa: E402

    with tf.Graph().as_default():
        v1.set_random_seed(3)
        x = v1.placeholder(tf.float32, [None, 64, 64, 3], name="inputs")
        make_models.vgg16_small(x)
        saver = v1.train.Saver(write_version=v1.train.SaverDef.V1)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            ckpt = saver.save(sess, str(tmp / "vgg_16.ckpt"), write_state=False, write_meta_graph=False)
    assert os.path.isfile(ckpt) and not os.path.exists(ckpt + ".index")  # a V1 file, as TF-slim's

    result = run_demo(tmp / "demo", "--checkpoint", ckpt, "--steps", "6", "--train-images", "8", "--eval-images", "4")
    assert result["weights"] == "tf-slim checkpoint"
    # the report names the V1 file it read and only the files it wrote (no vgg_16.ckpt.index / .meta beside it)
    assert result["vgg"]["prefix"] == ckpt and result["vgg"]["format"] == "v1"
    assert result["vgg"]["written"] == [str(tmp / "demo" / "vgg_16" / "vgg_16.ckpt.meta")]
    assert all(os.path.exists(f) for f in result["vgg"]["written"])
    assert "ImageNet channel means" in result["preprocessing"]
    src = tf.train.load_checkpoint(ckpt)
    merged = tf.train.load_checkpoint(result["final"]["prefix"])
    names = [n for n in src.get_variable_to_shape_map() if n.startswith("vgg_16/")]
    assert len(names) == 32
    for name in names:
        assert np.array_equal(merged.get_tensor("backbone/" + name), src.get_tensor(name)), name
