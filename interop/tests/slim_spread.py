"""TensorFlow's own float32 spread when training tf_slim nets (oneDNN on vs off), over a grid of settings.

Why: batch norm trained on a few values per channel is chaotic, so a comparison with TensorFlow means something only
at settings where TensorFlow agrees with itself. test_slim_zoo_train.py picks its settings and tolerances from this.
Each cell (net, optimizer, batch, input size) builds the training graph of test_slim.make_tf once, saves its initial
state, and for each learning rate restores it and runs STEPS steps; the learning rate is fed (the Apply* kernels take
it as an input either way). Both runs use the same seeds, so they start from the same values.

Usage: python interop/tests/slim_spread.py NET[,NET] OPT[,OPT] LR[,LR] BATCH[,BATCH] SIZE[,SIZE] (size 0: the net's
smallest)
prints, per cell and learning rate, the spread per group (max |on - off| over the group's largest |update|) and the
variable where it is largest, and per variable (test_slim_zoo_train.py's deep check): the median over each group's
changed variables of 3 |on - off| / |on| (L2 norms of the update), and the share of them where that is under 0.1.
SLIM_SPREAD_RESIDUAL_SCALE=0.1 starts a resnet with its residual branches damped (test_slim.damp_residuals).
SLIM_SPREAD_PERTURB=5,6,7 adds one run per seed with oneDNN on over the images times (1 + 1e-6 noise from that seed),
each compared with the run on the images as given: a step whose ReLU, max-pool or batch-norm choices sit on a knife
edge flips under any rounding change, which one on/off pair can miss.
"""
import itertools
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_slim as T  # noqa: E402

tf, tf1, slim = T.tf, T.tf1, T.slim

# the optimizers of test_slim.py's cases (a factory per learning rate)
OPTIMIZERS = {"momentum": T.momentum, "rmsprop": T.rmsprop}


def updates_for(net, opt, rates, batch, size, work):
    """{rate: {variable: update}} after STEPS steps at each rate, from the same initial state."""
    build, smallest = T.NETS[net]
    size = size or smallest
    images_v, labels_v = T.feeds_for(size, batch=batch)
    perturb = os.environ.get("SLIM_SPREAD_NOISE_SEED")
    if perturb:
        noise = np.random.RandomState(int(perturb)).randn(*images_v.shape)
        images_v = (images_v * (1 + 1e-6 * noise)).astype(np.float32)
    with tf.Graph().as_default() as g:
        tf1.set_random_seed(1)
        images = tf1.placeholder(tf.float32, [batch, size, size, 3], name="images")
        labels = tf1.placeholder(tf.int64, [batch], name="labels")
        rate = tf1.placeholder(tf.float32, [], name="rate")
        logits = build(images, True)
        tf1.losses.sparse_softmax_cross_entropy(labels, logits)
        step = tf1.train.get_or_create_global_step()
        train = slim.learning.create_train_op(tf1.losses.get_total_loss(), OPTIMIZERS[opt](rate)(),
                                             global_step=step)
        variables = tf1.global_variables()
        names = [v.op.name for v in variables]
        # the state every run starts from: nonzero moving statistics, and the residual branches damped if asked
        damp = float(os.environ.get("SLIM_SPREAD_RESIDUAL_SCALE", "1"))
        start = T.nonzero_stats(variables) + (T.damp_residuals(variables, damp) if damp != 1 else [])
        saver = tf1.train.Saver()
        out = {}
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(start)
            prefix = saver.save(sess, os.path.join(work, "init"))
            before = dict(zip(names, sess.run(variables)))
            for r in rates:
                saver.restore(sess, prefix)
                # the training-mode logits (batch statistics) at step 0, as the test compares them
                first_logits = sess.run(logits, {images: images_v})
                losses = [sess.run(train, {images: images_v, labels: labels_v, rate: r}) for _ in range(T.STEPS)]
                after = dict(zip(names, sess.run(variables)))
                out[r] = {k: after[k] - before[k] for k in names if k != "global_step"}
                out[r][LOGITS] = first_logits
                out[r][LOSSES] = np.asarray(losses)
    return out


