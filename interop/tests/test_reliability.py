"""Live checks for issue 12's format, reader and CLI fixes, against the pinned TensorFlow and Python's safetensors:
names that are JavaScript object keys or start with NUL survive every path; outputs replace the path itself."""
import json
import os

import numpy as np
import tensorflow as tf

from conftest import run_cli, run_node_json

NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "\x00lead", "a/b", "na\u00efve"]


def save_v2(prefix, named):
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=[n for n, _ in named], shape_and_slices=[""] * len(named),
                      tensors=[tf.constant(v) for _, v in named])


def test_safetensors_names_round_trip_with_python(tmp):
    import safetensors
    import safetensors.numpy

    named = [(n, np.arange(i, i + 3, dtype=np.float32) * 0.5) for i, n in enumerate(NAMES)]
    prefix = str(tmp / "tf" / "model.ckpt")
    save_v2(prefix, named)
    st = str(tmp / "ours.safetensors")
    r = run_cli("convert", prefix, st)
    assert r.returncode == 0, r.stderr
    # Python's safetensors reads every name, __proto__ included, with TensorFlow's bytes.
    with open(st, "rb") as f:
        loaded = dict(safetensors.deserialize(f.read()))
    assert sorted(loaded) == sorted(NAMES)
    for n, v in named:
        assert bytes(loaded[n]["data"]) == v.astype("<f4").tobytes(), n
    # Python writes them; we read them all back.
    theirs = str(tmp / "theirs.safetensors")
    safetensors.numpy.save_file(dict(named), theirs)
    got = run_node_json("bundle-read.mjs", theirs)["tensors"]
    assert sorted(got) == sorted(NAMES)
    for n, v in named:
        assert got[n]["values"] == [float(x) for x in v], n
    # ... and converting back gives TensorFlow a checkpoint with the same tensors.
    back = str(tmp / "back" / "model.ckpt")
    assert run_cli("convert", theirs, back).returncode == 0
    reader = tf.train.load_checkpoint(back)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(NAMES)
    for n, v in named:
        np.testing.assert_array_equal(reader.get_tensor(n), v)


def test_metadata_name_is_refused(tmp):
    prefix = str(tmp / "tf" / "model.ckpt")
    save_v2(prefix, [("__metadata__", np.float32(1)), ("x", np.float32(2))])
    st = str(tmp / "out.safetensors")
    r = run_cli("convert", prefix, st)
    assert r.returncode == 1
    assert "INVALID_ARGUMENT" in r.stderr and "__metadata__" in r.stderr
    assert not os.path.exists(st)
    assert [f for f in os.listdir(tmp) if f.startswith("out.safetensors")] == []


def test_nul_led_name_is_listed_and_verified(tmp):
    prefix = str(tmp / "tf" / "model.ckpt")
    save_v2(prefix, [("\x00lead", np.float32([1, 2])), ("b", np.float32(3))])
    tf_names = sorted(tf.train.load_checkpoint(prefix).get_variable_to_shape_map())
    r = run_cli("ls", prefix, "--json")
    assert r.returncode == 0, r.stderr
    assert sorted(t["name"] for t in json.loads(r.stdout)["tensors"]) == tf_names == ["\x00lead", "b"]
    v = run_cli("verify", prefix, "--json")
    assert v.returncode == 0 and json.loads(v.stdout)["tensors"] == 2
    # Damage the NUL-named tensor's bytes: verify names it.
    data = prefix + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    raw[0] ^= 0x01
    open(data, "wb").write(bytes(raw))
    v = run_cli("verify", prefix, "--json")
    assert v.returncode == 1
    assert [p["name"] for p in json.loads(v.stdout)["problems"]] == ["\x00lead"]
