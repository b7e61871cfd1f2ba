"""Issue 11: TF-slim model-zoo networks, built as their users build them, run and train in Node as in TensorFlow.

Every network of tf_slim.nets (vgg_a/16/19, overfeat, alexnet_v2, inception_v1/v2/v3, resnet_v1/v2 50/101/152/200),
batch 2, the smallest input it accepts, 10 classes, under the net's own arg_scope. TensorFlow initializes it, sets
the moving statistics to nonzero values and saves.
- forward, every net (is_training=False, restored from that checkpoint): our logits equal TensorFlow's within 1e-4
  of max |logit|; `tensorgraft graph --check` finds nothing missing;
- training (TRAIN_CASES): a tf.compat.v1.losses loss plus the regularization losses, and the training op of
  tf_slim.learning.create_train_op (UPDATE_OPS: batch norm's moving averages) with Momentum, and with RMSProp;
  3 steps from the same checkpoint; each variable's update (value after minus value before) is compared per group
  (weights, slots, moving statistics): max |ours - TF's| over the group's largest |update| must stay within
  TOL[case][group]; global_step is 3. VGG and overfeat training are not here: they train once variables and slots
  live outside the wasm heap (issue 11's other part);
- every static dimension we infer on both graphs is the one in the `_output_shapes` TensorFlow wrote.
TOL is calibrated against TensorFlow's own float32 spread: the same 3 steps with oneDNN on and off
(`python interop/tests/test_slim.py --calibrate [CASE...]` prints it); each tolerance is a few times the spread.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
import tf_keras.src.legacy_tf_layers as _legacy_layers  # noqa: E402
import tf_keras.src.legacy_tf_layers.normalization  # noqa: E402,F401
import tf_slim as slim  # noqa: E402
from tf_slim.nets import alexnet, inception_v1, inception_v2, inception_v3, overfeat, resnet_v1, resnet_v2, vgg  # noqa: E402

# tf_slim's batch_norm (with UPDATE_OPS) builds tf.compat.v1.layers.BatchNormalization, which the pinned TensorFlow
# loads lazily from `tf_keras.legacy_tf_layers`; tf-keras 2.21 ships that module under tf_keras.src only
sys.modules.setdefault("tf_keras.legacy_tf_layers", _legacy_layers)
sys.modules.setdefault("tf_keras.legacy_tf_layers.normalization", _legacy_layers.normalization)

tf1 = tf.compat.v1
STEPS = 3
BATCH = 2


def slim_net(fn, arg_scope, squeeze=False, **kwargs):
    """A builder: the net under its own arg_scope, num_classes 10, no dropout (dropout is test_slim_dropout's)."""
    def build(images, training):
        with slim.arg_scope(arg_scope()):
            logits, _ = fn(images, num_classes=10, is_training=training, **kwargs)
        # tf-slim 1.1.0's resnets have no spatial_squeeze: their logits are [batch, 1, 1, classes]
        return tf.squeeze(logits, [1, 2], name="logits") if squeeze else logits
    return build


def resnet_v1_small(images, num_classes, is_training):
    # resnet_v1_50's code path (root block, bottleneck units with projection shortcuts, conv2d_same, global pool) with
    # two small blocks: 0.1M parameters
    blocks = [resnet_v1.resnet_v1_block("block1", base_depth=8, num_units=2, stride=2),
              resnet_v1.resnet_v1_block("block2", base_depth=16, num_units=2, stride=1)]
    return resnet_v1.resnet_v1(images, blocks, num_classes=num_classes, is_training=is_training, global_pool=True,
                               scope="resnet_v1_small")


def inception_v1_global_pool(images, num_classes, is_training, scope="InceptionV1"):
    # inception_v1 with models/research/slim's global_pool=True head (tf-slim 1.1.0's inception_v1 has no such
    # argument: its 7x7 VALID average pool fixes the input at 193 or more): inception_v1_base, the mean over the
    # last maps, the 1x1 logits conv; the same variables as inception_v1, at any input size
    with tf1.variable_scope(scope, "InceptionV1", [images]) as sc:
        with slim.arg_scope([slim.batch_norm, slim.dropout], is_training=is_training):
            net, end_points = inception_v1.inception_v1_base(images, scope=sc)
            with tf1.variable_scope("Logits"):
                net = tf.reduce_mean(net, [1, 2], keepdims=True, name="global_pool")
                logits = slim.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                                     scope="Conv2d_0c_1x1")
                return tf.squeeze(logits, [1, 2], name="SpatialSqueeze"), end_points


