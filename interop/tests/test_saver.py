"""Live checks for @tensorgraft/saver: we save -> TensorFlow restores, TensorFlow saves -> we restore, the same save
schedule run by both leaves the same files and state file, and TensorFlow.js LayersModels <-> Keras 3 models through
TensorFlow checkpoints, in one run."""
import json
import os
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf

from conftest import run_node_json

v1 = tf.compat.v1

SPEC = {
    "dense/kernel": {"dtype": "float32", "shape": [3, 2], "values": [0.5, -1.25, 3.0, 1e-8, -0.0, 7.75]},
    "dense/bias": {"dtype": "float32", "shape": [2], "values": [0.1, -0.2]},
    "global_step": {"dtype": "int64", "shape": [], "values": ["9007199254740993"]},
    "counts": {"dtype": "int32", "shape": [2, 2], "values": [1, -2, 3, 2147483647]},
    "flags": {"dtype": "bool", "shape": [3], "values": [True, False, True]},
    "names": {"dtype": "string", "shape": [2], "values": ["caf\u00e9", ""]},
    "wide": {"dtype": "float64", "shape": [2], "values": [1.0000000000000002, -1e300]},
}
NP = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32, "bool": np.bool_}


def spec_values(spec):
    out = {}
    for name, t in spec.items():
        if t["dtype"] == "string":
            out[name] = np.array([s.encode() for s in t["values"]], dtype=object).reshape(t["shape"])
        elif t["dtype"] == "int64":
            out[name] = np.array([int(s) for s in t["values"]], np.int64).reshape(t["shape"])
        else:
            out[name] = np.array(t["values"], NP[t["dtype"]]).reshape(t["shape"])
    return out


def write_json(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return str(path)


def test_tensorflow_restores_what_we_save(tmp):
    spec_path = write_json(tmp / "spec.json", SPEC)
    out = run_node_json("saver-values.mjs", "save", tmp / "model.ckpt", spec_path, 42)
    assert out["path"] == str(tmp / "model.ckpt-42")
    assert tf.train.latest_checkpoint(str(tmp)) == out["path"]
    expected = spec_values(SPEC)
    with tf.Graph().as_default():
        variables = {}
        for name, value in expected.items():
            dtype = tf.string if SPEC[name]["dtype"] == "string" else tf.as_dtype(value.dtype)
            variables[name] = v1.get_variable(name, shape=value.shape, dtype=dtype, initializer=v1.zeros_initializer())
        saver = v1.train.Saver()
        with v1.Session() as sess:
            saver.restore(sess, tf.train.latest_checkpoint(str(tmp)))
            for name, var in variables.items():
                np.testing.assert_array_equal(sess.run(var), expected[name], err_msg=name)
    # And the eager reader agrees on dtypes and shapes.
    reader = tf.train.load_checkpoint(out["path"])
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    for name, t in SPEC.items():
        assert shapes[name] == t["shape"]
        assert dtypes[name].name == t["dtype"]


def test_tensorflow_restores_our_sharded_save(tmp):
    devices = {name: f"/device:CPU:{i % 3}" for i, name in enumerate(sorted(SPEC))}
    out = run_node_json("saver-values.mjs", "save", tmp / "model.ckpt", write_json(tmp / "spec.json", SPEC), 7,
                        write_json(tmp / "devices.json", devices))
    assert sorted(f for f in os.listdir(tmp) if ".data-" in f) == [f"model.ckpt-7.data-0000{i}-of-00003" for i in range(3)]
    assert not os.path.exists(str(tmp / "model.ckpt-7_temp"))
    reader = tf.train.load_checkpoint(out["path"])
    expected = spec_values(SPEC)
    for name, value in expected.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value, err_msg=name)


