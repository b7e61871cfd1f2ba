"""Issue 11: tf_slim nets train in Node as in TensorFlow, at settings where TensorFlow agrees with itself.

Batch norm nets at init amplify float32 rounding in their gradients, worst at the first layer: TensorFlow's own runs
(oneDNN on vs off) disagree by 6-200% after 3 steps at test_slim.py's sizes. slim_spread.py measures that spread
(per group: max |on - off| over the group's largest |update|) over a grid; what it found (3 steps, batch 2 unless said):
- inception_v1 (193): the step-0 gradient of Conv2d_1a_7x7 alone differs by 1.6-2.5% at any learning rate (1 step,
  1e-8..1e-4); Momentum 1e-8/1e-7: weights 2.5%/2.6%, slots 2.5%/3.9%, moving 9e-5; 1e-6: 5.8%; 1e-4..1e-2 (batch 2
  and 8): 12-59%. RMSProp 1e-8..1e-6: weights 12-20%, 1e-4..1e-2: 48-100%.
- inception_v1 with a global-pool head (test_slim.inception_v1_global_pool: any input size), 64, batch 8: Momentum
  1e-8/1e-7: weights 0.68%/0.48%, slots 1.3%/1.0%, moving 8.9e-5; 1e-6: 4.1%/9.2%; 1e-5: 18%/46%. RMSProp 1e-8/1e-7:
  weights 3.7%/6.0%, slots 0.28%/0.96%, moving 8.9e-5; 1e-6: 8.5%; 1e-5: 29%. At 96 (batch 8): no better (Momentum
  1e-7 0.97%/1.5%, RMSProp 1e-7 5.3%/1.0%).
- inception_v2 (0.25 wide, 64): Momentum 1e-8..1e-6: weights 0.2%, slots 0.01-0.4%; 1e-4..1e-2: 3-48%. RMSProp 1e-6:
  1.3%, 0.24%; 1e-8/1e-7 (updates near float32's resolution): 8%; 1e-4..1e-2: 11-76%. test_slim.py trains it
  (Momentum 1e-6, RMSProp 1e-5).
- inception_v3 (0.25 wide): at 75 its last maps are 1x1, batch norm over 2 values: 190-1000% at every rate and at
  batch 8 (29-115%); at 139: Momentum 1e-7 1.9%/3.6%/7e-5 (1e-6: 10%, 1e-5: 33%); RMSProp 1e-7 15.7%/2.4%/5e-5
  (1e-6: 14%, 1e-5: 48%); batch 4 no better.
- resnet_v1_50/resnet_v2_50: at 32 (1x1 last maps) 100-200%; at 64, batch 4, 1e-4..1e-2, both optimizers: 27-103%
  on conv1's weights, 2-68% on moving statistics; at 64, Momentum 1e-5, batch 8: 16%/32% (v1), 3.6%/6.7% (v2);
  Momentum 1e-7: batch 8 1.9%/1.9%/4.9e-5 (v1), 3.7%/0.55%/2.2e-5 (v2); batch 2 2.9%/7.0%/5.5e-4 (v1; ours was
  7.9%/17%/2.4e-3 there: one on/off pair underestimates that cell's scatter; at batch 8 ours equals the spread),
  2.2%/0.67%/6.9e-5 (v2). RMSProp 1e-7 (v1 batch 8, v2 batch 2): 8.1%/1.1%/3.3e-5 (v1), 8.0%/1.4%/4.4e-5 (v2);
  1e-6: 12-19% weights; 1e-5: 31-36%.
- the deeper resnets (64, batch 8): at slim's initializer TensorFlow's own spread grows with depth, most in v1, and
  no batch, size or rate tried was calmer (Momentum 1e-7, weights/slots/moving: v1_101 13%/23%/4.1e-3, v1_152
  62%/95%/0.095, v1_200 100%/140%/0.34, v2_152 6.4%/9.3%/6.7e-4, v2_200 18%/38%/7.1e-3; RMSProp up to 190% on
  weights; v1_152 at batch 16 38%/77%, at 96 34%/71%). Each block adds its branch's full variance to the shortcut, and
  the gradient through 33-66 of them amplifies float32 rounding. With each residual branch's last scale at a tenth
  (DEEP_RESIDUAL_SCALE; SLIM_SPREAD_RESIDUAL_SCALE=0.1 python slim_spread.py ...) TensorFlow agrees with itself:
  v1_152 Momentum 1e-7 slots 0.50%, moving 4e-6; v1_200 Momentum 1e-7 / 1e-5 / 1e-3: 11% / 0.94% / 1.4% (weights:
  at 1e-7 they move by a few ulps), 0.40% / 0.42% / 1.9%, 6e-6 / 4e-6 / 1.9e-4; RMSProp 1e-5 1.3% / 0.10% / 6e-6;
  v2_200 1e-5 Momentum 0.58% / 0.20% / 1e-5, RMSProp 0.79% / 0.04% / 1e-5. Per variable at 1e-5 (3 |on - off| over
  the variable's update, L2 norms): median 0.002-1%, under 0.1 for 90-98% of the variables (the rest: biases ahead of a
  batch norm, whose gradient is float32 noise, and weights rounding). The cases (DEEP) run there, 1e-5, both
  optimizers. Per group, ours against oneDNN on, and TensorFlow's spread (oneDNN off against on), measured in the
  cases; then the largest per-variable error over its tolerance, and the fixture's seconds (both TF runs and ours):
    net    Momentum: ours       TF                   | RMSProp: ours          TF                     | err/tol   s
    v1_101 0.67%/0.18%/4e-6     0.67%/0.40%/4e-6     | 0.91%/0.010%/4e-6      1.8%/0.020%/4e-6       | 0.30 0.26  68
    v1_152 1.1%/0.79%/4e-6      1.1%/0.76%/5.9e-6    | 1.5%/0.047%/5.9e-6     1.5%/0.057%/4e-6       | 0.38 0.51 117
    v1_200 0.94%/0.64%/4e-6     0.94%/0.42%/4e-6     | 0.64%/0.071%/5.9e-6    1.3%/0.10%/5.9e-6      | 0.21 0.24 139
    v2_101 0.81%/0.17%/9.1e-6   0.81%/0.17%/9.1e-6   | 1.1%/0.012%/9.1e-6     1.1%/0.014%/9.1e-6     | 0.36 0.35  63
    v2_152 0.71%/0.28%/8.2e-6   0.71%/0.28%/8.2e-6   | 0.97%/0.028%/8.2e-6    0.97%/0.026%/8.2e-6    | 0.34 0.34  99
    v2_200 0.58%/0.20%/1e-5     0.58%/0.20%/1e-5     | 0.79%/0.037%/1e-5      0.79%/0.039%/1e-5      | 0.34 0.36 135
  Training-mode logits: ours 2.1e-6..5.1e-6 of max |logit| (TF 1.9e-6..5.1e-6); losses 1e-7..3e-7. Scaling one
  variable's update by 1.1 in ours (v2_101 Momentum: a conv2 weights slot, a moving_mean, a beta) fails exactly those
  three; a weights variable whose update is a few ulps passes, as it must.
Each case below is the most stable cell found, with the spread measured there (SPREAD; "logits": the training-mode
logits at step 0, which use batch statistics; "losses": the 3 steps' losses over the largest). inception_v1 at 193
trains within its spread as well (Momentum 1e-7: ours 2.5%/3.7%/8.9e-5 against oneDNN on) but takes minutes a case
here; its cases are the global-pool head at 64 (the same layers and variables; 20 s of Node a case).
Each case: test_slim.make_tf's training graph (the net under its own arg_scope, tf.compat.v1.losses loss plus the
regularization losses, tf_slim.learning.create_train_op with UPDATE_OPS) trained 3 steps from a TensorFlow-written
checkpoint with nonzero moving statistics, by TensorFlow and by us. Our training-mode logits and losses match; each
variable's update (value after minus value at step 0) is compared per group (weights, slots, moving statistics) and
must stay within FACTOR times TensorFlow's spread (at least FLOOR); global_step is 3.
The deep resnets (DEEP) are checked per group and per variable against TensorFlow's spread measured live: one graph
per net with both optimizers' create_train_op, built once; TensorFlow with oneDNN off (slim_meta_train.py) and we (one
Node process, both optimizers) train it from the same checkpoint.
"""
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import test_slim as T

