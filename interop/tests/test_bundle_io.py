"""Live checks for @tensorgraft/bundle-io against the pinned TensorFlow, in one run:
we write -> TensorFlow reads (tf.train.load_checkpoint, Saver.restore), TensorFlow writes -> we read, byte identity
with SaveV2 and MergeV2Checkpoints, V1 checkpoints, and safetensors both ways with Python's `safetensors`."""
import base64
import json
import math
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from conftest import run_cli, run_node_json

v1 = tf.compat.v1
BF16 = tf.bfloat16.as_numpy_dtype


def fnum(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def encode(arr, dtype):
    """The sidecar JSON encoding (interop/js/bundle-json.mjs decodes it)."""
    arr = np.asarray(arr)
    flat = arr.reshape(-1)
    name = dtype.name
    out = {"dtype": name, "shape": list(arr.shape)}
    if name == "string":
        out["values"] = [base64.b64encode(bytes(v)).decode() for v in flat]
    elif name in ("float16", "bfloat16"):
        out["bits"] = [int(b) for b in flat.view(np.uint16)]
        out["values"] = [fnum(v) for v in flat.astype(np.float32)]
    elif name in ("float32", "float64"):
        out["values"] = [fnum(v) for v in flat]
    elif name in ("complex64", "complex128"):
        out["values"] = [[fnum(v.real), fnum(v.imag)] for v in flat]
    elif name in ("int64", "uint64"):
        out["values"] = [str(int(v)) for v in flat]
    elif name == "bool":
        out["values"] = [1 if v else 0 for v in flat]
    else:
        out["values"] = [int(v) for v in flat]
    return out


def random_tensors(seed):
    """(name, numpy value, tf dtype) for every dtype a checkpoint can hold, random shapes and values."""
    rng = np.random.default_rng(seed)

    def shape():
        rank = int(rng.integers(0, 4))
        return tuple(int(d) for d in rng.integers(0, 5, size=rank))

    def ints(dt):
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape(), dtype=dt, endpoint=True)

    out = [
        ("f32", rng.standard_normal(shape()).astype(np.float32), tf.float32),
        ("f64", rng.standard_normal(shape()) * 1e10, tf.float64),
        ("f16", rng.standard_normal(shape()).astype(np.float16), tf.float16),
        ("bf16", rng.standard_normal(shape()).astype(np.float32).astype(BF16), tf.bfloat16),
        ("i8", ints(np.int8), tf.int8), ("i16", ints(np.int16), tf.int16), ("i32", ints(np.int32), tf.int32),
        ("i64", ints(np.int64), tf.int64), ("u8", ints(np.uint8), tf.uint8), ("u16", ints(np.uint16), tf.uint16),
        ("u32", ints(np.uint32), tf.uint32), ("u64", ints(np.uint64), tf.uint64),
        ("bool", rng.integers(0, 2, size=shape()).astype(bool), tf.bool),
        ("c64", (rng.standard_normal((3,)) + 1j * rng.standard_normal((3,))).astype(np.complex64), tf.complex64),
        ("c128", rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2)), tf.complex128),
        ("str", np.array([bytes(rng.integers(0, 256, size=int(rng.integers(0, 200)), dtype=np.uint8))
                          for _ in range(int(rng.integers(1, 6)))], dtype=object), tf.string),
        ("scalar", np.float32(rng.standard_normal()), tf.float32),
        ("empty", np.zeros((3, 0, 2), np.float32), tf.float32),
        ("big", rng.standard_normal((300, 257)).astype(np.float32), tf.float32),
    ]
    # Deterministic but unsorted order, with scoped names.
    return [(f"scope_{i % 3}/{name}", value, dt) for i, (name, value, dt) in enumerate(out)]


def tf_values(prefix):
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    return {n: encode(reader.get_tensor(n), dtypes[n]) for n in sorted(dtypes)}


def read_ours(path, *names):
    return run_node_json("bundle-read.mjs", path, *names)