def test_we_restore_what_tf1_saver_saves(tmp):
    expected = spec_values(SPEC)
    with tf.Graph().as_default():
        for name, value in expected.items():
            dtype = tf.string if SPEC[name]["dtype"] == "string" else tf.as_dtype(value.dtype)
            v1.get_variable(name, initializer=tf.constant(value, dtype=dtype))
        saver = v1.train.Saver(max_to_keep=2)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            path = saver.save(sess, str(tmp / "tf" / "model.ckpt"), global_step=3)
    zeros = {k: {**t, "values": ([""] * len(t["values"]) if t["dtype"] == "string" else
                                 ["0"] * len(t["values"]) if t["dtype"] == "int64" else [0] * len(t["values"]))}
             for k, t in SPEC.items()}
    out = run_node_json("saver-values.mjs", "restore", path, write_json(tmp / "zeros.json", zeros))
    for name, t in SPEC.items():
        got = out["values"][name]
        if t["dtype"] in ("float32", "float64"):
            np.testing.assert_array_equal(np.array(got, NP[t["dtype"]]), expected[name].reshape(-1), err_msg=name)
        else:
            assert got == t["values"], name
    # Remapped by scope: the checkpoint's dense/ into head/, one tensor into two variables.
    remap = {"head/kernel": zeros["dense/kernel"], "copy/kernel": zeros["dense/kernel"], "head/bias": zeros["dense/bias"]}
    out = run_node_json("saver-values.mjs", "restore", path, write_json(tmp / "remap.json", remap),
                        write_json(tmp / "map.json", {"dense/": "head/", "dense/kernel": ["copy/kernel", "head/kernel"]}))
    np.testing.assert_array_equal(np.array(out["values"]["head/kernel"], np.float32), expected["dense/kernel"].reshape(-1))
    np.testing.assert_array_equal(np.array(out["values"]["copy/kernel"], np.float32), expected["dense/kernel"].reshape(-1))
    np.testing.assert_array_equal(np.array(out["values"]["head/bias"], np.float32), expected["dense/bias"])


def test_we_read_tf2_object_checkpoints(tmp):
    import keras
    keras.utils.set_random_seed(3)
    inp = keras.Input((3,))
    model = keras.Model(inp, keras.layers.Dense(2, name="dense_a")(keras.layers.Dense(4, name="dense_b")(inp)))
    opt = keras.optimizers.SGD(0.1, momentum=0.9)
    model.compile(optimizer=opt, loss="mse")
    model.train_on_batch(np.ones((2, 3), np.float32), np.zeros((2, 2), np.float32))
    ckpt = tf.train.Checkpoint(model=model, optimizer=opt, epoch=tf.Variable(11, dtype=tf.int64))
    path = tf.train.CheckpointManager(ckpt, str(tmp), max_to_keep=1).save()
    out = run_node_json("saver-object.mjs", path)
    reader = tf.train.load_checkpoint(path)
    listed = {name for name, _ in tf.train.list_variables(path)} - {"_CHECKPOINTABLE_OBJECT_GRAPH"}
    assert {v["key"] for v in out} == listed
    by_name = {v["fullName"]: v for v in out}
    for w in model.weights:
        got = by_name[w.path]
        np.testing.assert_array_equal(np.array(got["values"], np.float32).reshape(got["shape"]), w.numpy())
        assert any(p.startswith("model/") for p in got["paths"]), got["paths"]
    for v in out:
        expected = reader.get_tensor(v["key"])
        if v["dtype"] == "int64":
            assert [int(x) for x in v["values"]] == expected.reshape(-1).tolist()
        else:
            np.testing.assert_array_equal(np.array(v["values"]).reshape(v["shape"]), expected)


class FakeClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def tf_schedule(directory, schedule):
    if schedule.get("relative"):
        cwd = os.getcwd()
        os.chdir(os.path.dirname(directory))
        try:
            return tf_schedule_in(os.path.basename(directory), schedule)
        finally:
            os.chdir(cwd)
    return tf_schedule_in(str(directory), schedule)


