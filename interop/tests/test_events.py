"""Live checks of @tensorgraft/events-writer against the pinned TensorBoard and TensorFlow, in one run.

We write -> TensorBoard's own loaders (plugin multiplexer + data provider, legacy EventAccumulator), TensorFlow's
summary_iterator and a real TensorBoard server (HTTP API and a headless chromium screenshot) read; TensorFlow writes
-> we read.
"""
import base64
import contextlib
import glob
import io
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from tensorboard import context
from tensorboard.backend.event_processing import data_provider, event_accumulator, plugin_event_multiplexer
from tensorboard.compat.proto import graph_pb2
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.histogram import summary_v2 as histogram_v2
from tensorboard.util import tensor_util

from conftest import REPO, run_cli, run_node_json

ARTIFACTS = os.path.join(REPO, "artifacts", "events")
VENV_BIN = os.path.join(REPO, "interop", ".venv", "bin")
KEEP_ALL = {p: 0 for p in ("scalars", "histograms", "images", "text", "hparams", "graphs")}


def f32(x):
    return float(np.float32(x))


def same(a, b):
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("events") / "logs")
    spec = run_node_json("events-write.mjs", logdir)
    return logdir, spec


@pytest.fixture(scope="module")
def provider(written):
    logdir, _ = written
    mux = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance=KEEP_ALL)
    mux.AddRunsFromDirectory(logdir)
    mux.Reload()
    return mux, data_provider.MultiplexerDataProvider(mux, logdir)


def expected_scalar(s):
    v = s["value"]
    return float(v) if isinstance(v, str) else f32(v)


def test_data_provider_reads_every_scalar(written, provider):
    _, spec = written
    _, dp = provider
    got = dp.read_scalars(context.RequestContext(), experiment_id="", plugin_name="scalars", downsample=10_000)
    run = got["train"]
    for tag in ("loss", "special"):
        want = [s for s in spec["scalars"] if s["tag"] == tag]
        have = run[tag]
        assert [d.step for d in have] == [s["step"] for s in want]
        assert all(same(d.value, expected_scalar(s)) for d, s in zip(have, want)), (tag, have)
    assert [d.wall_time for d in run["loss"]] == [s["wall_time"] for s in spec["scalars"] if s["tag"] == "loss"]
    # Legacy simple_value scalars, migrated by TensorBoard's data_compat.
    assert [(d.step, d.value) for d in run["old_style"]] == [(s["step"], s["value"]) for s in spec["legacy_scalars"]]
    assert [(d.step, d.value) for d in run["hparams/accuracy"]] == [(10, 0.875)]


def test_data_provider_reads_histograms(written, provider):
    _, spec = written
    _, dp = provider
    got = dp.read_tensors(context.RequestContext(), experiment_id="", plugin_name="histograms", downsample=100)["train"]
    h = spec["histograms"][0]
    (datum,) = got["weights"]
    assert datum.step == h["step"]
    # TensorBoard's own bucketing of the same data, compared exactly.
    reference = tensor_util.make_ndarray(histogram_v2.histogram_pb("w", h["data"], buckets=h["buckets"]).value[0].tensor)
    assert datum.numpy.shape == (h["buckets"], 3)
    np.testing.assert_array_equal(datum.numpy, reference)
    # The legacy HistogramProto, migrated by data_compat: same counts, min and max edges.
    (legacy,) = got["legacy_weights"]
    data = spec["legacy_histograms"][0]["data"]
    assert legacy.numpy[:, 2].sum() == len(data)
    assert legacy.numpy[0, 0] == f32(min(data)) and legacy.numpy[-1, 1] == f32(max(data))