def files_equal(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_we_write_tensorflow_reads_and_bytes_match_savev2(tmp, seed):
    tensors = random_tensors(seed)
    spec = [{"name": n, **encode(v, dt)} for n, v, dt in tensors]
    spec_path = tmp / "spec.json"
    spec_path.write_text(json.dumps(spec))
    ours = str(tmp / "ours" / "model.ckpt")
    run_node_json("bundle-write.mjs", spec_path, ours)
    # TensorFlow reads ours with equal values, every dtype.
    assert tf_values(ours) == {n: encode(v, dt) for n, v, dt in tensors}
    # SaveV2 of the same tensors in the same order: byte-identical files.
    theirs = str(tmp / "theirs" / "model.ckpt")
    tf.raw_ops.SaveV2(prefix=theirs, tensor_names=[n for n, _, _ in tensors], shape_and_slices=[""] * len(tensors),
                      tensors=[tf.constant(v, dtype=dt) for _, v, dt in tensors])
    for suffix in (".index", ".data-00000-of-00001"):
        assert files_equal(ours + suffix, theirs + suffix), suffix
    assert sorted(os.listdir(tmp / "ours")) == sorted(os.listdir(tmp / "theirs"))


def test_tensorflow_writes_we_read(tmp):
    tensors = random_tensors(9)
    prefix = str(tmp / "tf" / "model.ckpt")
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=[n for n, _, _ in tensors], shape_and_slices=[""] * len(tensors),
                      tensors=[tf.constant(v, dtype=dt) for _, v, dt in tensors])
    got = read_ours(prefix)
    assert got["format"] == "v2"
    assert got["tensors"] == {n: encode(v, dt) for n, v, dt in tensors}


def test_saver_restores_what_we_wrote(tmp):
    """A graph-mode tf.compat.v1.train.Saver restores our checkpoint into its variables (partitioned one included)."""
    rng = np.random.default_rng(4)
    kernel = rng.standard_normal((4, 3)).astype(np.float32)
    emb = rng.standard_normal((10, 4)).astype(np.float32)
    # Slices as fixed_size_partitioner(3) makes them: rows 0-3, 4-6, 7-9.
    spec = [
        {"name": "dense/kernel", **encode(kernel, tf.float32)},
        {"name": "global_step", **encode(np.int64(77), tf.int64)},
    ]
    for start, length in ((0, 4), (4, 3), (7, 3)):
        spec.append({"name": "embedding", "shape_and_slice": f"10 4 {start},{length}:0,4",
                     **encode(emb[start:start + length], tf.float32)})
    (tmp / "spec.json").write_text(json.dumps(spec))
    prefix = str(tmp / "ours" / "model.ckpt")
    run_node_json("bundle-write.mjs", tmp / "spec.json", prefix)
    with tf.Graph().as_default():
        k = v1.get_variable("dense/kernel", [4, 3])
        step = v1.train.get_or_create_global_step()
        e = v1.get_variable("embedding", [10, 4], partitioner=v1.fixed_size_partitioner(3))
        saver = v1.train.Saver()
        with v1.Session() as sess:
            saver.restore(sess, prefix)
            np.testing.assert_array_equal(sess.run(k), kernel)
            assert sess.run(step) == 77
            np.testing.assert_array_equal(np.concatenate(sess.run(list(e)), axis=0), emb)