# net -> (builder, smallest input it accepts). Widths: inception_v2/v3 at depth_multiplier 0.25 keep every layer kind
# (separable conv, batch norm, concat, pools); vgg, alexnet, overfeat, inception_v1 and the resnets have no width
# knob, their fully connected layers (convolutions over the whole map) fix the input size.
NETS = {
    "vgg_a": (slim_net(vgg.vgg_a, vgg.vgg_arg_scope, dropout_keep_prob=1.0), 224),
    "vgg_16": (slim_net(vgg.vgg_16, vgg.vgg_arg_scope, dropout_keep_prob=1.0), 224),
    "vgg_19": (slim_net(vgg.vgg_19, vgg.vgg_arg_scope, dropout_keep_prob=1.0), 224),
    "overfeat": (slim_net(overfeat.overfeat, overfeat.overfeat_arg_scope, dropout_keep_prob=1.0), 231),
    "alexnet_v2": (slim_net(alexnet.alexnet_v2, alexnet.alexnet_v2_arg_scope, dropout_keep_prob=1.0), 195),
    "inception_v1": (slim_net(inception_v1.inception_v1, inception_v1.inception_v1_arg_scope, dropout_keep_prob=1.0),
                     193),
    "inception_v2": (slim_net(inception_v2.inception_v2, inception_v2.inception_v2_arg_scope, dropout_keep_prob=1.0,
                              depth_multiplier=0.25), 64),
    "inception_v3": (slim_net(inception_v3.inception_v3, inception_v3.inception_v3_arg_scope, dropout_keep_prob=1.0,
                              depth_multiplier=0.25, create_aux_logits=False), 75),
    "resnet_v1_50": (slim_net(resnet_v1.resnet_v1_50, resnet_v1.resnet_arg_scope, squeeze=True), 32),
    "resnet_v2_50": (slim_net(resnet_v2.resnet_v2_50, resnet_v2.resnet_arg_scope, squeeze=True), 32),
    # forward only: the deeper resnets (more units per block, no other layer kind; 42-64M parameters) and
    # inception_v2 at its full width (the 0.25 one above trains). 10-45 s each here (resnet_*_200: 38-45 s, mostly
    # TensorFlow building and initializing the graph), 3m21s for the 7
    **{f"resnet_{v}_{d}": (slim_net(getattr(m, f"resnet_{v}_{d}"), m.resnet_arg_scope, squeeze=True), 32)
       for v, m in (("v1", resnet_v1), ("v2", resnet_v2)) for d in (101, 152, 200)},
    "inception_v2_full": (slim_net(inception_v2.inception_v2, inception_v2.inception_v2_arg_scope,
                                   dropout_keep_prob=1.0), 64),
    "resnet_v1_small": (slim_net(resnet_v1_small, resnet_v1.resnet_arg_scope, squeeze=True), 32),
    # trained in test_slim_zoo_train.py at a small input (inception_v1 itself takes minutes a case at 193); 32:
    # its last maps are 1x1 there
    "inception_v1_pool": (slim_net(inception_v1_global_pool, inception_v1.inception_v1_arg_scope), 32),
}


def momentum(rate):
    return lambda: tf1.train.MomentumOptimizer(rate, 0.9)


def rmsprop(rate):
    # as train_image_classifier.py sets it (decay 0.9, momentum 0.9, epsilon 1.0)
    return lambda: tf1.train.RMSPropOptimizer(rate, decay=0.9, momentum=0.9, epsilon=1.0)