def test_legacy_histogram_equals_tensorflow_cpp_histogram(written):
    logdir, spec = written
    data = spec["legacy_histograms"][0]["data"]
    acc = event_accumulator.EventAccumulator(os.path.join(logdir, "train"), size_guidance={"histograms": 0})
    acc.Reload()
    (ours,) = acc.Histograms("legacy_weights")
    with tf.Graph().as_default():
        ph = tf.compat.v1.placeholder(tf.float64, [None])
        op = tf.compat.v1.summary.histogram("h", ph)
        with tf.compat.v1.Session() as sess:
            theirs = tf.compat.v1.Summary.FromString(sess.run(op, {ph: data})).value[0].histo
    hv = ours.histogram_value
    assert (hv.min, hv.max, hv.num, hv.sum, hv.sum_squares) == (theirs.min, theirs.max, theirs.num, theirs.sum,
                                                                 theirs.sum_squares)
    assert list(hv.bucket_limit) == list(theirs.bucket_limit)
    assert list(hv.bucket) == list(theirs.bucket)


def test_data_provider_reads_images_text_graph(written, provider):
    _, spec = written
    _, dp = provider
    ctx = context.RequestContext()
    blobs = dp.read_blob_sequences(ctx, experiment_id="", plugin_name="images", downsample=100)["train"]["samples"]
    img = spec["images"][0]
    (datum,) = blobs
    assert datum.step == img["step"]
    values = [dp.read_blob(ctx, blob_key=ref.blob_key) for ref in datum.values]
    assert values[:2] == [str(img["width"]).encode(), str(img["height"]).encode()]
    per = img["height"] * img["width"] * img["channels"]
    assert len(values) == 2 + len(img["pixels"]) // per
    for i, png in enumerate(values[2:]):
        pixels = np.asarray(Image.open(io.BytesIO(png)))
        assert pixels.shape == (img["height"], img["width"], img["channels"])
        assert pixels.flatten().tolist() == img["pixels"][i * per:(i + 1) * per]
        # TensorFlow's own PNG decoder agrees.
        assert tf.io.decode_png(png).numpy().flatten().tolist() == img["pixels"][i * per:(i + 1) * per]

    texts = dp.read_tensors(ctx, experiment_id="", plugin_name="text", downsample=100)["train"]
    (t,) = texts["notes"]
    assert t.step == spec["texts"][0]["step"]
    assert t.numpy.item().decode("utf-8") == spec["texts"][0]["value"]

    graphs = dp.read_blob_sequences(ctx, experiment_id="", plugin_name="graphs", downsample=100)["train"]
    (g,) = graphs["__run_graph__"]
    graph = graph_pb2.GraphDef.FromString(dp.read_blob(ctx, blob_key=g.values[0].blob_key))
    assert [n.name for n in graph.node] == spec["graph_nodes"]
    assert [n.op for n in graph.node] == ["Placeholder", "Const", "MatMul"]
    assert list(graph.node[2].input) == ["x", "w"]


