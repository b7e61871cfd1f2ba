// Static output shapes for `_output_shapes` (as_graph_def(add_shapes=True)). Covers the ops the builder makes; any other
// op, or an input whose shape is not known, gives an unknown-rank shape, which TensorFlow accepts on import.
import type { ShapeLike } from './attrs.js';
import { read, shapeFromProto, toNumber } from './attrs.js';
import type { Graph, NodeDef } from './graph.js';
import { topoOrder } from './graph-def.js';
import { parseInput } from './names.js';
import { opDefaults, outputCount } from './ops/op-registry.js';

const UNARY = new Set([
  'Identity',
  'StopGradient',
  'Snapshot',
  'Neg',
  'Square',
  'Sqrt',
  'Rsqrt',
  'Exp',
  'Log',
  'Abs',
  'Relu',
  'Relu6',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'LogSoftmax',
  'Floor',
  'ZerosLike',
  'OnesLike',
  'Cast',
  'PlaceholderWithDefault',
  'Assign',
  'AssignAdd',
  'AssignSub',
  'LogicalNot',
  'BiasAdd',
  'Erf',
  'Erfc',
  'CheckNumerics',
  'Elu',
  'Selu',
  'Softplus',
  'LeakyRelu',
  'Sign',
  'Reciprocal',
  'Sin',
  'Cos',
  'Log1p',
  'Expm1',
  'Round',
  'Ceil',
  'LRN',
]);
// control flow moves a tensor between frames and iterations unchanged
const PASS = new Set(['Enter', 'RefEnter', 'Exit', 'RefExit', 'NextIteration', 'RefNextIteration', 'LoopCond']);
const BINARY = new Set([
  'Add',
  'AddV2',
  'Sub',
  'Mul',
  'RealDiv',
  'Div',
  'Pow',
  'Maximum',
  'Minimum',
  'FloorDiv',
  'FloorMod',
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'LogicalAnd',
  'LogicalOr',
  'DivNoNan',
  'MulNoNan',
  'SquaredDifference',
]);
const BATCH_NORMS = new Set(['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']);

function broadcast(a: ShapeLike, b: ShapeLike): ShapeLike {
  if (a === null || b === null) return null;
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : x === -1 ? y : x);
  }
  return out;
}

function constValue(node: NodeDef | undefined): number[] | undefined {
  if (node?.op !== 'Const') return undefined;
  const t = read.tensor(node, 'value');
  if (t.tensor_content?.length) {
    const b = t.tensor_content;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: number[] = [];
    if (t.dtype === 3) for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getInt32(i, true));
    else if (t.dtype === 9) for (let i = 0; i + 8 <= b.length; i += 8) out.push(Number(dv.getBigInt64(i, true)));
    else return undefined;
    return out;
  }
  if (t.int_val?.length) return [...t.int_val];
  if (t.int64_val?.length) return t.int64_val.map(toNumber);
  return undefined;
}

/** One spatial output size (GetWindowedOutputSize): k is the dilated window, pads the EXPLICIT [before, after]. */
function convOut(size: number, k: number, stride: number, padding: string, pads?: [number, number]): number {
  if (size < 0 || k < 0) return -1;
  if (padding === 'EXPLICIT') return pads ? Math.floor((size + pads[0] + pads[1] - k) / stride) + 1 : -1;
  return padding === 'VALID' ? Math.ceil((size - k + 1) / stride) : Math.ceil(size / stride);
}

/**
 * Conv2D, DepthwiseConv2dNative, MaxPool and AvgPool in NHWC or NCHW, with dilations and EXPLICIT padding
 * (Conv2DShape, DepthwiseConv2DNativeShape, MaxPoolShape in TensorFlow's common_shape_fns.cc).
 */
