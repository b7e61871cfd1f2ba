"""The programs of examples/ against TensorFlow: the checkpoint examples/tfjs-to-checkpoint.ts writes from a
TensorFlow.js model is restored by Keras (TensorFlow backend) through tf.train.Checkpoint, and the restored Keras model
predicts what the tfjs model printed. (scripts/pack-check.sh runs the same programs from packed tarballs.)"""
import json
import os
import subprocess

import numpy as np
import tensorflow as tf

from conftest import REPO


def run_example(name, *args):
    proc = subprocess.run(["node", os.path.join(REPO, "examples", "dist", f"{name}.js"), *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"example {name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def printed(stdout, label):
    line = next(l for l in stdout.splitlines() if l.startswith(f"{label}: "))
    return json.loads(line[len(label) + 2:])


def test_keras_restores_the_checkpoint_the_tfjs_example_writes(tmp):
    import keras
    out = run_example("tfjs-to-checkpoint", tmp)
    prefix = str(tmp / "model.ckpt")
    assert tf.train.latest_checkpoint(str(tmp)) == prefix
    # the example's model: Dense(8, relu) on 4 inputs, then Dense(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    tf.train.Checkpoint(model=model).restore(prefix).assert_existing_objects_matched()
    reader = tf.train.load_checkpoint(prefix)
    kernel = reader.get_tensor("model/_functional/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE")
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), kernel)
    assert not np.all(kernel == 0)
    x = np.array(printed(out, "input"), np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.array(printed(out, "prediction"), np.float32),
                               rtol=1e-5, atol=1e-6)
