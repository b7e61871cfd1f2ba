// Binary decode, binary encode, text print and text parse of a 50k-node GraphDef: @tensorgraft/proto against Python
// protobuf (the version pinned in interop/.venv, upb backend), measured in the same run on the same files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, decodeView, encodeMessage, parseText, printText, tensorflow } from '@tensorgraft/proto';
import { printTable, type Row, runPython, timeMedian } from './_harness.js';

const NODES = 50_000;
const REPEATS = 7;

// Python builds the graph (so its bytes are TensorFlow's own serialization) and times its own protobuf.
const PY = `
import json, sys, time, statistics
from google.protobuf import text_format
from tensorflow.core.framework import graph_pb2, node_def_pb2, attr_value_pb2, types_pb2
out, n, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
g = graph_pb2.GraphDef()
g.versions.producer = 2100
ops = ["Const", "MatMul", "AddV2", "Relu", "Identity"]
for i in range(n):
    node = g.node.add()
    op = ops[i % len(ops)]
    node.name = f"block{i // 100}/layer{i % 100}/{op.lower()}"
    node.op = op
    if op != "Const" and i > 0:
        node.input.append(g.node[i - 1].name)
        if op in ("MatMul", "AddV2"):
            node.input.append(g.node[max(0, i - 2)].name + ":0")
    node.device = "/device:CPU:0" if i % 7 == 0 else ""
    node.attr["T"].type = types_pb2.DT_FLOAT
    if op == "Const":
        t = node.attr["value"].tensor
        t.dtype = types_pb2.DT_FLOAT
        t.tensor_shape.dim.add().size = 4
        t.float_val.extend([0.5 * i, 1.25, -3.0, 1e-3])
    if op == "MatMul":
        node.attr["transpose_a"].b = False
        node.attr["transpose_b"].b = (i % 2 == 0)
    node.attr["_output_shapes"].list.shape.add().dim.add().size = -1
binary = g.SerializeToString(deterministic=True)
text = text_format.MessageToString(g)
open(out + "/g.pb", "wb").write(binary)
open(out + "/g.pbtxt", "w").write(text)
def med(fn):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)
parsed = graph_pb2.GraphDef.FromString(binary)
def read_nodes():
    g = graph_pb2.GraphDef.FromString(binary)
    n = 0
    for node in g.node:
        n += len(node.name) + len(node.op) + len(node.input)
    return n
res = {
  "decode": med(lambda: graph_pb2.GraphDef.FromString(binary)),
  "read": med(read_nodes),
  "encode": med(lambda: parsed.SerializeToString(deterministic=True)),
  "print": med(lambda: text_format.MessageToString(parsed)),
  "parse": med(lambda: text_format.Parse(text, graph_pb2.GraphDef())),
  "bytes": len(binary), "text_bytes": len(text),
}
print(json.dumps(res))
`;

const dir = mkdtempSync(join(tmpdir(), 'tg-bench-proto-'));
try {
  const py = runPython<{
    decode: number;
    read: number;
    encode: number;
    print: number;
    parse: number;
    bytes: number;
    text_bytes: number;
  }>(PY, [dir, String(NODES), String(REPEATS)]);
  const binary = readFileSync(join(dir, 'g.pb'));
  const text = readFileSync(join(dir, 'g.pbtxt'), 'utf8');
  const graph = decodeMessage(tensorflow.GraphDef, binary);
  // Same output as Python, or the comparison means nothing.
  if (Buffer.compare(Buffer.from(encodeMessage(tensorflow.GraphDef, graph)), binary) !== 0)
    throw new Error('encode differs from Python');
  if (printText(tensorflow.GraphDef, graph) !== text) throw new Error('printText differs from Python');

  // Every node's name, op and inputs, read after decoding: what listing a graph costs.
  type NodeLike = { name?: string | null; op?: string | null; input?: readonly string[] | null };
  const readNodes = (g: { node: readonly NodeLike[] }) => {
    let n = 0;
    for (const node of g.node)
      n += (node.name as string).length + (node.op as string).length + (node.input as string[]).length;
    return n;
  };
  const ours = {
    view: await timeMedian(() => decodeView(tensorflow.GraphDef, binary), REPEATS),
    decode: await timeMedian(() => decodeMessage(tensorflow.GraphDef, binary), REPEATS),
    viewRead: await timeMedian(() => readNodes(decodeView(tensorflow.GraphDef, binary)), REPEATS),
    decodeRead: await timeMedian(() => readNodes(decodeMessage(tensorflow.GraphDef, binary)), REPEATS),
    encode: await timeMedian(() => encodeMessage(tensorflow.GraphDef, graph), REPEATS),
    print: await timeMedian(() => printText(tensorflow.GraphDef, graph), REPEATS),
    parse: await timeMedian(() => parseText(tensorflow.GraphDef, text), REPEATS),
  };
  console.log(
    `GraphDef: ${NODES} nodes, ${(py.bytes / 1e6).toFixed(2)} MB binary, ${(py.text_bytes / 1e6).toFixed(2)} MB text; ` +
      `median of ${REPEATS} runs each`,
  );
  // Python's FromString checks every byte and builds objects as they are read: decodeView is the like of it;
  // decodeMessage builds every object up front. Both are shown, alone and with every node's name/op/inputs read.
  const rows: Row[] = (
    [
      ['binary decode: decodeView', ours.view, py.decode],
      ['binary decode: decodeMessage (all objects)', ours.decode, py.decode],
      ['decode + read names/ops/inputs: decodeView', ours.viewRead, py.read],
      ['decode + read names/ops/inputs: decodeMessage', ours.decodeRead, py.read],
      ['binary encode', ours.encode, py.encode],
      ['text print', ours.print, py.print],
      ['text parse', ours.parse, py.parse],
    ] as const
  ).map(([what, ourMs, anchor]) => ({ what, ours: ourMs, anchor, unit: 'ms', anchorName: 'python-protobuf' }));
  printTable(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