# case -> (net, optimizer, learning rate, batch, input size)
CASES = {
    "inception_v3-momentum": ("inception_v3", "momentum", 1e-7, 2, 139),
    "inception_v3-rmsprop": ("inception_v3", "rmsprop", 1e-7, 2, 139),
    "resnet_v1_50-momentum": ("resnet_v1_50", "momentum", 1e-7, 8, 64),
    "resnet_v2_50-momentum": ("resnet_v2_50", "momentum", 1e-7, 2, 64),
    "resnet_v1_50-rmsprop": ("resnet_v1_50", "rmsprop", 1e-7, 8, 64),
    "resnet_v2_50-rmsprop": ("resnet_v2_50", "rmsprop", 1e-7, 2, 64),
    # ours (weights/slots/moving): Momentum 0.85%/1.2%/8.9e-5, RMSProp 5.8%/0.78%/8.9e-5
    "inception_v1-momentum": ("inception_v1_pool", "momentum", 1e-7, 8, 64),
    "inception_v1-rmsprop": ("inception_v1_pool", "rmsprop", 1e-7, 8, 64),
}
# TensorFlow's spread at that cell (slim_spread.py, oneDNN on vs off), per group. The Momentum cases' "losses" of the
# inception nets are the widest of TensorFlow (oneDNN on) over the images as given and over the same images times (1 +
# 1e-6 noise), three noise seeds (SLIM_SPREAD_PERTURB=5,6,7 python slim_spread.py inception_v1_pool momentum 1e-7 8 64;
# inception_v3 momentum 1e-7 2 139): the loss of step 3 moves by 6.6e-5..1.5e-4 (v1) and 1.1e-4..2.6e-4 (v3) of the
# largest there, where on vs off says 2.3e-5 (v1) and 1.4e-4 (v3); ours on oneDNN's convolutions lands at 1.1e-4 (v1)
# and 1.6e-4 (v3), on the wasm kernels at 1.7e-5 and 1.6e-5. The groups keep their on/off spread: the same noise moves
# inception_v1's weights by 1.4-2.5% and slots by 2.5-3.7% in TensorFlow; ours 1.4% and 2.0% (wasm: 0.84%, 1.0%)
SPREAD = {
    "inception_v3-momentum": {"weights": 1.94e-2, "slots": 3.62e-2, "moving": 7e-5, "logits": 1.19e-4,
                              "losses": 2.58e-4},
    "inception_v3-rmsprop": {"weights": 1.57e-1, "slots": 2.42e-2, "moving": 5e-5, "logits": 1.19e-4},
    "resnet_v1_50-momentum": {"weights": 1.93e-2, "slots": 1.93e-2, "moving": 4.85e-5, "logits": 7.3e-5,
                              "losses": 5.8e-5},
    "resnet_v2_50-momentum": {"weights": 2.21e-2, "slots": 6.67e-3, "moving": 6.92e-5, "logits": 3.66e-5,
                              "losses": 1.91e-5},
    "resnet_v1_50-rmsprop": {"weights": 8.12e-2, "slots": 1.1e-2, "moving": 3.34e-5, "logits": 7.3e-5,
                             "losses": 2.15e-5},
    "resnet_v2_50-rmsprop": {"weights": 8.02e-2, "slots": 1.42e-2, "moving": 4.41e-5, "logits": 3.66e-5,
                             "losses": 8.17e-6},
    "inception_v1-momentum": {"weights": 4.81e-3, "slots": 9.98e-3, "moving": 8.87e-5, "logits": 3.11e-5,
                              "losses": 1.52e-4},
    "inception_v1-rmsprop": {"weights": 6.01e-2, "slots": 9.65e-3, "moving": 8.87e-5, "logits": 3.11e-5,
                             "losses": 1.88e-6},
}
# ours lands near TensorFlow's spread (our float32 order is neither oneDNN's nor Eigen's): three times it; FLOOR:
# float32 summation order alone on a group that TensorFlow happens to compute identically both ways
FACTOR = 3
FLOOR = 1e-5


