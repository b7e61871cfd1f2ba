"""Issue 11: sparse updates of embeddings. TensorFlow writes graphs whose training op applies sparse gradients (the
IndexedSlices of ResourceGather's gradient, de-duplicated with Unique + UnsortedSegmentSum) through its optimizers'
ResourceSparseApply* kernels, or updates rows directly with the ResourceScatter* ops; we import each graph, restore
TensorFlow's checkpoint, run the same steps and compare every variable (slots included) and the losses.
"""
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
STEPS = 3
ROWS, DIM = 12, 4
# a repeated id: de-duplication (optimizers) and repeated rows (scatter ops) both matter
IDS = np.array([3, 7, 3, 0, 11], np.int64)


def adagrad_v2(loss, var_list):
    """tf.raw_ops.ResourceSparseApplyAdagradV2 on the embedding's de-duplicated gradient (what Keras' Adagrad runs)."""
    (grad, var), = tf1.train.GradientDescentOptimizer(1.0).compute_gradients(loss, var_list)
    values, indices = grad.values, grad.indices
    unique, positions = tf.unique(indices)
    summed = tf.math.unsorted_segment_sum(values, positions, tf.shape(unique)[0])
    accum = tf1.get_variable("accum", [ROWS, DIM], initializer=tf1.constant_initializer(0.1), use_resource=True)
    return tf.raw_ops.ResourceSparseApplyAdagradV2(var=var.handle, accum=accum.handle, lr=0.1, epsilon=1e-7,
                                                   grad=summed, indices=unique)


OPTIMIZERS = {
    "sgd": lambda loss, vs: tf1.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=vs),
    "momentum": lambda loss, vs: tf1.train.MomentumOptimizer(0.1, 0.9).minimize(loss, var_list=vs),
    "nesterov": lambda loss, vs: tf1.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True).minimize(loss, var_list=vs),
    "adagrad": lambda loss, vs: tf1.train.AdagradOptimizer(0.1).minimize(loss, var_list=vs),
    "adagrad_v2": adagrad_v2,
    "rmsprop": lambda loss, vs: tf1.train.RMSPropOptimizer(0.01, decay=0.9, momentum=0.5).minimize(loss, var_list=vs),
}
SCATTERS = ["add", "sub", "mul", "div", "min", "max", "update"]


def save(g, sess, work, train, loss, ids):
    tf1.add_to_collection(tf1.GraphKeys.TRAIN_OP, train)
    saver = tf1.train.Saver()
    prefix = saver.save(sess, os.path.join(work, "init"))
    tf1.train.export_meta_graph(os.path.join(work, "train.meta"), graph_def=g.as_graph_def(add_shapes=True),
                                saver_def=saver.saver_def)
    variables = tf1.global_variables()
    losses = [float(sess.run([train, loss], {ids: IDS})[1]) for _ in range(STEPS)]
    return prefix, losses, dict(zip([v.op.name for v in variables], sess.run(variables)))


def make_optimizer_graph(name, work):
    with tf.Graph().as_default() as g:
        ids = tf1.placeholder(tf.int64, [len(IDS)], name="ids")
        emb = tf1.get_variable("embedding", [ROWS, DIM], initializer=tf1.random_normal_initializer(seed=1),
                               use_resource=True)
        w = tf1.get_variable("w", [DIM, 2], initializer=tf1.random_normal_initializer(seed=2), use_resource=True)
        rows = tf.nn.embedding_lookup(emb, ids)
        loss = tf.reduce_sum(tf.tanh(tf.matmul(rows, w)) ** 2, name="loss")
        # only the embedding trains: its gradient is the sparse one
        train = OPTIMIZERS[name](loss, [emb])
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            return save(g, sess, work, train, loss, ids) + (ids.name, loss.name)


def make_scatter_graph(work):
    rng = np.random.RandomState(5)
    with tf.Graph().as_default() as g:
        ids = tf1.placeholder(tf.int64, [len(IDS)], name="ids")
        updates = tf.constant(rng.uniform(0.5, 2.0, (len(IDS), DIM)).astype(np.float32))
        ops, reads = [], []
        for kind in SCATTERS:
            v = tf1.get_variable(kind, [ROWS, DIM], use_resource=True,
                                 initializer=tf1.random_uniform_initializer(0.5, 2.0, seed=len(kind)))
            op = getattr(tf.raw_ops, "ResourceScatter" + kind.capitalize())
            ids_here, ups = ids, updates
            if kind == "update":
                # which of a repeated id's writes wins is not specified: one update per id
                unique, positions = tf.unique(ids)
                ids_here, ups = unique, tf.math.unsorted_segment_sum(updates, positions, tf.size(unique))
            ops.append(op(resource=v.handle, indices=ids_here, updates=ups))
            reads.append(v)
        train = tf.group(*ops, name="train")
        # read after this run's updates (a read racing them would see either value)
        with tf.control_dependencies([train]):
            loss = tf.add_n([tf.reduce_sum(v.read_value()) for v in reads], name="loss")
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            return save(g, sess, work, train, loss, ids) + (ids.name, loss.name)


def run_ours(work, prefix, ids_name, loss_name):
    from conftest import run_node_json
    from test_slim import read_variables, spec

    path = spec(os.path.join(work, "train.json"), {ids_name: ("int32", IDS)}, [], loss_name, STEPS)
    ours = run_node_json("slim-run.mjs", os.path.join(work, "train.meta"), prefix, path)
    return ours["losses"], read_variables(path, ours["variables"])


def compare(ours, theirs, rtol):
    losses, variables = ours
    want_losses, want_vars = theirs
    np.testing.assert_allclose(losses, want_losses, rtol=rtol)
    assert sorted(variables) == sorted(want_vars)
    for k, want in want_vars.items():
        np.testing.assert_allclose(variables[k], np.asarray(want, np.float64).reshape(-1), rtol=rtol, atol=rtol,
                                   err_msg=k)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_applies_sparse_gradients_as_tensorflow(tmp, name):
    prefix, losses, variables, ids_name, loss_name = make_optimizer_graph(name, str(tmp))
    with open(os.path.join(tmp, "train.meta"), "rb") as f:
        # the sparse path is the one taken: the embedding's gradient never becomes a dense tensor
        meta = f.read()
    kernel = {"sgd": b"ResourceScatterAdd", "momentum": b"ResourceSparseApplyMomentum",
              "nesterov": b"ResourceSparseApplyMomentum", "adagrad": b"ResourceSparseApplyAdagrad",
              "adagrad_v2": b"ResourceSparseApplyAdagradV2", "rmsprop": b"ResourceSparseApplyRMSProp"}[name]
    assert kernel in meta
    compare(run_ours(str(tmp), prefix, ids_name, loss_name), (losses, variables), 1e-5)


def test_scatter_ops_update_rows_as_tensorflow(tmp):
    prefix, losses, variables, ids_name, loss_name = make_scatter_graph(str(tmp))
    compare(run_ours(str(tmp), prefix, ids_name, loss_name), (losses, variables), 1e-6)
