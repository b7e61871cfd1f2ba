"""TensorFlow trains a meta graph it wrote, in a process of its own (run with TF_ENABLE_ONEDNN_OPTS=0, this is the
other half of TensorFlow's own float32 spread, measured live by test_slim_zoo_train.py on the very graph and
checkpoint we train). No Python net building: the meta graph is imported.

Usage: python slim_meta_train.py JOB_JSON, JOB: {meta, prefix, feeds: {tensor: .npy path}, logits: tensor,
train: [tensor...], steps, out: .npz path}. For each `train` tensor in turn (create_train_op's result), from the
restored checkpoint: `steps` runs; the .npz holds, per run k, "k|losses" and "k|VARIABLE" = the update (after minus
before) of every global variable it changed, and "logits" (training mode, step 0).
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1


def train(job):
    out = {}
    with tf.Graph().as_default() as g:
        saver = tf1.train.import_meta_graph(job["meta"])
        feed = {g.get_tensor_by_name(k): np.load(v) for k, v in job["feeds"].items()}
        variables = tf1.global_variables()
        names = [v.op.name for v in variables]
        with tf1.Session(graph=g) as sess:
            for k, name in enumerate(job["train"]):
                saver.restore(sess, job["prefix"])
                before = sess.run(variables)
                if k == 0:
                    out["logits"] = sess.run(job["logits"], feed)
                tensor = g.get_tensor_by_name(name)
                out[f"{k}|losses"] = np.asarray([sess.run(tensor, feed) for _ in range(job["steps"])])
                for n, b, a in zip(names, before, sess.run(variables)):
                    if n != "global_step" and np.any(a != b):
                        out[f"{k}|{n}"] = a - b
                del before
    np.savez(job["out"], **out)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        train(json.load(f))