def tolerance(case, group):
    return max(FACTOR * SPREAD[case][group], FLOOR)


@pytest.mark.parametrize("case", sorted(CASES))
def test_slim_net_trains_as_in_tensorflow_where_it_is_stable(tmp, case):
    from conftest import run_node_json

    net, opt, rate, batch, size = CASES[case]
    optimizer = {"momentum": T.momentum, "rmsprop": T.rmsprop}[opt](rate)
    tf_out = T.make_tf(net, optimizer, tmp, size=size, batch=batch, eval_graph=False)
    images_v, labels_v = tf_out["feeds"]
    n = tf_out["names"]
    T.check_ops(os.path.join(tmp, "train.meta"))
    train_spec = T.spec(os.path.join(tmp, "train.json"),
                        {n["images"]: ("float32", images_v), n["labels"]: ("int32", labels_v)},
                        [n["logits"]], n["loss"], T.STEPS)
    ours = run_node_json("slim-run.mjs", os.path.join(tmp, "train.meta"), tf_out["prefix"], train_spec)
    variables = T.read_variables(train_spec, ours["variables"])
    T.check_shapes(ours["shapes"])
    # training-mode logits (batch statistics): TensorFlow's own spread there reaches 1.2e-4 of max |logit|
    logits_err = T.logits_error(ours["fetched"][n["logits"]], tf_out["train_logits"])
    assert logits_err <= max(T.FORWARD_TOL, FACTOR * SPREAD[case]["logits"]), logits_err
    # the losses of steps 2 and 3 follow the updated weights: as far apart as TensorFlow's own where it says so
    losses_err = float(np.max(np.abs(np.subtract(ours["losses"], tf_out["losses"]))) / np.max(tf_out["losses"]))
    assert losses_err <= max(1e-4, FACTOR * SPREAD[case].get("losses", 0)), (ours["losses"], tf_out["losses"])
    assert int(variables["global_step"][0]) == T.STEPS
    updates = {k: v - np.asarray(tf_out["before"][k]).reshape(-1) for k, v in variables.items()
               if k != "global_step"}
    errors = T.update_errors(updates, tf_out["updates"])
    print(case, "logits error:", logits_err, "losses error:", losses_err, "update error per group:", errors,
          "TF spread:", SPREAD[case], "node ms:", ours["ms"])
    assert set(errors) == set(SPREAD[case]) - {"logits", "losses"}
    for g, err in errors.items():
        assert err <= tolerance(case, g), f"{case} {g}: {err:.3g} > {tolerance(case, g):.3g}"