function windowed(n: NodeDef, d: ReturnType<typeof opDefaults>, x: ShapeLike, w: ShapeLike): ShapeLike {
  const nchw = read.s(n, 'data_format', d) === 'NCHW';
  if (x?.length !== 4) return null;
  const [h, wi, c] = nchw ? [2, 3, 1] : [1, 2, 3];
  const s = read.listI(n, 'strides', d);
  const dl = read.has(n, 'dilations', d) ? read.listI(n, 'dilations', d) : [1, 1, 1, 1];
  const pad = read.s(n, 'padding', d);
  const ex = pad === 'EXPLICIT' ? read.listI(n, 'explicit_paddings', d) : [];
  let kh: number;
  let kw: number;
  let depth: number;
  if (n.op === 'Conv2D' || n.op === 'DepthwiseConv2dNative') {
    if (w?.length !== 4) return null;
    [kh, kw] = [w[0]!, w[1]!];
    depth = n.op === 'Conv2D' ? w[3]! : w[2]! < 0 || w[3]! < 0 ? -1 : w[2]! * w[3]!;
  } else {
    const k = read.listI(n, 'ksize', d);
    [kh, kw, depth] = [k[h]!, k[wi]!, x[c]!];
  }
  const eff = (k: number, dil: number) => (k < 0 ? -1 : (k - 1) * dil + 1);
  const pads = (axis: number): [number, number] | undefined =>
    ex.length === 8 ? [ex[2 * axis]!, ex[2 * axis + 1]!] : undefined;
  const oh = convOut(x[h]!, eff(kh, dl[h]!), s[h]!, pad, pads(h));
  const ow = convOut(x[wi]!, eff(kw, dl[wi]!), s[wi]!, pad, pads(wi));
  return nchw ? [x[0]!, depth, oh, ow] : [x[0]!, oh, ow, depth];
}

/** Output shapes per node (one entry per output). */
export function inferOutputShapes(graph: Graph): Map<string, ShapeLike[]> {
  const shapes = new Map<string, ShapeLike[]>();
  const of = (input: string): ShapeLike => {
    const r = parseInput(input);
    return shapes.get(r.node)?.[r.index] ?? null;
  };
  for (const n of topoOrder(graph.nodes)) {
    const count = outputCount(n) ?? 0;
    const data = n.input.filter((i) => !i.startsWith('^'));
    let out: ShapeLike[] = new Array<ShapeLike>(count).fill(null);
    try {
      out = inferOne(graph, n, data, of, count, shapes) ?? out;
    } catch {
      // a malformed attr leaves the shape unknown; running the node reports it
    }
    shapes.set(n.name, out);
  }
  return shapes;
}

