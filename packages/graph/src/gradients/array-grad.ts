// Gradient functions of array ops, after python/ops/array_grad.py. Where TensorFlow returns IndexedSlices (GatherV2),
// the gradient here is the dense tensor they stand for (UnsortedSegmentSum), which is what applying them computes.
import { DataType } from '@tensorgraft/proto';
import { attr, read } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
import { opDefaults } from '../ops/op-registry.js';
import type { Emitter } from './emitter.js';
import { input, inputs, output } from './node-io.js';
import { sub } from './operators.js';
import type { GradFn } from './registry.js';

/** array_grad._ReshapeToInput. */
const reshapeToInput = (em: Emitter, op: NodeDef, g: string): string => em.reshape(g, em.shapeOf(input(op, 0)));

const pass: GradFn = (_em, _op, [g]) => [g!];

/** A zero gradient for each output that got none (as the gradient driver fills them). */
function filled(em: Emitter, op: NodeDef, grads: readonly (string | null)[]): string[] {
  return grads.map((g, k) => g ?? em.zerosLike(output(op, k)));
}

export const arrayGradients: Record<string, GradFn> = {
  UnsortedSegmentSum(em, op, [g]) {
    // _GatherDropNegatives: gather the gradient at each segment id, zero where the id is negative
    const ids = input(op, 1);
    const clipped = em.t('Maximum', [ids, em.zerosLikeOpt(ids)], {}, 'Maximum');
    const gathered = em.t('GatherV2', [g!, clipped, { value: 0 }], { batch_dims: attr.i(0) });
    const positive = em.t('GreaterEqual', [ids, { value: 0, dtype: em.dtype(ids) }]);
    const posShape = em.shapeOf(positive);
    const extra = em.t('Sub', [em.rankOf(gathered), em.rankOf(positive)], {}, 'sub');
    const ones = em.fill(
      em.t('Pack', [extra], { N: attr.i(1), axis: attr.i(0) }, 'ones/packed'),
      1,
      DataType.DT_INT32,
      'ones',
    );
    const bshape = em.t('ConcatV2', [posShape, ones, { value: 0 }], {}, 'concat');
    const reshaped = em.reshape(positive, bshape);
    const mask = em.t('LogicalAnd', [reshaped, em.onesLike(gathered, 'ones_like', DataType.DT_BOOL)], {}, 'and');
    return [em.t('SelectV2', [mask, gathered, em.zerosLikeOpt(gathered)]), null, null];
  },
  DynamicStitch(em, op, [g]) {
    const all = inputs(op);
    const n = all.length / 2;
    const idx = all.slice(0, n).map((t) => em.cast(t, DataType.DT_INT32));
    return [
      ...idx.map(() => null),
      ...idx.map((t) => em.t('GatherV2', [g!, t, { value: 0 }], { batch_dims: attr.i(0) })),
    ];
  },
  Identity: pass,
  Snapshot: pass,
  ReadVariableOp: pass,
  PlaceholderWithDefault: pass,
  IdentityN: (_em, _op, grads) => [...grads],
  CheckNumerics(em, op, [g]) {
    // array_grad formats the attr's bytes with %s: Python writes their repr, b'...'
    const text = `Not a number (NaN) or infinity (Inf) values detected in gradient. ${bytesRepr(op.attr.message?.s)}`;
    return [em.t('CheckNumerics', [g!], { message: attr.s(text) })];
  },
  PreventGradient(_em, op) {
    const message = op.attr.message?.s ? new TextDecoder().decode(op.attr.message.s) : '';
    throw new GraphError('UNSUPPORTED_OP', `gradient explicitly disabled (PreventGradient): ${message}`, {
      node: op.name,
    });
  },
  Reshape(em, op, [g]) {
    const x = input(op, 0);
    const s = em.shape(x);
    if (s !== null && !s.every((d) => d >= 0)) {
      const unknown = s.filter((d) => d < 0).length;
      if (unknown === 1 && !s.includes(0))
        return [em.reshape(g!, { value: s.map((d) => (d < 0 ? -1 : d)), shape: [s.length] }), null];
    }
    return [em.reshape(g!, em.shapeOf(x)), null];
  },
  Squeeze: (em, op, [g]) => [reshapeToInput(em, op, g!)],
  ExpandDims: (em, op, [g]) => [reshapeToInput(em, op, g!), null],
  Transpose(em, op, [g]) {
    const inv = em.t('InvertPermutation', [input(op, 1)]);
    return [em.t('Transpose', [g!, inv], {}, 'transpose'), null];
  },
  Pack(em, op, [g]) {
    const d = opDefaults('Pack');
    const n = read.i(op, 'N', d);
    const u = em.op('Unpack', [g!], { num: attr.i(n), axis: attr.i(read.i(op, 'axis', d)) }, 'unstack');
    return Array.from({ length: n }, (_, k) => `${u.name}:${k}`);
  },
  Unpack(em, op, grads) {
    const axis = read.i(op, 'axis', opDefaults('Unpack'));
    return [em.t('Pack', filled(em, op, grads), { axis: attr.i(axis) }, 'stack')];
  },
  ConcatV2(em, op, [g]) {
    const all = inputs(op);
    const values = all.slice(0, -1);
    if (values.length === 1) return [g!, null];
    const rank = em.rankOf(values[0]!);
    const dim = em.t('FloorMod', [all[all.length - 1]!, rank], {}, 'mod');
    const known = values.every((v) => em.fullyDefined(v));
    const sizes = known
      ? values.map((v) => em.shapeOf(v))
      : (() => {
          const sn = em.op('ShapeN', values, { out_type: attr.type(DataType.DT_INT32) });
          return values.map((_, k) => `${sn.name}:${k}`);
        })();
    const offsets = em.op('ConcatOffset', [dim, ...sizes]);
    return [...sizes.map((s, k) => em.t('Slice', [g!, `${offsets.name}:${k}`, s])), null];
  },
  Split(em, op, grads) {
    return [null, em.t('ConcatV2', [...filled(em, op, grads), input(op, 0)], {}, 'concat')];
  },
  SplitV(em, op, grads) {
    return [em.t('ConcatV2', [...filled(em, op, grads), input(op, 2)], {}, 'concat'), null, null];
  },
  MirrorPad: (em, op, [g]) => [em.t('MirrorPadGrad', [g!, input(op, 1)], { mode: op.attr.mode! }), null],
  ResizeBilinear: (em, op, [g]) => [
    em.t('ResizeBilinearGrad', [g!, input(op, 0)], resizeAttrs(op, 'ResizeBilinear')),
    null,
  ],
  ResizeNearestNeighbor(em, op, [g]) {
    // the image's static height and width when known (a Const `size` in the op's scope), else Shape[1:3]
    const s = em.shape(input(op, 0));
    const hw = s?.slice(1, 3);
    const size =
      hw && hw.length === 2 && hw.every((v) => v >= 0)
        ? { value: hw, shape: [2] }
        : em.pySlice(em.shapeOf(input(op, 0)), [1], [3], [1], {});
    return [em.t('ResizeNearestNeighborGrad', [g!, size], resizeAttrs(op, 'ResizeNearestNeighbor')), null];
  },
  ReverseV2: (em, op, [g]) => [em.t('ReverseV2', [g!, input(op, 1)]), null],
  Fill: (em, _op, [g]) => [null, em.reduceSum(g!, allAxes(em, g!))],
  BroadcastTo(em, op, [g]) {
    const x = input(op, 0);
    const xs = em.shapeOf(x);
    const target = em.constInts(input(op, 1));
    const bs = target ? em.constant(target, DataType.DT_INT32) : input(op, 1);
    const bga = em.op('BroadcastGradientArgs', [bs, xs]);
    return [em.reshape(em.reduceSum(g!, `${bga.name}:1`, true), xs), null];
  },
  Tile(em, op, [g]) {
    // reshape the gradient to [m0, d0, m1, d1, ...] and sum the even (tile) axes
    const x = input(op, 0);
    const multiples = input(op, 1);
    const shape = em.shapeOf(x);
    const stacked = em.pack([multiples, shape]);
    const t = em.scope('transpose', (scope) => {
      const perm = em.constant([1, 0], DataType.DT_INT32, 'perm');
      return `${em.create('Transpose', [stacked, perm], { T: attr.type(DataType.DT_INT32), Tperm: attr.type(DataType.DT_INT32) }, scope).name}:0`;
    });
    const split = em.reshape(t, { value: [-1], shape: [1] });
    const rank = em.shape(multiples)?.[0];
    const size = rank !== undefined && rank >= 0 ? em.constant(2 * rank, DataType.DT_INT32, 'Size') : em.sizeOf(split);
    const axes = em.t('Range', [{ value: 0 }, size, { value: 2 }], {}, 'range');
    return [em.reduceSum(em.reshape(g!, split), axes), null];
  },
  Slice(em, op, [g]) {
    const x = input(op, 0);
    const begin = input(op, 1);
    const rank = em.rankOf(x);
    const sliceSize = em.shapeOf(output(op));
    const shape = em.pack([rank, 1]);
    const before = em.reshape(begin, shape);
    const after = em.reshape(sub(em, sub(em, em.shapeOf(x), sliceSize), begin), shape);
    const paddings = em.t('ConcatV2', [before, after, { value: 1 }], {}, 'concat');
    return [em.t('Pad', [g!, paddings]), null, null];
  },
  StridedSlice(em, op, [g]) {
    const [x, begin, end, strides] = inputs(op) as [string, string, string, string];
    const d = opDefaults('StridedSlice');
    const masks = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'];
    const a: Record<string, ReturnType<typeof attr.i>> = {};
    for (const m of masks) a[m] = attr.i(read.i(op, m, d));
    // tensor_util.constant_value: known values are passed as numbers, made Consts inside the op's scope
    const lit = (t: string) => {
      const v = em.constInts(t);
      return v ? { value: v, shape: [v.length] } : t;
    };
    const shape = lit(em.shapeOf(x));
    return [em.t('StridedSliceGrad', [shape, lit(begin), lit(end), lit(strides), g!], a), null, null, null];
  },
  Pad: padGrad,
  PadV2: padGrad,
  ResourceGather: resourceGatherGrad,
  GatherV2(em, op, [g]) {
    const [params, indices, axis] = inputs(op) as [string, string, string];
    const ax = em.constInts(axis);
    if (ax?.[0] !== 0 || read.i(op, 'batch_dims', opDefaults('GatherV2')) !== 0)
      return [null, null, null].map((_, k) => (k === 0 ? gatherGradGeneral(em, op, g!) : null));
    const paramsShape = em.colocate(params, () => em.shapeOf(params));
    const size = em.t('ExpandDims', [em.sizeOf(indices), { value: 0, shape: [] }], {}, 'ExpandDims');
    const tail = em.pySlice(paramsShape, [1], [0], [1], { end_mask: 1 });
    const valuesShape = em.t('ConcatV2', [size, tail, { value: 0 }], {}, 'concat');
    const values = em.reshape(g!, valuesShape);
    const idx = em.reshape(indices, size);
    // IndexedSlices(values, idx, paramsShape) made dense
    const n = em.pySlice(paramsShape, [0], [1], [1], { shrink_axis_mask: 1 });
    return [em.t('UnsortedSegmentSum', [values, idx, n]), null, null];
  },
};