# training case -> (net, optimizer). slim's inception initializes weights with stddev 0.01 and batch norm makes
# their gradients scale as 1 / |w| (~100 here): with Momentum at a learning rate of 1e-2 or 1e-3 one step moves the
# weights by more than their size and TensorFlow disagrees with itself by 10-70% after 3 steps; at 1e-6 it agrees.
# VGG and overfeat train in the graph runtime only once variables and slots live outside the wasm heap (issue 11's
# other part): their training cases are not here; their forward is.
TRAIN_CASES = {
    "inception_v2-momentum": ("inception_v2", momentum(1e-6)),
    "inception_v2-rmsprop": ("inception_v2", rmsprop(1e-5)),
    "resnet_v1_small-momentum": ("resnet_v1_small", momentum(1e-3)),
    "alexnet_v2-momentum": ("alexnet_v2", momentum(1e-3)),
    "alexnet_v2-rmsprop": ("alexnet_v2", rmsprop(1e-4)),
}
# inception_v1/v3 and resnet_v1_50/v2_50 training: test_slim_zoo_train.py (TensorFlow disagrees with itself by 6-200%
# at these sizes; slim_spread.py measures where it does not).
# max |ours - TF| / max |TF update| per group, two to five times TensorFlow's own spread (oneDNN on vs off), measured:
# inception_v2 momentum: weights 7.7e-3, slots 1.0e-2, moving statistics 6.4e-5 (ours against oneDNN on: 1.3e-3,
# 1.9e-3, 2.7e-5); rmsprop: weights 2.3e-3, slots 1.0e-3, moving statistics 5.3e-5 (ours: 1.6e-3, 5.6e-4, 3.2e-5);
# resnet_v1_small (He-initialized, calm at 1e-3): weights 3.0e-5, slots 5.2e-6, moving 2.0e-6 (ours: 3.0e-5, 4.4e-6,
# 2.0e-6)
# alexnet_v2 (no batch norm): Momentum 1e-3: weights 7.5e-6, slots 1.5e-5 (ours 7.5e-6, 1.5e-5); RMSProp 1e-4:
# weights 1.1e-5, slots 4.4e-7 (ours 2.3e-5, 4.4e-7)
TOL = {
    "alexnet_v2-momentum": {"weights": 4e-5, "slots": 7e-5},
    "alexnet_v2-rmsprop": {"weights": 6e-5, "slots": 2e-5},
    "inception_v2-momentum": {"weights": 2e-2, "slots": 2e-2, "moving": 2e-4},
    "inception_v2-rmsprop": {"weights": 5e-3, "slots": 2.5e-3, "moving": 1.5e-4},
    "resnet_v1_small-momentum": {"weights": 1e-4, "slots": 2e-5, "moving": 1e-5},
}
# forward: max |ours - TF's logits| within this fraction of max |TF's logit|
FORWARD_TOL = 1e-4


def group(name):
    if "moving_" in name:
        return "moving"
    if name.endswith(("/Momentum", "/RMSProp", "/RMSProp_1")):
        return "slots"
    return "weights"


def feeds_for(size, seed=7, batch=BATCH):
    rng = np.random.RandomState(seed)
    images = rng.uniform(-1, 1, (batch, size, size, 3)).astype(np.float32)
    labels = rng.randint(0, 10, batch).astype(np.int64)
    return images, labels


def nonzero_stats(variables):
    """Assign ops giving the moving statistics nonzero values, as a pretrained checkpoint has (made before the meta
    graph is saved, outside every collection but the graph)."""
    rng = np.random.RandomState(3)
    return [tf1.assign(v, rng.normal(0, 0.2, v.shape).astype(np.float32)) if "moving_mean" in v.op.name
            else tf1.assign(v, rng.uniform(0.5, 1.5, v.shape).astype(np.float32))
            for v in variables if "moving_" in v.op.name]


def damp_residuals(variables, scale):
    """Assign ops scaling each resnet residual branch's last scale (v1: conv3's batch-norm gamma; v2: conv3's weights,
    no norm after it) by `scale`, as trained resnets have them small (and as "zero-init residual" recipes start deep
    ones): a block's output then stays near its shortcut, and the gradient stops amplifying float32 rounding with
    depth (test_slim_zoo_train.py's deep resnets)."""
    ends = ("bottleneck_v1/conv3/BatchNorm/gamma", "bottleneck_v2/conv3/weights")
    ops = [tf1.assign(v, v * scale) for v in variables if v.op.name.endswith(ends)]
    assert ops, "no residual branch found"
    return ops