function inferOne(
  graph: Graph,
  n: NodeDef,
  data: string[],
  of: (i: string) => ShapeLike,
  count: number,
  shapes: ReadonlyMap<string, ShapeLike[]>,
): ShapeLike[] | undefined {
  const d = opDefaults(n.op);
  const op = n.op;
  if (count === 0) return [];
  if (op === 'Placeholder') return [read.has(n, 'shape', d) ? read.shape(n, 'shape', d) : null];
  if (op === 'Const') return [shapeFromProto(read.tensor(n, 'value').tensor_shape)];
  if (op === 'VariableV2') return [read.shape(n, 'shape', d)];
  if (op === 'VarHandleOp' || op === 'VarIsInitializedOp' || op === 'IsVariableInitialized') return [[]];
  if (op === 'ReadVariableOp') {
    let h = graph.node(parseInput(data[0]!).node);
    // a handle entered into a loop
    while (h && PASS.has(h.op)) h = graph.node(parseInput(h.input[0]!).node);
    return [h?.op === 'VarHandleOp' ? read.shape(h, 'shape') : null];
  }
  if (UNARY.has(op) || PASS.has(op)) return [of(data[0]!)];
  if (op === 'Switch' || op === 'RefSwitch') return [of(data[0]!), of(data[0]!)];
  if (op === 'Merge' || op === 'RefMerge') {
    // a loop's Merge is met before its NextIteration: the inputs seen so far decide, if they agree
    const seen = data.filter((i) => shapes.has(parseInput(i).node)).map(of);
    const first = seen[0] ?? null;
    const same =
      first !== null && seen.every((s) => s !== null && s.length === first.length && s.every((d, k) => d === first[k]));
    return [same ? first : null, []];
  }
  if (op === 'StackPushV2') return [of(data[1]!)];
  if (BINARY.has(op)) return [broadcast(of(data[0]!), of(data[1]!))];
  if (op === 'AddN') return [of(data[0]!)];
  if (op === 'MatMul') {
    const a = of(data[0]!);
    const b = of(data[1]!);
    if (!a || !b) return [null];
    const ta = read.b(n, 'transpose_a', d);
    const tb = read.b(n, 'transpose_b', d);
    return [[ta ? a[1]! : a[0]!, tb ? b[0]! : b[1]!]];
  }
  if (op === 'Conv2D' || op === 'DepthwiseConv2dNative' || op === 'MaxPool' || op === 'AvgPool')
    return [windowed(n, d, of(data[0]!), data[1] ? of(data[1]) : null)];
  if (BATCH_NORMS.has(op)) {
    // y like x; the statistics are vectors of x's channel count (scale's length); V3's scratch unknown
    const x = of(data[0]!);
    const scale = of(data[1]!);
    const c = scale?.length === 1 ? scale : [-1];
    return [x, c, c, c, c, ...(count > 5 ? [null] : [])];
  }
  if (op === 'L2Loss') return [[]];
  if (op === 'ConcatV2') {
    // N values then the axis: the values' shape with the axis dimension summed (unknown if any is)
    const values = data.slice(0, -1).map(of);
    const axis = constValue(graph.node(parseInput(data[data.length - 1]!).node))?.[0];
    const first = values[0];
    if (!first || axis === undefined || values.some((v) => v?.length !== first.length)) return [null];
    const ax = axis < 0 ? axis + first.length : axis;
    return [
      first.map((_, k) => {
        const dims = values.map((v) => v![k]!);
        if (k === ax) return dims.every((x) => x >= 0) ? dims.reduce((a, b) => a + b, 0) : -1;
        return dims.find((x) => x >= 0) ?? -1;
      }),
    ];
  }
  if (op === 'Pad' || op === 'PadV2' || op === 'MirrorPad') {
    const x = of(data[0]!);
    const p = constValue(graph.node(parseInput(data[1]!).node));
    if (!x || p?.length !== 2 * x.length) return [null];
    return [x.map((d, k) => (d < 0 ? -1 : d + p[2 * k]! + p[2 * k + 1]!))];
  }
  if (op === 'Transpose') {
    const x = of(data[0]!);
    const perm = constValue(graph.node(parseInput(data[1]!).node));
    if (!x || perm?.length !== x.length) return [null];
    return [perm.map((p) => x[p] ?? -1)];
  }
  if (op === 'Reshape') {
    const v = constValue(graph.node(parseInput(data[1]!).node));
    if (!v) return [null];
    const x = of(data[0]!);
    const known = x?.every((s) => s >= 0) ? x.reduce((a, b) => a * b, 1) : -1;
    const rest = v.filter((s) => s >= 0).reduce((a, b) => a * b, 1);
    return [v.map((s) => (s === -1 && known >= 0 && rest > 0 ? known / rest : s))];
  }
  if (op === 'Shape') {
    const x = of(data[0]!);
    return [x ? [x.length] : [-1]];
  }
  if (op === 'Squeeze') {
    const x = of(data[0]!);
    const dims = read.listI(n, 'squeeze_dims', d);
    if (!x) return [null];
    const drop = new Set(dims.map((a) => (a < 0 ? a + x.length : a)));
    return [x.filter((s, i) => (drop.size ? !drop.has(i) : s !== 1))];
  }
  if (op === 'Sum' || op === 'Mean' || op === 'Max' || op === 'Min' || op === 'Prod') {
    const x = of(data[0]!);
    const axes = constValue(graph.node(parseInput(data[1]!).node));
    if (!x || !axes) return [null];
    const keep = read.b(n, 'keep_dims', d);
    const ax = new Set(axes.map((a) => (a < 0 ? a + x.length : a)));
    return [keep ? x.map((s, i) => (ax.has(i) ? 1 : s)) : x.filter((_, i) => !ax.has(i))];
  }
  if (op === 'SaveV2' || op === 'NoOp') return [];
  return undefined;
}
