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
- the deeper resnets (64, Momentum 1e-7): the spread grows with depth, most in v1. v1 batch 8: 101 13%/23%/4.1e-3,
  152 55%/97%/0.10, 200 84%/116%/0.37; no cell tried is calmer (101 batch 2: 55%/117%; 152 batch 16: 38%/77%; 152 at
  96, batch 8: 34%/71%). v2 batch 8: 101 2.6%/2.3%/6.6e-5, 152 6.4%/9.4%/6.7e-4, 200 17%/36%/7.1e-3 (152 batch 2:
  38%/78%). RMSProp 1e-7, batch 8: v1_101 weights 82%, slots 8.4%; v2_101 8.2%/1.6%/6.8e-5. Their cases (Momentum,
  and RMSProp on v2_101 only: 50-140 s each here, 12 min with inception_v1's for the 9) check the deep v2s closely
  and the deep v1s only to within TensorFlow's own chaos there (ours lands on the spread, weights/slots: v1 101
  13%/23%, 152 58%/93%, 200 123%/176%; v2 101 2.6%/2.2%, 152 6.3%/8.6%, 200 22%/43%). Not cases, for CI time and
  because three times such a spread checks nothing a kernel could get wrong: resnet_v1_152/200 and resnet_v2_200
  (measured once as above, 89-142 s each); their layers are the 101/152 cases' layers, repeated.
Each case below is the most stable cell found, with the spread measured there (SPREAD; "logits": the training-mode
logits at step 0, which use batch statistics; "losses": the 3 steps' losses over the largest). inception_v1 at 193
trains within its spread as well (Momentum 1e-7: ours 2.5%/3.7%/8.9e-5 against oneDNN on) but takes minutes a case
here; its cases are the global-pool head at 64 (the same layers and variables; 20 s of Node a case).
Each case: test_slim.make_tf's training graph (the net under its own arg_scope, tf.compat.v1.losses loss plus the
regularization losses, tf_slim.learning.create_train_op with UPDATE_OPS) trained 3 steps from a TensorFlow-written
checkpoint with nonzero moving statistics, by TensorFlow and by us. Our training-mode logits and losses match; each
variable's update (value after minus value at step 0) is compared per group (weights, slots, moving statistics) and
must stay within FACTOR times TensorFlow's spread (at least FLOOR); global_step is 3.
"""
import os

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
    "resnet_v1_101-momentum": ("resnet_v1_101", "momentum", 1e-7, 8, 64),
    "resnet_v2_152-momentum": ("resnet_v2_152", "momentum", 1e-7, 8, 64),
    "resnet_v2_101-momentum": ("resnet_v2_101", "momentum", 1e-7, 8, 64),
    "resnet_v2_101-rmsprop": ("resnet_v2_101", "rmsprop", 1e-7, 8, 64),
}
# TensorFlow's spread at that cell (slim_spread.py, oneDNN on vs off), per group
SPREAD = {
    "inception_v3-momentum": {"weights": 1.94e-2, "slots": 3.62e-2, "moving": 7e-5, "logits": 1.19e-4},
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
                              "losses": 2.26e-5},
    "inception_v1-rmsprop": {"weights": 6.01e-2, "slots": 9.65e-3, "moving": 8.87e-5, "logits": 3.11e-5,
                             "losses": 1.88e-6},
    "resnet_v1_101-momentum": {"weights": 1.35e-1, "slots": 2.27e-1, "moving": 4.07e-3, "logits": 4.92e-4,
                               "losses": 2.43e-4},
    "resnet_v2_152-momentum": {"weights": 6.35e-2, "slots": 9.41e-2, "moving": 6.69e-4, "logits": 3.63e-4,
                               "losses": 4.81e-5},
    "resnet_v2_101-momentum": {"weights": 2.57e-2, "slots": 2.32e-2, "moving": 6.61e-5, "logits": 1.65e-4,
                               "losses": 7.02e-6},
    "resnet_v2_101-rmsprop": {"weights": 8.23e-2, "slots": 1.62e-2, "moving": 6.8e-5, "logits": 1.65e-4,
                              "losses": 7.91e-6},
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