def make_tf(net, optimizer, work, size=None, batch=BATCH, eval_graph=True):
    """Builds, initializes and saves the training graph (unless optimizer is None: then the eval graph is the one
    initialized) and the eval graph (unless eval_graph is False); runs TensorFlow on them. Returns its results.
    size: the input's height and width (NETS' smallest by default)."""
    build, smallest = NETS[net]
    size = size or smallest
    images_v, labels_v = feeds_for(size, batch=batch)
    out = {"feeds": (images_v, labels_v)}
    if optimizer is not None:
        with tf.Graph().as_default() as g:
            tf1.set_random_seed(1)
            images = tf1.placeholder(tf.float32, [batch, size, size, 3], name="images")
            labels = tf1.placeholder(tf.int64, [batch], name="labels")
            logits = build(images, True)
            tf1.losses.sparse_softmax_cross_entropy(labels, logits)
            total = tf1.losses.get_total_loss()
            step = tf1.train.get_or_create_global_step()
            train = slim.learning.create_train_op(total, optimizer(), global_step=step)
            if train not in tf1.get_collection(tf1.GraphKeys.TRAIN_OP):
                tf1.add_to_collection(tf1.GraphKeys.TRAIN_OP, train)
            saver = tf1.train.Saver()
            variables = tf1.global_variables()
            names = [v.op.name for v in variables]
            stats = nonzero_stats(variables)
            with tf1.Session(graph=g) as sess:
                sess.run(tf1.global_variables_initializer())
                sess.run(stats)
                out["prefix"] = saver.save(sess, os.path.join(work, "init"))
                tf1.train.export_meta_graph(os.path.join(work, "train.meta"),
                                            graph_def=g.as_graph_def(add_shapes=True), saver_def=saver.saver_def)
                feed = {images: images_v, labels: labels_v}
                before = dict(zip(names, sess.run(variables)))
                out["train_logits"] = sess.run(logits, feed)
                out["losses"] = [float(sess.run(train, feed)) for _ in range(STEPS)]
                after = dict(zip(names, sess.run(variables)))
                assert after["global_step"] == STEPS
                out["updates"] = {k: after[k] - before[k] for k in names if k != "global_step"}
                out["before"] = before
            out["names"] = {"images": images.name, "labels": labels.name, "logits": logits.name,
                            "loss": train.name}
    if not eval_graph:
        return out
    with tf.Graph().as_default() as g:
        tf1.set_random_seed(1)
        images = tf1.placeholder(tf.float32, [batch, size, size, 3], name="images")
        logits = build(images, False)
        saver = tf1.train.Saver()
        stats = nonzero_stats(tf1.global_variables()) if optimizer is None else []
        with tf1.Session(graph=g) as sess:
            if optimizer is None:
                sess.run(tf1.global_variables_initializer())
                sess.run(stats)
                out["prefix"] = saver.save(sess, os.path.join(work, "init"))
            else:
                saver.restore(sess, out["prefix"])
            out["eval_logits"] = sess.run(logits, {images: images_v})
            tf1.train.export_meta_graph(os.path.join(work, "eval.meta"), graph_def=g.as_graph_def(add_shapes=True),
                                        saver_def=saver.saver_def)
        out["eval_names"] = {"images": images.name, "logits": logits.name}
    return out


def spec(path, feeds, fetch, loss, steps):
    """slim-run.mjs's spec; our variables come back raw in path + ".variables" (see read_variables)."""
    with open(path, "w") as f:
        json.dump({"feeds": {k: {"dtype": d, "shape": list(v.shape), "values": v.ravel().tolist()}
                             for k, (d, v) in feeds.items()},
                   "fetch": fetch, "loss": loss, "steps": steps, "variablesFile": path + ".variables"}, f)
    return path


def read_variables(spec_path, index, file=None, as_float64=True):
    """slim-run.mjs's variables, raw in FILE (spec_path + ".variables" by default): float64 copies, or (as_float64
    False) views of the mapped file in their own dtype."""
    file = file or spec_path + ".variables"
    if os.path.getsize(file) == 0:
        return {}
    raw = np.memmap(file, np.uint8, mode="r")
    views = {k: raw[o:o + n * np.dtype(d).itemsize].view(d) for k, (o, n, d) in index.items()}
    return {k: np.asarray(v, np.float64) for k, v in views.items()} if as_float64 else views


def update_errors(updates, theirs):
    """Per group: max |ours - theirs| over the group, divided by the group's largest |TF update|."""
    diff, scale = {}, {}
    for name, want in theirs.items():
        if name == "global_step":
            continue
        got = np.asarray(updates[name], np.float64).reshape(-1)
        want = np.asarray(want, np.float64).reshape(-1)
        g = group(name)
        diff[g] = max(diff.get(g, 0.0), float(np.max(np.abs(got - want))))
        scale[g] = max(scale.get(g, 0.0), float(np.max(np.abs(want))))
    return {g: diff[g] / scale[g] for g in diff}