/**
 * resource_variable_ops._GatherGrad: IndexedSlices(values, indices, variable_shape(handle)), the shape a Const when the
 * VarHandleOp's shape is fully known (else a VariableShape op); made dense here with UnsortedSegmentSum, as GatherV2's.
 */
function resourceGatherGrad(em: Emitter, op: NodeDef, [g]: (string | null)[]): (string | null)[] {
  const [handle, indices] = inputs(op) as [string, string];
  if (read.i(op, 'batch_dims', opDefaults('ResourceGather')) !== 0)
    throw new GraphError('UNSUPPORTED_OP', 'the gradient of ResourceGather with batch_dims is not supported', {
      node: op.name,
    });
  const h = em.graph.node(parseInput(handle).node);
  const known = h?.op === 'VarHandleOp' ? read.shape(h, 'shape') : null;
  const paramsShape =
    known?.every((d) => d >= 0) === true
      ? em.constant(known, DataType.DT_INT32)
      : em.t('VariableShape', [handle], { out_type: attr.type(DataType.DT_INT32) });
  const size = em.t('ExpandDims', [em.sizeOf(indices), { value: 0, shape: [] }], {}, 'ExpandDims');
  const tail = em.pySlice(paramsShape, [1], [0], [1], { end_mask: 1 });
  const values = em.reshape(g!, em.t('ConcatV2', [size, tail, { value: 0 }], {}, 'concat'));
  const idx = em.reshape(indices, size);
  const n = em.pySlice(paramsShape, [0], [1], [1], { shrink_axis_mask: 1 });
  return [em.t('UnsortedSegmentSum', [values, idx, n]), null];
}