# The deep resnets: net -> (batch, input size, learning rate), both optimizers, from a checkpoint whose residual
# branches end at a tenth of their initial scale (DEEP_RESIDUAL_SCALE). Per group, as the other cases, against
# TensorFlow's spread measured live on the same meta graph and checkpoint (slim_meta_train.py with oneDNN off against
# this process's oneDNN on): max |ours - TF on| over the group's largest update <= DEEP_FACTOR x the same of TF on vs
# off (at least FLOOR). And per variable:
#   |ours - TF on| <= DEEP_FACTOR * |TF on - TF off| + DEEP_REL * |TF on| + DEEP_ULPS * ulp(max |value|) * sqrt(size)
# over the variable's update (value after minus value at step 0), |.| the L2 norm (a max over a variable's elements is
# an extreme of float32 noise; the norm is steady). DEEP_REL: a ReLU whose input sits within float32 rounding of zero
# takes the other side in ours than in TensorFlow (both of whose runs may agree there): block4's batch norms see 32
# values a channel (2x2 maps, batch 8), so one such element moves its channel's beta gradient several times over and
# the variable's update by up to 0.7% (measured: resnet_v2_101's block4/unit_3/conv2 batch-norm output 2.1e-6 in ours,
# -6.2e-6 in TensorFlow, over values of 1; its beta 5.5e-9 off in an update of 7.7e-7). A wrong kernel moves far more
# (scaling one variable's update by 1.1 fails it). DEEP_ULPS: 3 steps round the stored value.
DEEP = {net: (8, 64, 1e-5) for net in (
    "resnet_v1_101", "resnet_v1_152", "resnet_v1_200", "resnet_v2_101", "resnet_v2_152", "resnet_v2_200")}