def check_shapes(shapes):
    """Every dimension we infer is the one in TensorFlow's `_output_shapes`, and most shapes are inferred."""
    assert shapes["mismatches"] == []
    # 61-74% of TensorFlow's shapes here (the rest: ops without a shape function of ours, unknown rank on export)
    assert shapes["compared"] >= 0.5 * shapes["total"]


def check_ops(meta):
    """`tensorgraft graph META --check` finds every op type runnable and differentiable here."""
    from conftest import run_cli

    report = json.loads(run_cli("graph", meta, "--check", "--json", check=True).stdout)
    assert report["ok"], report


def logits_error(got, want):
    want = np.asarray(want, np.float64).reshape(-1)
    return float(np.max(np.abs(np.asarray(got, np.float64) - want)) / np.max(np.abs(want)))


# training-only variants: their forward runs as the net they vary does
@pytest.mark.parametrize("net", sorted(set(NETS) - {"resnet_v1_small", "inception_v1_pool"}))
def test_slim_net_runs_as_in_tensorflow(tmp, net):
    """Forward, frozen statistics, from a TensorFlow-initialized checkpoint."""
    from conftest import run_node_json

    tf_out = make_tf(net, None, tmp)
    e = tf_out["eval_names"]
    check_ops(os.path.join(tmp, "eval.meta"))
    ours = run_node_json("slim-run.mjs", os.path.join(tmp, "eval.meta"), tf_out["prefix"],
                         spec(os.path.join(tmp, "eval.json"), {e["images"]: ("float32", tf_out["feeds"][0])},
                              [e["logits"]], None, 0))
    check_shapes(ours["shapes"])
    err = logits_error(ours["fetched"][e["logits"]], tf_out["eval_logits"])
    print(net, "forward logits error:", err, "node ms:", ours["ms"])
    assert err <= FORWARD_TOL


@pytest.mark.parametrize("case", sorted(TRAIN_CASES))
def test_slim_net_trains_as_in_tensorflow(tmp, case):
    from conftest import run_node_json

    net, optimizer = TRAIN_CASES[case]
    tf_out = make_tf(net, optimizer, tmp)
    images_v, labels_v = tf_out["feeds"]
    n, e = tf_out["names"], tf_out["eval_names"]
    check_ops(os.path.join(tmp, "train.meta"))

    # forward, frozen statistics
    ours = run_node_json("slim-run.mjs", os.path.join(tmp, "eval.meta"), tf_out["prefix"],
                         spec(os.path.join(tmp, "eval.json"), {e["images"]: ("float32", images_v)},
                              [e["logits"]], None, 0))
    check_shapes(ours["shapes"])
    assert logits_error(ours["fetched"][e["logits"]], tf_out["eval_logits"]) <= FORWARD_TOL

    # training: forward in training mode, then 3 steps
    train_spec = spec(os.path.join(tmp, "train.json"),
                      {n["images"]: ("float32", images_v), n["labels"]: ("int32", labels_v)},
                      [n["logits"]], n["loss"], STEPS)
    ours = run_node_json("slim-run.mjs", os.path.join(tmp, "train.meta"), tf_out["prefix"], train_spec)
    variables = read_variables(train_spec, ours["variables"])
    check_shapes(ours["shapes"])
    assert logits_error(ours["fetched"][n["logits"]], tf_out["train_logits"]) <= FORWARD_TOL
    np.testing.assert_allclose(ours["losses"], tf_out["losses"], rtol=1e-4)
    assert int(variables["global_step"][0]) == STEPS
    updates = {k: v - np.asarray(tf_out["before"][k]).reshape(-1) for k, v in variables.items()
               if k != "global_step"}
    errors = update_errors(updates, tf_out["updates"])
    print(case, "update error per group:", errors, "node ms:", ours["ms"])
    for g, err in errors.items():
        assert err <= TOL[case][g], f"{case} {g}: {err:.3g} > {TOL[case][g]}"