def tf_schedule_in(directory, schedule):
    clock = FakeClock(schedule["build_time"])
    snaps = []

    def snap():
        files = sorted(os.listdir(directory))
        with open(os.path.join(directory, "checkpoint"), encoding="utf-8") as f:
            snaps.append({"files": files, "state": f.read().replace(str(directory) + "/", "<DIR>/")})

    with mock.patch("time.time", clock):
        if schedule["kind"] == "saver":
            with tf.Graph().as_default():
                v = v1.get_variable("v", [2], initializer=v1.zeros_initializer())
                saver = v1.train.Saver(**schedule["args"])
                with v1.Session() as sess:
                    sess.run(v.initializer)
                    for t, step in schedule["saves"]:
                        clock.now = t
                        saver.save(sess, os.path.join(directory, schedule["prefix"]), global_step=step,
                                   write_meta_graph=False)
                        snap()
        else:
            manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable([0.0, 0.0])), str(directory),
                                                 **schedule["args"])
            for t, step in schedule["saves"]:
                clock.now = t
                manager.save(checkpoint_number=step)
                snap()
    return snaps


T0 = 1764000000.25
SCHEDULES = {
    "saver_keep3_hours": {"kind": "saver", "prefix": "model.ckpt", "build_time": T0,
                          "args": {"max_to_keep": 3, "keep_checkpoint_every_n_hours": 0.05},
                          "saves": [[T0 + 70 * i, 10 * i] for i in range(1, 16)]},
    "saver_keep0_relative": {"kind": "saver", "prefix": "m", "build_time": T0,
                             "args": {"max_to_keep": 0, "save_relative_paths": True},
                             "saves": [[T0 + i, i] for i in range(4)]},
    "saver_relative_dir": {"kind": "saver", "prefix": "model.ckpt", "build_time": T0, "relative": True,
                           "args": {"max_to_keep": 2}, "saves": [[T0 + i, i] for i in range(4)]},
    "manager_relative_dir": {"kind": "manager", "build_time": T0, "relative": True,
                             "args": {"max_to_keep": 2}, "saves": [[T0 + i, i] for i in range(1, 4)]},
    "manager_keep2_hours": {"kind": "manager", "build_time": T0,
                            "args": {"max_to_keep": 2, "keep_checkpoint_every_n_hours": 0.05},
                            "saves": [[T0 + 70 * i, i] for i in range(1, 14)]},
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_same_schedule_same_files_and_state(tmp, name):
    schedule = SCHEDULES[name]
    (tmp / "tf" / "run").mkdir(parents=True)
    (tmp / "ours" / "run").mkdir(parents=True)
    expected = tf_schedule(str(tmp / "tf" / "run"), schedule)
    got = run_node_json("saver-schedule.mjs", tmp / "ours" / "run", write_json(tmp / "schedule.json", schedule))
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"after save {i}"


INPUT = [0.1, -0.2, 0.3, 0.4, 1.0, 0.5, -0.5, 2.0, -1.0, 0.25, 0.75, -0.125]


def keras_twin(kind):
    import keras
    L = keras.layers
    if kind == "conv":
        inp = keras.Input((4,), name="x")
        h = L.Reshape((2, 2, 1))(inp)
        h = L.BatchNormalization(name="bn")(L.Conv2D(3, 2, padding="same", name="c")(h))
        return keras.Model(inp, L.Dense(2, name="d")(L.Flatten()(h)), name="convnet")
    if kind == "rnn":
        inp = keras.Input((4,), name="x")
        h = L.LSTM(3, name="lstm")(L.Reshape((4, 1))(inp))
        return keras.Model(inp, L.Dense(1, name="out")(h), name="rnn")
    if kind == "sequential":
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="tanh", name="s1"),
                                 keras.layers.Dense(1, name="s2")], name="seq")
    inp = keras.Input((4,), name="x")
    h = keras.layers.Dense(3, activation="relu", name="d1")(inp)
    return keras.Model(inp, keras.layers.Dense(2, name="d2")(h), name="mlp")


def tfjs_name(kind, keras_path):
    """The tfjs weight name for a Keras 3 variable path (Sequential paths start with the model name; recurrent
    weights have the cell in between)."""
    parts = keras_path.split("/")
    if kind == "sequential":
        parts = parts[1:]
    if len(parts) == 3 and parts[1].endswith("_cell"):
        parts = [parts[0], parts[2]]
    return "/".join(parts)