def test_tf2_checkpoint_restores_what_we_converted(tmp):
    """tf.train.Checkpoint writes; we convert V2 -> V2 (read every tensor, write anew); TF restores from ours."""
    ckpt = tf.train.Checkpoint(v=tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3)),
                               s=tf.Variable(3, dtype=tf.int64))
    path = ckpt.write(str(tmp / "tf2" / "ckpt"))
    out = str(tmp / "ours" / "ckpt")
    r = run_cli("convert", path, out, check=True)
    assert r.returncode == 0
    fresh = tf.train.Checkpoint(v=tf.Variable(np.zeros((2, 3), np.float32)), s=tf.Variable(0, dtype=tf.int64))
    fresh.read(out).assert_consumed()
    np.testing.assert_array_equal(fresh.v.numpy(), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert int(fresh.s.numpy()) == 3


def test_merge_matches_merge_v2_checkpoints(tmp):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 2)).astype(np.float32)
    parts = []
    for i, (names, specs, values) in enumerate((
        (["x/w", "p"], ["", "6 2 0,4:-"], [tf.constant([1.5, 2.5]), tf.constant(a[:4])]),
        (["y/b", "p", "z"], ["", "6 2 4,2:-", ""], [tf.constant([b"q"]), tf.constant(a[4:]), tf.constant(7)]),
    )):
        p = str(tmp / "src" / f"part-{i:05d}-of-00002")
        tf.raw_ops.SaveV2(prefix=p, tensor_names=names, shape_and_slices=specs, tensors=values)
        parts.append(p)
    for who in ("ours", "theirs"):
        shutil.copytree(tmp / "src", tmp / who / "model.ckpt_temp")
    ins = lambda who: [str(tmp / who / "model.ckpt_temp" / os.path.basename(p)) for p in parts]  # noqa: E731
    run_node_json("bundle-merge.mjs", str(tmp / "ours" / "model.ckpt"), *ins("ours"))
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=ins("theirs"), destination_prefix=str(tmp / "theirs" / "model.ckpt"),
                                  delete_old_dirs=True)
    assert sorted(os.listdir(tmp / "ours")) == sorted(os.listdir(tmp / "theirs"))
    for f in os.listdir(tmp / "theirs"):
        assert files_equal(tmp / "ours" / f, tmp / "theirs" / f), f
    values = tf_values(str(tmp / "ours" / "model.ckpt"))
    assert values["p"] == encode(a, tf.float32)


def test_sharded_saver_we_read(tmp):
    config = v1.ConfigProto(device_count={"CPU": 2})
    rng = np.random.default_rng(6)
    with tf.Graph().as_default():
        with tf.device("/cpu:0"):
            v1.get_variable("a", initializer=rng.standard_normal((5, 5)).astype(np.float32))
        with tf.device("/cpu:1"):
            v1.get_variable("b", initializer=rng.integers(0, 100, (7,)).astype(np.int64))
            v1.get_variable("p", [9, 2], initializer=v1.random_normal_initializer(seed=1),
                            partitioner=v1.fixed_size_partitioner(2))
        saver = v1.train.Saver(sharded=True)
        with v1.Session(config=config) as sess:
            sess.run(v1.global_variables_initializer())
            prefix = saver.save(sess, str(tmp / "model.ckpt"), write_meta_graph=False, write_state=False)
    assert len([f for f in os.listdir(tmp) if ".data-" in f]) == 2
    assert read_ours(prefix)["tensors"] == tf_values(prefix)


def test_v1_checkpoint_we_read(tmp):
    rng = np.random.default_rng(7)
    values = {"w": rng.standard_normal((64, 33)).astype(np.float32), "d": rng.standard_normal((5,)),
              "i": rng.integers(-1000, 1000, (4, 4)).astype(np.int32), "l": rng.integers(-2**40, 2**40, (3,)),
              "b": np.array([True, False, True])}
    with tf.Graph().as_default():
        vs = {k: v1.get_variable(k, initializer=v) for k, v in values.items()}
        v1.get_variable("part", [11, 3], initializer=v1.random_normal_initializer(seed=3),
                        partitioner=v1.fixed_size_partitioner(4))
        saver = v1.train.Saver(write_version=v1.train.SaverDef.V1)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            part = np.concatenate([sess.run(v) for v in sorted(
                (v for v in v1.global_variables() if v.op.name.startswith("part/")),
                key=lambda v: int(v.op.name.rsplit("_", 1)[1]))], axis=0)
            prefix = saver.save(sess, str(tmp / "model.ckpt"), write_meta_graph=False, write_state=False)
            for k, v in vs.items():
                np.testing.assert_array_equal(sess.run(v), values[k])
    got = read_ours(prefix)
    assert got["format"] == "v1"
    expect = {k: encode(v, tf.as_dtype(v.dtype)) for k, v in values.items()}
    expect["part"] = encode(part, tf.float32)
    assert got["tensors"] == expect
    # TensorFlow's own reader agrees on the unsliced ones.
    theirs = tf.train.load_checkpoint(prefix)
    for k, v in values.items():
        np.testing.assert_array_equal(theirs.get_tensor(k), v)
    # V1 in, V2 out: TensorFlow reads the converted checkpoint, the partitioned variable whole.
    v2 = str(tmp / "v2" / "model.ckpt")
    assert run_cli("convert", prefix, v2).returncode == 0
    assert tf_values(v2) == expect