# the last scale of each residual branch, as a fraction of its initializer's (test_slim.damp_residuals). At 1 (slim's
# initializer) the deep nets are chaotic in TensorFlow itself (the docstring)
DEEP_RESIDUAL_SCALE = 0.1
DEEP_OPTIMIZERS = ("momentum", "rmsprop")
DEEP_FACTOR = 3
DEEP_REL = 2e-2
DEEP_ULPS = 2


def build_deep(net, batch, size, rate, work):
    """The training graph with one create_train_op per optimizer (the same net, losses and UPDATE_OPS; each run starts
    from the checkpoint); TensorFlow (this process, oneDNN on) trains each. Returns the names, the feeds, the
    checkpoint prefix, the training-mode logits at step 0, and per optimizer the losses and updates."""
    build, _ = T.NETS[net]
    images_v, labels_v = T.feeds_for(size, batch=batch)
    tf, tf1, slim = T.tf, T.tf1, T.slim
    out = {"feeds": (images_v, labels_v), "runs": {}}
    with tf.Graph().as_default() as g:
        tf1.set_random_seed(1)
        images = tf1.placeholder(tf.float32, [batch, size, size, 3], name="images")
        labels = tf1.placeholder(tf.int64, [batch], name="labels")
        logits = build(images, True)
        tf1.losses.sparse_softmax_cross_entropy(labels, logits)
        total = tf1.losses.get_total_loss()
        step = tf1.train.get_or_create_global_step()
        trains = {}
        for opt in DEEP_OPTIMIZERS:
            optimizer = {"momentum": T.momentum, "rmsprop": T.rmsprop}[opt](rate)
            trains[opt] = slim.learning.create_train_op(total, optimizer(), global_step=step)
            tf1.add_to_collection(tf1.GraphKeys.TRAIN_OP, trains[opt])
        saver = tf1.train.Saver()
        variables = tf1.global_variables()
        names = [v.op.name for v in variables]
        stats = T.nonzero_stats(variables)
        damp = T.damp_residuals(variables, DEEP_RESIDUAL_SCALE)
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(stats)
            sess.run(damp)
            out["prefix"] = saver.save(sess, os.path.join(work, "init"))
            tf1.train.export_meta_graph(os.path.join(work, "train.meta"), graph_def=g.as_graph_def(add_shapes=True),
                                        saver_def=saver.saver_def)
            feed = {images: images_v, labels: labels_v}
            before = sess.run(variables)
            out["before"] = dict(zip(names, before))
            out["train_logits"] = sess.run(logits, feed)
            for k, opt in enumerate(DEEP_OPTIMIZERS):
                if k > 0:
                    saver.restore(sess, out["prefix"])
                losses = [float(sess.run(trains[opt], feed)) for _ in range(T.STEPS)]
                # the variables this optimizer changed (the other's slots stay as restored; GBs held otherwise)
                out["runs"][opt] = {"losses": losses, "updates": {
                    n: a - b for n, b, a in zip(names, before, sess.run(variables))
                    if n != "global_step" and np.any(a != b)}}
    out["names"] = {"images": images.name, "labels": labels.name, "logits": logits.name,
                    **{opt: t.name for opt, t in trains.items()}}
    return out