KINDS = ["functional", "sequential", "conv", "rnn"]


@pytest.mark.parametrize("kind", KINDS)
def test_keras_loads_a_tfjs_model_saved_with_our_handler(tmp, kind):
    prefix = tmp / "ckpt-1"
    out = run_node_json("saver-layers.mjs", "save", kind, prefix, write_json(tmp / "input.json", INPUT))
    assert tf.train.latest_checkpoint(str(tmp)) == str(prefix)
    model = keras_twin(kind)
    status = tf.train.Checkpoint(model=model).restore(str(prefix))
    status.assert_existing_objects_matched()
    for w in model.weights:
        name = tfjs_name(kind, w.path)
        np.testing.assert_array_equal(w.numpy().reshape(-1), np.array(out["weights"][name], np.float32), err_msg=name)
    preds = model.predict(np.array(INPUT, np.float32).reshape(-1, 4), verbose=0).reshape(-1)
    np.testing.assert_allclose(preds, np.array(out["predictions"], np.float32), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_a_keras_checkpoint_loads_into_the_tfjs_model(tmp, kind):
    import keras
    keras.utils.set_random_seed(11)
    model = keras_twin(kind)
    model.compile(optimizer="adam", loss="mse")
    x = np.array(INPUT, np.float32).reshape(-1, 4)
    model.fit(x, np.ones((3, model.output_shape[-1]), np.float32), epochs=3, verbose=0)
    prefix = tf.train.Checkpoint(model=model, optimizer=model.optimizer).write(str(tmp / "keras"))
    out = run_node_json("saver-layers.mjs", "load", kind, prefix, write_json(tmp / "input.json", INPUT))
    for w in model.weights:
        name = tfjs_name(kind, w.path)
        np.testing.assert_array_equal(np.array(out["weights"][name], np.float32), w.numpy().reshape(-1), err_msg=name)
    np.testing.assert_allclose(np.array(out["predictions"], np.float32), model.predict(x, verbose=0).reshape(-1),
                               rtol=1e-5, atol=1e-6)


def test_tensorflow_imports_our_meta_graph_and_restores_with_its_saver(tmp):
    out = run_node_json("saver-graph.mjs", tmp)
    assert out["latest"] == str(tmp / "model.ckpt-3")
    assert tf.train.latest_checkpoint(str(tmp)) == out["latest"]
    assert sorted(f for f in os.listdir(tmp) if f.endswith(".meta")) == ["model.ckpt-2.meta", "model.ckpt-3.meta"]
    with tf.Graph().as_default() as g:
        saver = v1.train.import_meta_graph(out["latest"] + ".meta")
        assert saver.saver_def.restore_op_name == "save/restore_all"
        with v1.Session() as sess:
            saver.restore(sess, out["latest"])
            for name, values in out["values"].items():
                var = [v for v in v1.global_variables() if v.op.name == name][0]
                np.testing.assert_array_equal(sess.run(var).reshape(-1), np.array(values, np.float32), err_msg=name)
            # TensorFlow's own Saver keeps saving through our graph's save op.
            path = saver.save(sess, str(tmp / "model.ckpt"), global_step=4)
        assert g.get_operation_by_name("save/SaveV2").type == "SaveV2"
    assert path == str(tmp / "model.ckpt-4")


def test_our_manager_picks_up_a_tensorflow_manager_directory(tmp):
    clock = FakeClock(T0)
    with mock.patch("time.time", clock):
        w = tf.Variable([1.0, 2.0, 3.0])
        step = tf.Variable(0, dtype=tf.int64)
        manager = tf.train.CheckpointManager(tf.train.Checkpoint(w=w, step=step), str(tmp), max_to_keep=2)
        for i in range(1, 4):
            clock.now = T0 + 10 * i
            step.assign(i)
            w.assign_add([1.0, 1.0, 1.0])
            manager.save()
    out = run_node_json("saver-manager.mjs", tmp, 2, T0 + 100)
    assert out["checkpoints"] == [str(tmp / "ckpt-2"), str(tmp / "ckpt-3")]
    assert out["restored"] == {"w": [4.0, 5.0, 6.0], "step": "3", "from": str(tmp / "ckpt-3")}
    assert out["saved"] == str(tmp / "ckpt-4")
    assert out["after"] == [str(tmp / "ckpt-3"), str(tmp / "ckpt-4")]
    assert sorted(f for f in os.listdir(tmp) if f.endswith(".index")) == ["ckpt-3.index", "ckpt-4.index"]
    # TensorFlow reads our state file and our checkpoint back (name-based keys: read with the checkpoint reader).
    assert tf.train.latest_checkpoint(str(tmp)) == str(tmp / "ckpt-4")
    reader = tf.train.load_checkpoint(str(tmp / "ckpt-4"))
    np.testing.assert_array_equal(reader.get_tensor("w"), [9.0, 9.0, 9.0])
    state = tf.train.get_checkpoint_state(str(tmp))
    assert list(state.all_model_checkpoint_timestamps) == [T0 + 30, T0 + 100]


def test_tensorflow_manager_picks_up_our_manager_directory(tmp):
    out = run_node_json("saver-manager-save.mjs", tmp, 2, T0, 3)
    assert out["checkpoints"] == [str(tmp / "ckpt-2"), str(tmp / "ckpt-3")]
    clock = FakeClock(T0 + 100)
    with mock.patch("time.time", clock):
        ckpt = tf.train.Checkpoint(w=tf.Variable([0.0, 0.0, 0.0]))
        manager = tf.train.CheckpointManager(ckpt, str(tmp), max_to_keep=2)
        assert manager.checkpoints == out["checkpoints"]
        assert manager.latest_checkpoint == str(tmp / "ckpt-3")
        manager.save(checkpoint_number=4)
    assert sorted(f for f in os.listdir(tmp) if f.endswith(".index")) == ["ckpt-3.index", "ckpt-4.index"]
    state = tf.train.get_checkpoint_state(str(tmp))
    assert list(state.all_model_checkpoint_timestamps) == [T0 + 30, T0 + 100]
    # Our name-based checkpoint restores into TensorFlow's variable by name.
    reader = tf.train.load_checkpoint(str(tmp / "ckpt-3"))
    np.testing.assert_array_equal(reader.get_tensor("w"), [3.0, 3.0, 3.0])


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_tensorflow_restores_the_optimizer_state_we_save(tmp, kind):
    """model.save(tfCheckpoint(p), {includeOptimizer: true}) after 3 Adam steps in tfjs: Keras' own
    tf.train.Checkpoint(model=..., optimizer=Adam) restores the iteration count and every slot; tfjs loads it back."""
    import keras
    prefix = tmp / "out" / "tfjs" / "model.ckpt"  # parent directories are created, as TensorFlow does
    out = run_node_json("saver-optimizer.mjs", kind, prefix, write_json(tmp / "input.json", INPUT))
    model = keras_twin(kind)
    optimizer = keras.optimizers.Adam(0.5)
    optimizer.build(model.trainable_variables)
    status = tf.train.Checkpoint(model=model, optimizer=optimizer).restore(str(prefix))
    status.assert_existing_objects_matched()
    assert int(optimizer.iterations.numpy()) == out["optimizer"]["iter"][0] == 3
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    for w in model.trainable_variables:
        name = tfjs_name(kind, w.path)
        np.testing.assert_array_equal(w.numpy().reshape(-1), np.array(out["weights"][name], np.float32), err_msg=name)
        m = optimizer._momentums[optimizer._get_variable_index(w)]
        v = optimizer._velocities[optimizer._get_variable_index(w)]
        np.testing.assert_array_equal(m.numpy().reshape(-1), np.array(out["optimizer"][name + "/m"], np.float32))
        np.testing.assert_array_equal(v.numpy().reshape(-1), np.array(out["optimizer"][name + "/v"], np.float32))
    # and tfjs' tf.loadLayersModel(tfCheckpoint(...)) gets the same optimizer state back
    assert out["reloaded"] == out["optimizer"]