def test_hparams_in_the_same_run(written, provider):
    _, spec = written
    mux, _ = provider
    content = mux.SummaryMetadata("train", hparams_metadata.SESSION_START_INFO_TAG).plugin_data.content
    start = hparams_metadata.parse_session_start_info_plugin_data(content)
    got = {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind")) for k, v in start.hparams.items()}
    assert got == spec["hparams"]
    assert start.group_name == "g"
    content = mux.SummaryMetadata("train", hparams_metadata.EXPERIMENT_TAG).plugin_data.content
    experiment = hparams_metadata.parse_experiment_plugin_data(content)
    assert sorted(h.name for h in experiment.hparam_infos) == sorted(spec["hparams"])
    assert [m.name.tag for m in experiment.metric_infos] == list(spec["metrics"])


def test_summary_iterator_reads_the_file(written):
    _, spec = written
    events = list(tf.compat.v1.train.summary_iterator(spec["path"]))
    assert events[0].file_version == "brain.Event:2"
    tags = [v.tag for e in events for v in e.summary.value]
    assert tags.count("loss") == 50
    loss = [(e.step, tf.make_ndarray(v.tensor).item()) for e in events for v in e.summary.value if v.tag == "loss"]
    want = [(s["step"], s["value"]) for s in spec["scalars"] if s["tag"] == "loss"]
    assert loss == want
    assert sum(1 for e in events if e.graph_def) == 1


def test_cli_lists_the_values_tensorboard_reads(written, provider):
    logdir, _ = written
    _, dp = provider
    proc = run_cli("events", logdir, "--json", check=True)
    doc = json.loads(proc.stdout)
    tb = dp.read_scalars(context.RequestContext(), experiment_id="", plugin_name="scalars", downsample=10_000)["train"]
    for tag, data in tb.items():
        ours = [(v["step"], v["value"]) for v in doc["values"] if v["kind"] == "scalar" and v["tag"] == tag]
        assert len(ours) == len(data), tag
        assert all(s == d.step and same(v, d.value) for (s, v), d in zip(ours, data)), tag


def test_exit_without_close_keeps_all_10000_scalars(tmp):
    out = run_node_json("events-no-close.mjs", tmp / "run", 10_000)
    events = list(tf.compat.v1.train.summary_iterator(out["path"]))
    loss = [(e.step, tf.make_ndarray(v.tensor).item()) for e in events for v in e.summary.value]
    assert len(loss) == 10_000
    assert loss == [(i, i / 2) for i in range(10_000)]


def test_resumed_run_drops_orphaned_steps(tmp):
    logdir = tmp / "resumed"
    run_node_json("events-resume.mjs", logdir)
    want = [(s, float(s)) for s in range(5)] + [(s, float(100 + s)) for s in range(5, 8)]
    # The plugin loader behind the data provider.
    mux = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance=KEEP_ALL)
    mux.AddRun(str(logdir), "r")
    mux.Reload()
    dp = data_provider.MultiplexerDataProvider(mux, str(logdir))
    got = dp.read_scalars(context.RequestContext(), experiment_id="", plugin_name="scalars", downsample=100)["r"]
    assert [(d.step, d.value) for d in got["loss"]] == want
    assert "legacy" not in got or got["legacy"] == []
    # The legacy accumulator purges its scalars (it never purges tensors): the old run's simple_value at step 9 goes.
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    assert acc.Scalars("legacy") == []
    assert acc.Tags()["tensors"] == ["loss"]