LOGITS = "training-mode logits"
LOSSES = "losses"


def spread(a, b):
    """Per group: (max |a - b| / max |b|, the variable where |a - b| is largest); the logits are a group of their
    own."""
    diff, scale, worst = {}, {}, {}
    for name, want in b.items():
        g = {LOGITS: "logits", LOSSES: "losses"}.get(name) or T.group(name)
        d = float(np.max(np.abs(a[name].astype(np.float64) - want)))
        if d >= diff.get(g, -1.0):
            diff[g], worst[g] = d, name
        scale[g] = max(scale.get(g, 0.0), float(np.max(np.abs(want))))
    return {g: (diff[g] / scale[g], worst[g]) for g in diff}


def cells(argv):
    nets, opts, rates, batches, sizes = (a.split(",") for a in argv)
    return nets, opts, [float(r) for r in rates], [int(b) for b in batches], [int(s) for s in sizes]


def dump(work, argv):
    """One process's runs: a .npz per cell and learning rate, written as soon as it is done."""
    # SLIM_SPREAD_STEPS: fewer steps tell a step-0 gradient that TensorFlow cannot compute stably from chaotic steps
    T.STEPS = int(os.environ.get("SLIM_SPREAD_STEPS", T.STEPS))
    nets, opts, rates, batches, sizes = cells(argv)
    for net, opt, batch, size in itertools.product(nets, opts, batches, sizes):
        cell_dir = tempfile.mkdtemp(dir=work)
        for r, updates in updates_for(net, opt, rates, batch, size, cell_dir).items():
            np.savez(os.path.join(work, f"{net}|{opt}|{r}|{batch}|{size or T.NETS[net][1]}.npz"),
                     **{k.replace("/", "|"): v for k, v in updates.items()})


def compare(on_dir, off_dir, label="spread"):
    """Prints the spread of every cell both runs have finished."""
    for cell in sorted(f for f in os.listdir(on_dir) if f.endswith(".npz")):
        if not os.path.exists(os.path.join(off_dir, cell)):
            continue
        a, b = (np.load(os.path.join(d, cell)) for d in (on_dir, off_dir))
        on = {k.replace("|", "/"): a[k] for k in a.files}
        off = {k.replace("|", "/"): b[k] for k in b.files}
        print(json.dumps({"cell": cell[:-4], label: spread(on, off), "per variable": per_variable(on, off)}),
              flush=True)


def per_variable(a, b):
    """Per group: (the median of 3 |a - b| / |b| over its changed variables, the share of them under 0.1)."""
    ratios = {}
    for name, want in b.items():
        scale = float(np.linalg.norm(want))
        if name in (LOGITS, LOSSES) or scale == 0:
            continue
        diff = float(np.linalg.norm(a[name].astype(np.float64) - want))
        ratios.setdefault(T.group(name), []).append(3 * diff / scale)
    return {g: (float(np.median(r)), float(np.mean(np.asarray(r) < 0.1))) for g, r in ratios.items()}


def main(argv):
    # oneDNN on, off, then on over perturbed images (one run per SLIM_SPREAD_PERTURB seed)
    runs = [("1", ""), ("0", "")]
    runs += [("1", seed) for seed in os.environ.get("SLIM_SPREAD_PERTURB", "").split(",") if seed]
    procs = []
    for onednn, seed in runs:
        work = tempfile.mkdtemp()
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn, SLIM_SPREAD_NOISE_SEED=seed)
        procs.append((subprocess.Popen([sys.executable, __file__, "--dump", work, *argv], env=env), work))
    print("partial results: python slim_spread.py --compare", *(w for _, w in procs[:2]), flush=True)
    for p, _ in procs:
        assert p.wait() == 0
    compare(procs[0][1], procs[1][1])
    for (_, seed), (_, work) in zip(runs[2:], procs[2:]):
        compare(work, procs[0][1], f"images x (1 + 1e-6 noise, seed {seed}) vs as given")


if __name__ == "__main__":
    if sys.argv[1] == "--dump":
        dump(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1:])