def test_verify_passes_on_tf_files_and_fails_on_damage(tmp):
    tensors = random_tensors(11)
    prefix = str(tmp / "model.ckpt")
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=[n for n, _, _ in tensors], shape_and_slices=[""] * len(tensors),
                      tensors=[tf.constant(v, dtype=dt) for _, v, dt in tensors])
    assert run_cli("verify", prefix).returncode == 0
    data = prefix + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    raw[len(raw) // 2] ^= 0x04
    open(data, "wb").write(bytes(raw))
    r = run_cli("verify", prefix, "--json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert len(doc["problems"]) == 1 and doc["problems"][0]["code"] == "TENSOR_CHECKSUM"


def test_safetensors_both_ways(tmp):
    import safetensors
    import safetensors.numpy

    tensors = [(n, v, dt) for n, v, dt in random_tensors(13) if dt not in (tf.string, tf.complex128)]
    prefix = str(tmp / "tf" / "model.ckpt")
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=[n for n, _, _ in tensors], shape_and_slices=[""] * len(tensors),
                      tensors=[tf.constant(v, dtype=dt) for _, v, dt in tensors])
    st = str(tmp / "model.safetensors")
    assert run_cli("convert", prefix, st).returncode == 0
    # Python's safetensors reads ours: the Rust parser validates the whole header; bytes equal TensorFlow's values.
    with open(st, "rb") as f:
        loaded = dict(safetensors.deserialize(f.read()))
    assert sorted(loaded) == sorted(n for n, _, _ in tensors)
    for n, v, dt in tensors:
        item = loaded[n]
        assert list(item["shape"]) == list(np.shape(v)), n
        want = np.asarray(v).astype(np.asarray(v).dtype.newbyteorder("<")).tobytes()
        assert bytes(item["data"]) == want, n
    numpy_ok = {n: np.asarray(v) for n, v, dt in tensors if dt != tf.bfloat16}
    np_loaded = safetensors.numpy.load_file(st)
    for n, v in numpy_ok.items():
        np.testing.assert_array_equal(np_loaded[n], v)
        assert np_loaded[n].dtype == np.asarray(v).dtype
    # ... and back to a TensorFlow checkpoint: identical tensors.
    back = str(tmp / "back" / "model.ckpt")
    assert run_cli("convert", st, back).returncode == 0
    assert tf_values(back) == tf_values(prefix)
    # Python writes safetensors; we read it.
    theirs = str(tmp / "theirs.safetensors")
    safetensors.numpy.save_file(numpy_ok, theirs, metadata={"by": "python"})
    got = read_ours(theirs)
    assert got["format"] == "safetensors"
    assert got["tensors"] == {n: encode(v, dt) for n, v, dt in tensors if dt != tf.bfloat16}


def test_multi_block_index_bytes_match(tmp):
    """Enough entries for a .index of several 256 KiB blocks: separators, restarts and the final successor as TF's."""
    names = [f"tower_{i % 7}/layer_{i:05d}/a_fairly_long_scope_name_to_fill_blocks/kernel" for i in range(10000)]
    values = [tf.constant(np.float32(i)) if i % 3 else tf.constant([i, -i], tf.int64) for i in range(len(names))]
    spec = [{"name": n, **encode(v.numpy(), v.dtype)} for n, v in zip(names, values)]
    (tmp / "spec.json").write_text(json.dumps(spec))
    ours = str(tmp / "ours" / "model.ckpt")
    run_node_json("bundle-write.mjs", tmp / "spec.json", ours)
    theirs = str(tmp / "theirs" / "model.ckpt")
    tf.raw_ops.SaveV2(prefix=theirs, tensor_names=names, shape_and_slices=[""] * len(names), tensors=values)
    assert os.path.getsize(theirs + ".index") > 2 * 262144
    for suffix in (".index", ".data-00000-of-00001"):
        assert files_equal(ours + suffix, theirs + suffix), suffix