function allAxes(em: Emitter, t: string): { value: number[]; shape: number[] } | string {
  const s = em.shape(t);
  if (s) return { value: s.map((_, i) => i), shape: [s.length] };
  return em.t('Range', [{ value: 0 }, em.rankOf(t), { value: 1 }], {}, 'range');
}

function padGrad(em: Emitter, op: NodeDef, [g]: (string | null)[]): (string | null)[] {
  const x = input(op, 0);
  const a = input(op, 1);
  const stacked = em.pack([em.rankOf(x), 1]);
  const before = em.t('Slice', [a, { value: [0, 0], shape: [2] }, stacked]);
  const begin = em.reshape(before, { value: [-1], shape: [1] });
  const sizes = em.shapeOf(x);
  const xg = em.t('Slice', [g!, begin, sizes]);
  return inputs(op).length === 3 ? [xg, null, null] : [xg, null];
}

function gatherGradGeneral(_em: Emitter, op: NodeDef, _g: string): never {
  throw new GraphError('UNSUPPORTED_OP', 'the gradient of GatherV2 is supported on axis 0 with batch_dims 0 only', {
    node: op.name,
  });
}

function resizeAttrs(op: NodeDef, type: string): Record<string, ReturnType<typeof attr.b>> {
  const d = opDefaults(type);
  return {
    align_corners: attr.b(read.b(op, 'align_corners', d)),
    half_pixel_centers: attr.b(read.b(op, 'half_pixel_centers', d)),
  };
}

/** Python's repr() of a bytes value: b'...' (b"..." when it holds ' and no "), escapes as Python writes them. */
function bytesRepr(b: Uint8Array | null | undefined): string {
  const bytes = b ?? new Uint8Array();
  const q = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27;
  let out = '';
  for (const c of bytes) {
    if (c === 0x5c || c === q) out += `\\${String.fromCharCode(c)}`;
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `b${String.fromCharCode(q)}${out}${String.fromCharCode(q)}`;
}
