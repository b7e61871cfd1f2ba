"""Web pages read and write TensorFlow checkpoints in a real headless chromium.

Reading: TensorFlow writes the checkpoint (a small tensor to show and a 1 MiB one the page must not download) in this
run; examples/browser is bundled with esbuild for the browser (and checked to reach no Node built-in); a static server
with Range support, started here, serves the page and the checkpoint and counts the bytes it sends. The values the
page shows must equal TensorFlow's, and it must have fetched only the index and the tensor it shows.

Writing: examples/browser/write.html writes tensors of several dtypes as Blobs and saves a tfjs model with
tfCheckpointAt, then POSTs the files to this server; TensorFlow must read every tensor with the page's values, and
Keras must restore the model's checkpoint with the page's weights and predictions.
"""
import contextlib
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading

import numpy as np
import tensorflow as tf
from PIL import Image

from conftest import REPO

ARTIFACTS = os.path.join(REPO, "artifacts", "browser")
SHOWN = "shown/.ATTRIBUTES/VARIABLE_VALUE"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler plus single `bytes=a-b` ranges (it has none); counts the body bytes it sends."""

    sent = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        start, end = 0, size - 1
        if m:
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            if start >= size or end < start:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return None
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        f = open(path, "rb")
        f.seek(start)
        self._length = end - start + 1
        return f

    def do_POST(self):
        """POST /upload/<file name>: the body is stored under <root>/upload/ (how the write page hands files over)."""
        m = re.fullmatch(r"/upload/([A-Za-z0-9._-]+)", self.path)
        if not m:
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers["Content-Length"]))
        folder = os.path.join(self.directory, "upload")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, m.group(1)), "wb") as f:
            f.write(body)
        self.send_response(204)
        self.end_headers()

    def copyfile(self, source, outputfile):
        data = source.read(self._length)
        with RangeHandler.lock:
            RangeHandler.sent += len(data)
        outputfile.write(data)


@contextlib.contextmanager
def range_server(root):
    handler = lambda *a, **k: RangeHandler(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("no chromium on PATH: run scripts/install-chromium.sh")


def chromium(url, *extra):
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        return subprocess.run(
            [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=15000", *extra, url],
            capture_output=True, timeout=120, check=True, text=True,
        ).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dump_dom_once_settled(url, attempts=3):
    """The page's DOM once its status left "loading". Headless chromium's --dump-dom fires when its virtual-time
    budget runs out, and on a loaded machine that has happened before a page's module script ran (CI saw "loading"
    once, with no error): such a dump says nothing about the page, so it is taken again, up to `attempts` times."""
    for _ in range(attempts):
        RangeHandler.sent = 0  # the bytes of the dump that counts
        dom = chromium(url, "--dump-dom")
        if '<span id="status">loading</span>' not in dom:
            return dom
    return dom


def test_a_page_reads_one_tensor_of_a_tensorflow_checkpoint_over_http_ranges(tmp):
    root = tmp / "site"
    subprocess.run(["node", os.path.join(REPO, "examples", "browser", "build.mjs"), str(root)], check=True,
                   capture_output=True)
    check = subprocess.run(["node", os.path.join(REPO, "scripts", "check-browser-bundles.mjs"),
                            "examples/browser/main.ts"], capture_output=True, text=True, cwd=REPO)
    assert check.returncode == 0 and "browser-safe" in check.stdout, check.stdout + check.stderr

    rng = np.random.default_rng(15)
    ckpt = tf.train.Checkpoint(
        shown=tf.Variable(rng.standard_normal((3, 4)).astype(np.float32)),
        big=tf.Variable(rng.standard_normal((256, 1024)).astype(np.float32)),
    )
    prefix = ckpt.write(str(root / "ckpt" / "model.ckpt"))
    want = tf.train.load_variable(prefix, SHOWN)
    index_size = os.path.getsize(prefix + ".index")

    with range_server(root) as base:
        page = f"{base}/index.html?ckpt=ckpt/model.ckpt&tensor={SHOWN}"
        dom = dump_dom_once_settled(page)
        m = re.search(r'<pre id="out" data-bytes-read="(\d+)">([^<]*)</pre>', dom)
        assert m, f"the page showed no values: {dom}"
        assert '<span id="status">done</span>' in dom
        got = np.array(json.loads(m.group(2)), dtype=np.float32).reshape(want.shape)
        np.testing.assert_array_equal(got, want)
        # Only the index and the shown tensor's 48 bytes, not the 1 MiB one: by the page's count and the server's.
        bytes_read = int(m.group(1))
        assert bytes_read == index_size + want.nbytes
        checkpoint_bytes = RangeHandler.sent - sum(os.path.getsize(root / f) for f in ("index.html", "main.js"))
        assert checkpoint_bytes <= index_size + want.nbytes + 64 * 1024, checkpoint_bytes

        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, "checkpoint-page.png")
        if os.path.exists(shot):
            os.remove(shot)
        chromium(page, f"--screenshot={shot}", "--window-size=1000,500")
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape == (500, 1000, 3)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20, "the screenshot is blank"


def ramp(n):
    """The page's big tensor: quarters, exact in float32."""
    return (np.arange(n) % 1000).astype(np.float32) * np.float32(0.25) - np.float32(100)


