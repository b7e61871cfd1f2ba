// Binary decode, binary encode, text print and text parse of a 50k-node GraphDef: @tensorgraft/proto against Python
// protobuf (the version pinned in interop/.venv, upb backend), measured in the same run on the same files.
//
// The machine is shared and noisy, so the binary operations (a few ms each) run in ROUNDS alternating rounds: a
// Python process times its median of REPEATS, then this process times ours; the figure is the median of the rounds'
// medians, for both sides. Before each of our timings the heap is collected (outside the timing, when node runs with
// --expose-gc, as `pnpm bench` does), so one operation does not pay for the garbage the previous one left; Python
// frees its garbage as it goes (reference counting), inside its timings.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, decodeView, encodeMessage, parseText, printText, tensorflow } from '@tensorgraft/proto';
import { median, printTable, type Row, runPython, timeMedian } from './_harness.js';
import { HandEncoder } from './_proto-floor.js';

const NODES = 50_000;
const REPEATS = 7;
const ROUNDS = 5;

// Python builds the graph (so its bytes are TensorFlow's own serialization) and writes it, binary and text.
const PY_BUILD = `
import json, sys
from google.protobuf import text_format
from tensorflow.core.framework import graph_pb2, types_pb2
out, n = sys.argv[1], int(sys.argv[2])
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
open(out + "/g.pb", "wb").write(g.SerializeToString(deterministic=True))
open(out + "/g.pbtxt", "w").write(text_format.MessageToString(g))
print(json.dumps({"ok": True}))
`;

// Python times its protobuf on the files written above: the binary operations, or the (slow) text ones.
const PY_TIME = `
import json, sys, time, statistics
from google.protobuf import text_format
from tensorflow.core.framework import graph_pb2
out, repeats, which = sys.argv[1], int(sys.argv[2]), sys.argv[3]
binary = open(out + "/g.pb", "rb").read()
text = open(out + "/g.pbtxt").read()
parsed = graph_pb2.GraphDef.FromString(binary)
def med(fn):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)
def read_nodes():
    g = graph_pb2.GraphDef.FromString(binary)
    n = 0
    for node in g.node:
        n += len(node.name) + len(node.op) + len(node.input)
    return n
if which == "binary":
    res = {
      "decode": med(lambda: graph_pb2.GraphDef.FromString(binary)),
      "read": med(read_nodes),
      "encode": med(lambda: parsed.SerializeToString(deterministic=True)),
    }
else:
    res = {
      "print": med(lambda: text_format.MessageToString(parsed)),
      "parse": med(lambda: text_format.Parse(text, graph_pb2.GraphDef())),
    }
res["bytes"], res["text_bytes"] = len(binary), len(text)
print(json.dumps(res))
`;

type NodeLike = { name?: string | null; op?: string | null; input?: readonly string[] | null };
/** Every node's name, op and inputs, read after decoding: what listing a graph costs. */
function readNodes(g: { node: readonly NodeLike[] }): number {
  let n = 0;
  for (const node of g.node)
    n += (node.name as string).length + (node.op as string).length + (node.input as string[]).length;
  return n;
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
async function timeOurs(fn: () => unknown, repeats: number): Promise<number> {
  collect();
  return timeMedian(fn, repeats);
}

const dir = mkdtempSync(join(tmpdir(), 'tg-bench-proto-'));
try {
  runPython(PY_BUILD, [dir, String(NODES)]);
  const binary = readFileSync(join(dir, 'g.pb'));
  const text = readFileSync(join(dir, 'g.pbtxt'), 'utf8');
  const graph = decodeMessage(tensorflow.GraphDef, binary);
  // Same output as Python, or the comparison means nothing.
  if (Buffer.compare(Buffer.from(encodeMessage(tensorflow.GraphDef, graph)), binary) !== 0)
    throw new Error('encode differs from Python');
  if (printText(tensorflow.GraphDef, graph) !== text) throw new Error('printText differs from Python');
  const hand = new HandEncoder();
  if (Buffer.compare(Buffer.from(hand.encode(graph)), binary) !== 0)
    throw new Error('hand encoder differs from Python');

  const binaryOps = {
    view: () => decodeView(tensorflow.GraphDef, binary),
    decode: () => decodeMessage(tensorflow.GraphDef, binary),
    viewRead: () => readNodes(decodeView(tensorflow.GraphDef, binary)),
    decodeRead: () => readNodes(decodeMessage(tensorflow.GraphDef, binary)),
    encode: () => encodeMessage(tensorflow.GraphDef, graph),
    floor: () => hand.encode(graph),
  };
  type Py = { decode: number; read: number; encode: number; print: number; parse: number; bytes: number };
  const pyRounds: Py[] = [];
  const ourRounds: Record<keyof typeof binaryOps, number>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    pyRounds.push(runPython<Py>(PY_TIME, [dir, String(REPEATS), 'binary']));
    const ours = {} as Record<keyof typeof binaryOps, number>;
    for (const [name, fn] of Object.entries(binaryOps))
      ours[name as keyof typeof binaryOps] = await timeOurs(fn, REPEATS);
    ourRounds.push(ours);
  }
  const pyText = runPython<Py & { text_bytes: number }>(PY_TIME, [dir, String(REPEATS), 'text']);
  const ourText = {
    print: await timeOurs(() => printText(tensorflow.GraphDef, graph), REPEATS),
    parse: await timeOurs(() => parseText(tensorflow.GraphDef, text), REPEATS),
  };
  const py = (k: 'decode' | 'read' | 'encode') => median(pyRounds.map((r) => r[k]));
  const ours = (k: keyof typeof binaryOps) => median(ourRounds.map((r) => r[k]));
  console.log(
    `GraphDef: ${NODES} nodes, ${(pyText.bytes / 1e6).toFixed(2)} MB binary, ${(pyText.text_bytes / 1e6).toFixed(2)} ` +
      `MB text; binary: median of ${ROUNDS} alternating rounds of medians of ${REPEATS}; text: median of ${REPEATS}`,
  );
  // Python's FromString checks every byte and builds objects as they are read: decodeView is the like of it;
  // decodeMessage builds every object up front. Both are shown, alone and with every node's name/op/inputs read.
  const rows: Row[] = (
    [
      ['binary decode: decodeView', ours('view'), py('decode')],
      ['binary decode: decodeMessage (all objects)', ours('decode'), py('decode')],
      ['decode + read names/ops/inputs: decodeView', ours('viewRead'), py('read')],
      ['decode + read names/ops/inputs: decodeMessage', ours('decodeRead'), py('read')],
      ['binary encode', ours('encode'), py('encode')],
      ['binary encode: hand-written for this graph (JS floor)', ours('floor'), py('encode')],
      ['text print', ourText.print, pyText.print],
      ['text parse', ourText.parse, pyText.parse],
    ] as const
  ).map(([what, ourMs, anchor]) => ({ what, ours: ourMs, anchor, unit: 'ms', anchorName: 'python-protobuf' }));
  printTable(rows);
  const spread = (k: keyof typeof binaryOps, pk: 'decode' | 'read' | 'encode') =>
    `${k} ${ourRounds.map((r) => r[k].toFixed(1)).join('/')} vs ${pyRounds.map((r) => r[pk].toFixed(1)).join('/')}`;
  console.log(
    `rounds (ours vs python, ms): ${spread('view', 'decode')}; ${spread('encode', 'encode')}; ${spread('floor', 'encode')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