def test_slim_dropout_trains_with_new_masks_each_run(tmp):
    """Dropout > 0 (rate 0.5, graph seed set so the op is seeded): our random numbers are not TensorFlow's streams,
    so this runs rather than compares. The dropped fraction is near the rate, two runs drop differently, training
    steps give finite losses and variables."""
    from conftest import run_node_json

    size, rate = 64, 0.5
    images_v, labels_v = feeds_for(size)
    with tf.Graph().as_default() as g:
        tf1.set_random_seed(1)
        images = tf1.placeholder(tf.float32, [BATCH, size, size, 3], name="images")
        labels = tf1.placeholder(tf.int64, [BATCH], name="labels")
        with slim.arg_scope(inception_v2.inception_v2_arg_scope()):
            logits, _ = inception_v2.inception_v2(images, num_classes=10, is_training=True,
                                                  dropout_keep_prob=1 - rate, depth_multiplier=0.25)
        tf1.losses.sparse_softmax_cross_entropy(labels, logits)
        step = tf1.train.get_or_create_global_step()
        train = slim.learning.create_train_op(tf1.losses.get_total_loss(), momentum(1e-6)(), global_step=step)
        if train not in tf1.get_collection(tf1.GraphKeys.TRAIN_OP):
            tf1.add_to_collection(tf1.GraphKeys.TRAIN_OP, train)
        draw = g.get_operation_by_name("InceptionV2/Logits/Dropout_1b/dropout/random_uniform/RandomUniform")
        assert draw.get_attr("seed") != 0 or draw.get_attr("seed2") != 0
        kept_in = g.get_tensor_by_name("InceptionV2/Logits/Dropout_1b/dropout/Mul:0")
        kept_out = g.get_tensor_by_name("InceptionV2/Logits/Dropout_1b/dropout/SelectV2:0")
        saver = tf1.train.Saver()
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            prefix = saver.save(sess, os.path.join(tmp, "init"))
            tf1.train.export_meta_graph(os.path.join(tmp, "train.meta"), graph_def=g.as_graph_def(add_shapes=True),
                                        saver_def=saver.saver_def)
    fetch = [kept_in.name, kept_out.name, logits.name]
    run_spec = spec(os.path.join(tmp, "train.json"),
                    {images.name: ("float32", images_v), labels.name: ("int32", labels_v)}, fetch, train.name, STEPS)
    with open(run_spec) as f:
        doc = dict(json.load(f), again=1)
    with open(run_spec, "w") as f:
        json.dump(doc, f)
    ours = run_node_json("slim-run.mjs", os.path.join(tmp, "train.meta"), prefix, run_spec)
    runs = [ours["fetched"], *ours["fetchedAgain"]]
    dropped = []
    for r in runs:
        x, y = np.asarray(r[kept_in.name]), np.asarray(r[kept_out.name])
        live = x != 0
        # kept units are scaled by 1 / (1 - rate), dropped ones are zero
        np.testing.assert_allclose(y[live & (y != 0)], x[live & (y != 0)], rtol=1e-6)
        dropped.append(y[live] == 0)
        assert np.all(np.isfinite(r[logits.name]))
    assert not np.array_equal(dropped[0], dropped[1])
    fraction = float(np.mean(np.concatenate(dropped)))
    # 2 runs x 2 images x 256 units: the binomial's standard deviation is 0.016
    print("dropout: fraction dropped", fraction, "of", np.concatenate(dropped).size)
    assert abs(fraction - rate) <= 0.08
    assert np.all(np.isfinite(ours["losses"]))
    variables = read_variables(run_spec, ours["variables"])
    assert all(np.all(np.isfinite(v)) for v in variables.values())
    assert int(variables["global_step"][0]) == STEPS


def calibrate(only):
    """TensorFlow's own spread: the same steps with oneDNN on and off, per group (run in two processes); `only`: the
    cases to measure (all when empty)."""
    import tempfile
    runs = []
    for onednn in ("1", "0"):
        work = tempfile.mkdtemp()
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn)
        subprocess.run([sys.executable, __file__, "--dump", work, *only], env=env, check=True)
        runs.append(np.load(os.path.join(work, "updates.npz")))
    for case in only or TRAIN_CASES:
        a = {k[len(case) + 1:]: runs[0][k] for k in runs[0].files if k.startswith(case + "/")}
        b = {k[len(case) + 1:]: runs[1][k] for k in runs[1].files if k.startswith(case + "/")}
        print(case, "oneDNN on vs off, update spread per group:", update_errors(a, b))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--calibrate"]:
        calibrate(sys.argv[2:])
    elif sys.argv[1:2] == ["--dump"]:
        work = sys.argv[2]
        arrays = {}
        only = sys.argv[3:]
        for case in TRAIN_CASES:
            if only and case not in only:
                continue
            os.makedirs(os.path.join(work, case))
            r = make_tf(*TRAIN_CASES[case], os.path.join(work, case))
            arrays.update({f"{case}/{k}": v for k, v in r["updates"].items()})
        np.savez(os.path.join(work, "updates.npz"), **arrays)