def test_a_page_writes_checkpoints_that_tensorflow_reads(tmp):
    import keras
    root = tmp / "site"
    subprocess.run(["node", os.path.join(REPO, "examples", "browser", "build.mjs"), str(root)], check=True,
                   capture_output=True)
    # The packages' browser entries, writers included, reach no Node built-in (write.js also bundles tfjs, whose
    # Node-only code paths do, behind runtime checks).
    check = subprocess.run(["node", os.path.join(REPO, "scripts", "check-browser-bundles.mjs")],
                           capture_output=True, text=True, cwd=REPO)
    assert check.returncode == 0 and check.stdout.count("browser-safe") == 4, check.stdout + check.stderr

    with range_server(root) as base:
        dom = dump_dom_once_settled(f"{base}/write.html?upload=/upload/")
        assert '<span id="status">done</span>' in dom, dom[-2000:]
        shot = os.path.join(ARTIFACTS, "write-page.png")
        os.makedirs(ARTIFACTS, exist_ok=True)
        if os.path.exists(shot):
            os.remove(shot)
        chromium(f"{base}/write.html", f"--screenshot={shot}", "--window-size=1000,700")  # no second upload
    assert np.asarray(Image.open(shot).convert("RGB")).shape == (700, 1000, 3)
    shown = json.loads(re.search(r'<pre id="out">([^<]*)</pre>', dom).group(1).replace("&amp;", "&"))
    upload = root / "upload"
    for f in shown["files"]:
        assert os.path.getsize(upload / f["name"]) == f["bytes"], f

    # Every tensor the page wrote, read by TensorFlow's own reader.
    reader = tf.train.load_checkpoint(str(upload / "tensors.ckpt"))
    assert sorted(reader.get_variable_to_dtype_map().items()) == [
        ("big", tf.float32), ("counts", tf.int64), ("dense/kernel", tf.float32), ("global_step", tf.int64),
        ("scale", tf.float32), ("vocab", tf.string)]
    np.testing.assert_array_equal(
        reader.get_tensor("dense/kernel"),
        np.array([[1.5, -2, 3.25], [0, 1e-30, -7.125]], np.float32))
    big = reader.get_tensor("big")
    assert big.shape == ((3 << 18) + 2,) and big.nbytes > 3 * 2**20
    np.testing.assert_array_equal(big, ramp((3 << 18) + 2))
    step = reader.get_tensor("global_step")
    assert step.shape == () and int(step) == 2**53 + 1
    np.testing.assert_array_equal(reader.get_tensor("counts"), np.array([-1, 0, 2**40], np.int64))
    assert [v.decode("utf-8") for v in reader.get_tensor("vocab")] == ["h\u00e9llo", "tensorgraft", ""]
    scale = reader.get_tensor("scale")
    assert scale.shape == () and scale == np.float32(0.5)

    # The tfjs model saved in the page: Keras restores it, with the page's weights and predictions.
    inp = keras.Input((4,), name="x")
    h = keras.layers.Dense(3, activation="relu", name="d1")(inp)
    model = keras.Model(inp, keras.layers.Dense(2, name="d2")(h), name="mlp")
    tf.train.Checkpoint(model=model).restore(str(upload / "model.ckpt")).assert_existing_objects_matched()
    for w in model.weights:
        np.testing.assert_array_equal(w.numpy().reshape(-1), np.array(shown["weights"][w.path], np.float32),
                                      err_msg=w.path)
    assert not np.all(model.layers[1].kernel.numpy() == 0)
    preds = model.predict(np.array(shown["input"], np.float32).reshape(-1, 4), verbose=0).reshape(-1)
    np.testing.assert_allclose(preds, np.array(shown["prediction"], np.float32), rtol=1e-5, atol=1e-6)