def train_tf_off(tf_out, work):
    """slim_meta_train.py with oneDNN off on the same meta graph and checkpoint: {optimizer: {losses, updates}},
    "logits"."""
    n = tf_out["names"]
    feeds = {}
    for name, value in zip((n["images"], n["labels"]), tf_out["feeds"]):
        feeds[name] = os.path.join(work, name.replace(":", "_") + ".npy")
        np.save(feeds[name], value)
    job = {"meta": os.path.join(work, "train.meta"), "prefix": tf_out["prefix"], "feeds": feeds,
           "logits": n["logits"], "train": [n[opt] for opt in DEEP_OPTIMIZERS], "steps": T.STEPS,
           "out": os.path.join(work, "off.npz")}
    with open(os.path.join(work, "off.json"), "w") as f:
        json.dump(job, f)
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "slim_meta_train.py"),
                    os.path.join(work, "off.json")], env=dict(os.environ, TF_ENABLE_ONEDNN_OPTS="0"), check=True)
    off = np.load(job["out"])
    return {"logits": off["logits"], **{opt: {"losses": off[f"{k}|losses"], "updates": OffUpdates(off, k)}
                                        for k, opt in enumerate(DEEP_OPTIMIZERS)}}


class OffUpdates:
    """Run K's updates in slim_meta_train.py's .npz, read one variable at a time (GBs for the 200-layer nets)."""

    def __init__(self, npz, k):
        self.npz, self.k = npz, k

    def get(self, name, default):
        key = f"{self.k}|{name}"
        return self.npz[key] if key in self.npz.files else default


def variable_errors(ours, before, on, off):
    """Per variable: the L2 norms (err: ours - on, spread: on - off, scale: on) of its update, their maxima over its
    elements (max_err, max_spread, max_scale: the per-group table), and its tolerance. ours: its values after; on,
    off: the updates of the variables TensorFlow changed (any other must stay as it was)."""
    rows = {}
    for name, b in before.items():
        if name == "global_step":
            continue
        # float32 (float64 takes twice as long): the differences round at 6e-8 of themselves, far below any tolerance
        b = np.asarray(b, np.float32).reshape(-1)
        want = np.asarray(on.get(name, 0.0), np.float32).reshape(-1)
        diff = np.asarray(ours[name], np.float32) - b - want
        spread = want - np.asarray(off.get(name, 0.0), np.float32).reshape(-1)
        r = {"err": float(np.linalg.norm(diff)), "spread": float(np.linalg.norm(spread)),
             "scale": float(np.linalg.norm(want)), "max_err": float(np.max(np.abs(diff))),
             "max_spread": float(np.max(np.abs(spread))), "max_scale": float(np.max(np.abs(want)))}
        ulp = float(np.spacing(np.float32(np.max(np.abs(b)))))
        r["tol"] = DEEP_FACTOR * r["spread"] + DEEP_REL * r["scale"] + DEEP_ULPS * ulp * np.sqrt(b.size)
        rows[name] = {k: float(v) for k, v in r.items()}
    return rows


def group_table(rows):
    """The docstring's table: per group, (ours, TF's spread): max |ours - TF on| and max |TF on - TF off| over the
    group's largest |update|."""
    agg = {}
    for name, r in rows.items():
        e, s, m = agg.get(T.group(name), (0.0, 0.0, 0.0))
        agg[T.group(name)] = (max(e, r["max_err"]), max(s, r["max_spread"]), max(m, r["max_scale"]))
    return {g: (e / m, s / m) for g, (e, s, m) in agg.items()}