def test_tensorflow_writes_we_read(tmp):
    logdir = str(tmp / "tf")
    writer = tf.summary.create_file_writer(logdir)
    image = (np.arange(2 * 2 * 3 * 4) * 9 % 256).astype(np.uint8).reshape(2, 2, 3, 4)
    with writer.as_default():
        for step, v in enumerate([0.5, float("nan"), float("inf"), -2.25]):
            tf.summary.scalar("s", v, step=step)
        tf.summary.histogram("h", [1.0, 2.0, 2.5, 9.0], step=4, buckets=3)
        tf.summary.image("i", image, step=5)
        tf.summary.text("t", "**x**", step=6)
    writer.close()
    values = run_node_json("events-read.mjs", logdir)
    scalars = [(v["step"], v["value"]) for v in values if v["kind"] == "scalar"]
    assert scalars == [(0, 0.5), (1, "NaN"), (2, "Infinity"), (3, -2.25)]
    (h,) = [v for v in values if v["kind"] == "histogram"]
    ref = tensor_util.make_ndarray(histogram_v2.histogram_pb("h", [1.0, 2.0, 2.5, 9.0], buckets=3).value[0].tensor)
    assert [[b["left"], b["right"], b["count"]] for b in h["value"]] == ref.tolist()
    (img,) = [v for v in values if v["kind"] == "image"]
    assert (img["value"]["width"], img["value"]["height"]) == (3, 2)
    decoded = [np.asarray(Image.open(io.BytesIO(base64.b64decode(p)))) for p in img["value"]["images"]]
    np.testing.assert_array_equal(np.stack(decoded), image)
    assert [v["value"] for v in values if v["kind"] == "text"] == ["**x**"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def wait_for(fn, seconds, what):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            result = fn()
            if result:
                return result
        except Exception as e:  # noqa: BLE001 - the server is still starting
            last = e
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("no chromium on PATH: run scripts/install-chromium.sh")


@contextlib.contextmanager
def tensorboard_server(logdir):
    """A real TensorBoard from the venv on 127.0.0.1 and a free port; always killed on the way out."""
    port = free_port()
    log = open(os.path.join(tempfile.gettempdir(), f"tensorboard-{port}.log"), "w+")
    server = subprocess.Popen(
        [os.path.join(VENV_BIN, "tensorboard"), "--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port),
         "--reload_interval", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
        log.close()


def test_tensorboard_server_drops_the_orphaned_steps_of_a_resumed_run(tmp):
    run_node_json("events-resume.mjs", tmp / "logs" / "resumed")
    want = [(s, float(s)) for s in range(5)] + [(s, 100.0 + s) for s in range(5, 8)]
    seen = []
    with tensorboard_server(tmp / "logs") as base:
        url = f"{base}/data/plugin/scalars/scalars?" + urllib.parse.urlencode({"run": "resumed", "tag": "loss"})

        def points():
            seen[:] = [(p[1], p[2]) for p in get_json(url)]
            return seen == want

        try:
            wait_for(points, 90, "the resumed run without its orphaned steps")
        except AssertionError as e:
            raise AssertionError(f"{e}; last seen {seen}") from None


def test_tensorboard_server_serves_our_scalars_and_hparams_and_draws_them(written):
    logdir, spec = written
    with tensorboard_server(logdir) as base:
        wait_for(lambda: "train" in get_json(f"{base}/data/runs"), 90, "the run to appear")
        url = f"{base}/data/plugin/scalars/scalars?" + urllib.parse.urlencode({"run": "train", "tag": "loss"})
        points = wait_for(lambda: (lambda p: p if len(p) == 50 else None)(get_json(url)), 60, "50 loss points")
        want = [s for s in spec["scalars"] if s["tag"] == "loss"]
        assert [p[1] for p in points] == [s["step"] for s in want]
        assert [p[2] for p in points] == [s["value"] for s in want]
        assert [p[0] for p in points] == [s["wall_time"] for s in want]

        # The graph tab's API: the GraphDef as text, our nodes in it.
        graph_url = f"{base}/data/plugin/graphs/graph?" + urllib.parse.urlencode({"run": "train", "conversions": "false"})
        with urllib.request.urlopen(graph_url, timeout=10) as r:
            graph_text = r.read().decode()
        for name in spec["graph_nodes"]:
            assert f'name: "{name}"' in graph_text
        assert 'op: "MatMul"' in graph_text

        # The hparams dashboard's API: our session, its values and its metric, from the same run.
        body = json.dumps({"experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS"],
                           "colParams": [], "startIndex": 0, "sliceSize": 10}).encode()
        request = urllib.request.Request(f"{base}/data/plugin/hparams/session_groups", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            groups = json.loads(r.read())["sessionGroups"]
        assert [g["name"] for g in groups] == ["g"]
        assert groups[0]["hparams"] == spec["hparams"]
        assert groups[0]["sessions"][0]["name"] == "train"
        metric = groups[0]["metricValues"][0]
        assert (metric["name"]["tag"], metric["value"], metric["trainingStep"]) == ("hparams/accuracy", 0.875, 10)

        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, "tensorboard-scalars.png")
        if os.path.exists(shot):
            os.remove(shot)
        profile = tempfile.mkdtemp(prefix="chromium-")
        try:
            subprocess.run(
                [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1400,1000",
                 "--virtual-time-budget=20000", f"{base}/#scalars"],
                capture_output=True, timeout=120, check=True,
            )
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
        assert pixels.shape == (1000, 1400, 3)
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200, "the screenshot is blank"
        # The run's series color (#ff7043) in the chart area (right of the run list, below the toolbar): a line
        # drawn across many columns and rows is the loss curve (a dot or a checkbox would not span them).
        curve = np.abs(pixels - np.array([0xFF, 0x70, 0x43])).sum(axis=2) < 40
        curve[:80] = False
        curve[:, :360] = False
        ys, xs = np.nonzero(curve)
        assert len(np.unique(xs)) > 150 and np.ptp(ys) > 100, f"no curve in {shot}"