@pytest.fixture(scope="module", params=sorted(DEEP))
def deep_net(request, tmp_path_factory):
    """One net's cases: TF builds the graph once (both optimizers), TF with oneDNN off and we train it from the same
    checkpoint; per optimizer, the per-variable errors. Its directory (GBs of checkpoints) goes when done."""
    from conftest import run_node_json

    net = request.param
    batch, size, rate = DEEP[net]
    work = str(tmp_path_factory.mktemp(net))
    seconds = [time.time()]
    try:
        tf_out = build_deep(net, batch, size, rate, work)
        seconds.append(time.time())
        n = tf_out["names"]
        images_v, labels_v = tf_out["feeds"]
        off = train_tf_off(tf_out, work)
        seconds.append(time.time())
        T.check_ops(os.path.join(work, "train.meta"))
        train_spec = T.spec(os.path.join(work, "train.json"),
                            {n["images"]: ("float32", images_v), n["labels"]: ("int32", labels_v)},
                            [n["logits"]], None, T.STEPS)
        with open(train_spec) as f:
            doc = json.load(f)
        doc["runs"] = [{"train": n[opt], "variablesFile": os.path.join(work, opt + ".variables")}
                       for opt in DEEP_OPTIMIZERS]
        with open(train_spec, "w") as f:
            json.dump(doc, f)
        ours = run_node_json("slim-run.mjs", os.path.join(work, "train.meta"), tf_out["prefix"], train_spec)
        seconds.append(time.time())
        T.check_shapes(ours["shapes"])
        result = {"net": net, "ms": ours["ms"], "logits": (
            T.logits_error(ours["fetched"][n["logits"]], tf_out["train_logits"]),
            T.logits_error(off["logits"].reshape(-1), tf_out["train_logits"]))}
        for opt, run in zip(DEEP_OPTIMIZERS, ours["runs"]):
            variables = T.read_variables(None, run["variables"], os.path.join(work, opt + ".variables"), False)
            on = tf_out["runs"][opt]
            losses = np.asarray(on["losses"])
            result[opt] = {
                "global_step": int(variables["global_step"][0]),
                "losses": (float(np.max(np.abs(np.subtract(run["losses"], losses))) / np.max(losses)),
                           float(np.max(np.abs(off[opt]["losses"] - losses)) / np.max(losses))),
                "rows": variable_errors(variables, tf_out["before"], on["updates"], off[opt]["updates"]),
                "ms": run["ms"]}
            del variables
        seconds.append(time.time())
        # wall seconds: TF (oneDNN on) builds and trains, TF with oneDNN off, ours (check_ops and slim-run), compare
        result["seconds"] = np.round(np.diff(seconds), 1).tolist()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("opt", DEEP_OPTIMIZERS)
def test_deep_resnet_trains_as_in_tensorflow_per_variable(deep_net, opt):
    net, r = deep_net["net"], deep_net[opt]
    rows = r["rows"]
    # how tight the check is: each changed variable's tolerance over its own update (a 10% error fails below 0.1)
    tight = np.asarray([v["tol"] / v["scale"] for v in rows.values() if v["scale"] > 0])
    def over(k):  # error over tolerance (a variable TensorFlow leaves as it was must stay so)
        return rows[k]["err"] / rows[k]["tol"] if rows[k]["tol"] else (np.inf if rows[k]["err"] else 0.0)
    worst = sorted(rows, key=over, reverse=True)[:3]
    # the largest error of any changed variable over its own update
    rel = max((v["err"] / v["scale"], k) for k, v in rows.items() if v["scale"] > 0)
    groups = group_table(rows)
    print(f"{net}-{opt} per group (ours, TF spread):", {g: (f"{e:.2g}", f"{s:.2g}") for g, (e, s) in groups.items()},
          f"largest err/update {rel[0]:.2g} ({rel[1]})",
          "logits (ours, TF): %.2g %.2g" % deep_net["logits"], "losses (ours, TF): %.2g %.2g" % r["losses"],
          f"tolerance/update: median {np.median(tight):.2g}, under 0.1 for {np.mean(tight < 0.1):.0%} of",
          len(tight), "worst err/tol:", [(k, round(over(k), 2)) for k in worst],
          "node ms:", deep_net["ms"], r["ms"], "s (TF on, TF off, ours, compare):", deep_net["seconds"])
    assert r["global_step"] == T.STEPS
    ours_logits, tf_logits = deep_net["logits"]
    assert ours_logits <= max(T.FORWARD_TOL, DEEP_FACTOR * tf_logits), deep_net["logits"]
    ours_losses, tf_losses = r["losses"]
    assert ours_losses <= max(1e-4, DEEP_FACTOR * tf_losses), r["losses"]
    bad = [k for k in rows if not rows[k]["err"] <= rows[k]["tol"]]
    assert not bad, f"{net}-{opt}: {len(bad)} of {len(rows)} variables off by more than their tolerance: " + str(
        [(k, rows[k]) for k in sorted(bad, key=over, reverse=True)[:5]])
    for g, (err, spread) in groups.items():
        assert err <= max(DEEP_FACTOR * spread, FLOOR), f"{net}-{opt} {g}: {err:.3g} > {DEEP_FACTOR} x {spread:.3g}"
