// Gradient functions of math ops, after python/ops/math_grad.py: the same ops, in the same order, with the names
// Python's wrappers give them (`Mul` from math_ops.multiply, `mul` from the * operator, `truediv` from /, `Neg` from
// unary minus), and the same static-shape shortcuts (a Const shape when fully known, no reduction when shapes match).
import { DataType } from '@tensorgraft/proto';
import { attr, read } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { opDefaults } from '../ops/op-registry.js';
import { type Arg, type Emitter, out } from './emitter.js';
import type { GradFn } from './registry.js';

const input = (op: NodeDef, k: number): string => {
  const i = op.input.filter((s) => !s.startsWith('^'))[k]!;
  return i.includes(':') ? i : `${i}:0`;
};
const output = (op: NodeDef, k = 0): string => `${op.name}:${k}`;

// operators (python/ops/math_ops.py binary_op_wrapper): a scalar operand becomes a Const `x` or `y` in the op's scope
export const mul = (em: Emitter, a: string | number, b: string | number, name = 'mul'): string =>
  em.t('Mul', [lit(em, a, b), lit(em, b, a)], {}, name);
export const add = (em: Emitter, a: string | number, b: string | number, name = 'add'): string =>
  em.t('AddV2', [lit(em, a, b), lit(em, b, a)], {}, name);
export const sub = (em: Emitter, a: string | number, b: string | number, name = 'sub'): string =>
  em.t('Sub', [lit(em, a, b), lit(em, b, a)], {}, name);
export const truediv = (em: Emitter, a: string, b: string, name = 'truediv'): string =>
  em.t('RealDiv', [a, b], {}, name);
export const neg = (em: Emitter, a: string, name = 'Neg'): string => em.t('Neg', [a], {}, name);

function lit(em: Emitter, v: string | number, other: string | number): string | { value: number; dtype: number } {
  if (typeof v === 'string') return v;
  return { value: v, dtype: em.dtype(other as string) };
}

/** math_grad._ShapesFullySpecifiedAndEqual. */
function shapesEqual(em: Emitter, x: string, y: string, grad: string): boolean {
  const sx = em.fullyDefined(x);
  const sy = em.shape(y);
  const sg = em.shape(grad);
  const same = (a: readonly number[] | null, b: readonly number[] | null) =>
    a !== null && b !== null && a.length === b.length && a.every((d, i) => d === b[i]);
  return sx !== null && same(sx, sy) && same(sx, sg);
}

/** math_grad._InferGradientReductionAxes on static shapes; null when a dim that matters is unknown. */
function inferAxes(em: Emitter, x: string, y: string): [number[], number[]] | null {
  const xs = em.shape(x);
  const ys = em.shape(y);
  if (!xs || !ys) return null;
  const r = Math.max(xs.length, ys.length);
  const xa: number[] = [];
  const ya: number[] = [];
  for (let a = 0; a < r; a++) {
    const xd = a < r - xs.length ? 1 : xs[a - (r - xs.length)]!;
    const yd = a < r - ys.length ? 1 : ys[a - (r - ys.length)]!;
    if (xd === 1 && yd !== 1) xa.push(a);
    else if (yd === 1 && xd !== 1) ya.push(a);
    else if (xd < 0 || yd < 0) return null;
  }
  return [xa, ya];
}

/** math_grad._ReduceGradientArgs: sum each gradient over its broadcast axes and reshape it to its input's shape. */
export function reduceGradientArgs(
  em: Emitter,
  x: string,
  y: string,
  gx: string | null,
  gy: string | null,
): [string | null, string | null] {
  if (gx === null && gy === null) return [gx, gy];
  const xShape = em.shapeOf(x);
  const yShape = em.shapeOf(y);
  const axes = inferAxes(em, x, y);
  let xAxes: string | number[];
  let yAxes: string | number[];
  let xMust = true;
  let yMust = true;
  if (axes === null) {
    const bga = em.op('BroadcastGradientArgs', [xShape, yShape]);
    xAxes = `${bga.name}:0`;
    yAxes = `${bga.name}:1`;
  } else {
    [xAxes, yAxes] = axes;
    const xr = em.shape(x)!.length;
    const yr = em.shape(y)!.length;
    xMust = xAxes.length > 0 || xr < yr;
    yMust = yAxes.length > 0 || yr < xr;
  }
  const reduce = (g: string | null, shape: string, ax: string | number[], must: boolean) => {
    if (g === null || !must) return g;
    const s = em.reduceSum(g, typeof ax === 'string' ? ax : { value: ax, shape: [ax.length] }, true);
    return em.reshape(s, shape);
  };
  return [reduce(gx, xShape, xAxes, xMust), reduce(gy, yShape, yAxes, yMust)];
}

const withGrad = <T>(em: Emitter, g: string, fn: () => T): T => em.controlDependencies([g], fn);

export const mathGradients: Record<string, GradFn> = {
  AddN: (_em, op, [g]) => op.input.filter((i) => !i.startsWith('^')).map(() => g!),
  Add: addGrad,
  AddV2: addGrad,
  Sub(em, op, [g]) {
    const x = input(op, 0);
    const y = input(op, 1);
    if (shapesEqual(em, x, y, g!)) return [g!, neg(em, g!)];
    return reduceGradientArgs(em, x, y, g!, neg(em, g!));
  },
  Mul(em, op, [g]) {
    const x = input(op, 0);
    const y = input(op, 1);
    const d = em.dtype(g!);
    if (shapesEqual(em, x, y, g!) && (d === DataType.DT_INT32 || d === DataType.DT_FLOAT))
      return [em.t('Mul', [g!, y]), em.t('Mul', [g!, x])];
    const gx = em.t('Mul', [g!, y]);
    const gy = em.t('Mul', [x, g!]);
    return reduceGradientArgs(em, x, y, gx, gy);
  },
  RealDiv: divGrad('RealDiv'),
  Div: divGrad('RealDiv'),
  Neg: (em, _op, [g]) => [neg(em, g!)],
  Abs: (em, op, [g]) => [mul(em, g!, em.t('Sign', [input(op, 0)]))],
  Sign: (em, op) => [em.zerosLikeOpt(input(op, 0))],
  Reciprocal: (em, op, [g]) => [em.t('ReciprocalGrad', [output(op), g!])],
  Square(em, op, [g]) {
    const x = input(op, 0);
    return withGrad(em, g!, () => {
      const two = em.constant(2, em.dtype(x));
      return [em.t('Mul', [g!, em.t('Mul', [x, two])])];
    });
  },
  Sqrt: (em, op, [g]) => [em.t('SqrtGrad', [output(op), g!])],
  Rsqrt: (em, op, [g]) => [em.t('RsqrtGrad', [output(op), g!])],
  Exp: (em, op, [g]) => withGrad(em, g!, () => [mul(em, g!, output(op))]),
  Expm1: (em, op, [g]) => withGrad(em, g!, () => [mul(em, g!, em.t('Exp', [input(op, 0)]))]),
  Log: (em, op, [g]) => withGrad(em, g!, () => [mul(em, g!, em.t('Reciprocal', [input(op, 0)]))]),
  Log1p: (em, op, [g]) => withGrad(em, g!, () => [mul(em, g!, em.t('Reciprocal', [add(em, 1, input(op, 0))]))]),
  Tanh: (em, op, [g]) => withGrad(em, g!, () => [em.t('TanhGrad', [output(op), g!])]),
  Sigmoid: (em, op, [g]) => withGrad(em, g!, () => [em.t('SigmoidGrad', [output(op), g!])]),
  Sin: (em, op, [g]) => withGrad(em, g!, () => [mul(em, g!, em.t('Cos', [input(op, 0)]))]),
  Cos: (em, op, [g]) => withGrad(em, g!, () => [mul(em, neg(em, g!), em.t('Sin', [input(op, 0)]))]),
  Erf(em, op, [g]) {
    const x = input(op, 0);
    const c = em.constant(2 / Math.sqrt(Math.PI), em.dtype(g!));
    return withGrad(em, g!, () => [mul(em, mul(em, g!, c), em.t('Exp', [neg(em, em.t('Square', [x]))]))]);
  },
  Pow(em, op, [g]) {
    const x = input(op, 0);
    const y = input(op, 1);
    const gx = mul(em, mul(em, g!, y), em.t('Pow', [x, sub(em, y, 1)]));
    const mask = em.t('Greater', [x, { value: 0, dtype: em.dtype(x) }], {}, 'Greater');
    // array_ops.where with x and y: the v1 Select op
    const safeX = em.t('Select', [mask, x, em.onesLike(x)]);
    const logX = em.t('Select', [mask, em.t('Log', [safeX]), em.zerosLikeOpt(x)]);
    const gy = mul(em, mul(em, g!, output(op)), logX);
    return reduceGradientArgs(em, x, y, gx, gy);
  },
  Maximum: maxMinGrad('GreaterEqual'),
  Minimum: maxMinGrad('LessEqual'),
  SquaredDifference(em, op, [g]) {
    const x = input(op, 0);
    const y = input(op, 1);
    // math_ops.scalar_mul(2.0, grad): the scalar is a Const `scalar`, the product a `Mul`
    const xg = withGrad(em, g!, () => {
      const scaled = em.t('Mul', [em.constant(2, em.dtype(g!), 'scalar'), g!]);
      return mul(em, scaled, sub(em, x, y));
    });
    if (shapesEqual(em, x, y, g!)) return [xg, neg(em, xg)];
    return reduceGradientArgs(em, x, y, xg, neg(em, xg));
  },
  Select(em, op, [g]) {
    const c = input(op, 0);
    const zeros = em.zerosLikeOpt(input(op, 1));
    return [null, em.t('Select', [c, g!, zeros]), em.t('Select', [c, zeros, g!])];
  },
  SelectV2(em, op, [g]) {
    const c = input(op, 0);
    const z = output(op);
    const zeros = em.constant(0, em.dtype(g!), 'zeros');
    const gx = em.t('SelectV2', [c, g!, zeros]);
    const gy = em.t('SelectV2', [c, zeros, g!]);
    return [
      null,
      reduceGradientArgs(em, input(op, 1), z, gx, null)[0],
      reduceGradientArgs(em, input(op, 2), z, gy, null)[0],
    ];
  },
  MatMul(em, op, [g]) {
    const d = opDefaults('MatMul');
    const ta = read.b(op, 'transpose_a', d);
    const tb = read.b(op, 'transpose_b', d);
    const a = input(op, 0);
    const b = input(op, 1);
    const mm = (p: string, q: string, tA: boolean, tB: boolean, which: 'grad_a' | 'grad_b') =>
      em.t('MatMul', [p, q], { transpose_a: attr.b(tA), transpose_b: attr.b(tB), [which]: attr.b(true) });
    if (!ta && !tb) return [mm(g!, b, false, true, 'grad_a'), mm(a, g!, true, false, 'grad_b')];
    if (!ta && tb) return [mm(g!, b, false, false, 'grad_a'), mm(g!, a, true, false, 'grad_b')];
    if (ta && !tb) return [mm(b, g!, false, true, 'grad_a'), mm(a, g!, false, false, 'grad_b')];
    return [mm(b, g!, true, true, 'grad_a'), mm(g!, a, true, true, 'grad_b')];
  },
  BatchMatMulV2(em, op, [g]) {
    const d = opDefaults('BatchMatMulV2');
    const ax = read.b(op, 'adj_x', d);
    const ay = read.b(op, 'adj_y', d);
    const x = input(op, 0);
    const y = input(op, 1);
    // math_ops.matmul on rank > 2 tensors: BatchMatMulV2 named `MatMul`
    const mm = (p: string, q: string, a: boolean, b: boolean, which: 'grad_x' | 'grad_y') =>
      em.t('BatchMatMulV2', [p, q], { adj_x: attr.b(a), adj_y: attr.b(b), [which]: attr.b(true) }, 'MatMul');
    let gx: string;
    let gy: string;
    if (!ax && !ay) [gx, gy] = [mm(g!, y, false, true, 'grad_x'), mm(x, g!, true, false, 'grad_y')];
    else if (!ax) [gx, gy] = [mm(g!, y, false, false, 'grad_x'), mm(g!, x, true, false, 'grad_y')];
    else if (!ay) [gx, gy] = [mm(y, g!, false, true, 'grad_x'), mm(x, g!, false, false, 'grad_y')];
    else [gx, gy] = [mm(y, g!, true, true, 'grad_x'), mm(g!, x, true, true, 'grad_y')];
    const sx = em.shape(x);
    const sy = em.shape(y);
    const batchX = sx?.slice(0, -2);
    const batchY = sy?.slice(0, -2);
    const mayHaveBatch = sx === null || sx.length > 2 || sy === null || sy.length > 2;
    const match =
      batchX !== undefined &&
      batchY !== undefined &&
      batchX.every((v) => v >= 0) &&
      batchY.every((v) => v >= 0) &&
      batchX.length === batchY.length &&
      batchX.every((v, i) => v === batchY[i]);
    if (!mayHaveBatch || match) return [gx, gy];
    // broadcast batch dimensions: sum each gradient over the axes its input was broadcast along
    const shx = em.shapeOf(x);
    const shy = em.shapeOf(y);
    const head = (t: string) => em.pySlice(t, [0], [-2], [1], { begin_mask: 1 });
    const bga = em.op('BroadcastGradientArgs', [head(shx), head(shy)]);
    return [em.reshape(em.reduceSum(gx, `${bga.name}:0`), shx), em.reshape(em.reduceSum(gy, `${bga.name}:1`), shy)];
  },
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
    const all = op.input.filter((i) => !i.startsWith('^')).map((i) => (i.includes(':') ? i : `${i}:0`));
    const n = all.length / 2;
    const idx = all.slice(0, n).map((t) => em.cast(t, DataType.DT_INT32));
    return [
      ...idx.map(() => null),
      ...idx.map((t) => em.t('GatherV2', [g!, t, { value: 0 }], { batch_dims: attr.i(0) })),
    ];
  },
  Sum: (em, op, [g]) => [sumGrad(em, op, g!), null],
  Mean(em, op, [g]) {
    const sumG = sumGrad(em, op, g!);
    const inS = em.fullyDefined(input(op, 0));
    const outS = em.fullyDefined(output(op));
    let factor: string;
    if (inS && outS) {
      const f = Math.floor(
        inS.reduce((a, b) => a * b, 1) /
          Math.max(
            outS.reduce((a, b) => a * b, 1),
            1,
          ),
      );
      factor = em.constant(f, em.dtype(sumG));
    } else {
      const shape = em.shapeOf(input(op, 0));
      const rank = em.sizeOf(shape);
      const axes = em.cast(input(op, 1), DataType.DT_INT32);
      const mod = em.t('FloorMod', [add(em, axes, rank), rank], {}, 'mod');
      const gathered = em.t('GatherV2', [shape, mod, { value: 0 }], { batch_dims: attr.i(0) });
      // reduce_prod with no axis: a Const range over the (known) rank, made before the Prod's scope
      const all = em.constant([0], DataType.DT_INT32);
      factor = em.t('Prod', [gathered, all], { keep_dims: attr.b(false) });
      return [truediv(em, sumG, em.cast(factor, em.dtype(sumG))), null];
    }
    return [truediv(em, sumG, factor), null];
  },
  Prod(em, op, [g]) {
    // math_grad._ProdGrad: products of everything before and after each element along the reduced axes (two
    // exclusive cumprods), so zeros in the input need no division
    const x = input(op, 0);
    const axes = input(op, 1);
    const i32 = DataType.DT_INT32;
    const inputShape = em.shapeOf(x);
    const flatAxes = em.reshape(axes, { value: [-1], shape: [1] });
    let grad = g!;
    if (!read.b(op, 'keep_dims', opDefaults('Prod'))) grad = em.reshape(grad, reducedShape(em, inputShape, axes));
    grad = em.t('BroadcastTo', [grad, inputShape]);
    const [perm, reducedNum, otherNum] = em.graph.withDevice('/device:CPU:0', () => {
      const rank = em.rankOf(x);
      const reduced = em.t('FloorMod', [add(em, em.cast(flatAxes, i32), rank), rank], {}, 'mod');
      const idx = em.t('Range', [{ value: 0 }, rank, { value: 1 }], {}, 'range');
      const other = `${em.op('ListDiff', [idx, reduced], { out_idx: attr.type(i32) }).name}:0`;
      const p = em.t('ConcatV2', [reduced, other, { value: 0 }], {}, 'concat');
      const prodOf = (t: string) => {
        const gathered = em.t('GatherV2', [inputShape, t, { value: 0 }], { batch_dims: attr.i(0) });
        return em.t('Prod', [gathered, em.constant([0], i32)], { keep_dims: attr.b(false) });
      };
      return [p, prodOf(reduced), prodOf(other)];
    });
    const permuted = em.t('Transpose', [x, perm], {}, 'transpose');
    const permutedShape = em.shapeOf(permuted);
    // reshape(permuted, (reduced_num, other_num)): the pair is packed as `shape` inside the Reshape's scope
    const reshaped = em.scope('Reshape', (scope) => {
      const shape2 = em.pack([reducedNum, otherNum], 'shape');
      return out(
        em.create('Reshape', [permuted, shape2], { T: attr.type(em.dtype(permuted)), Tshape: attr.type(i32) }, scope),
      );
    });
    const cumprod = (reverse: boolean) =>
      em.t('Cumprod', [reshaped, { value: 0, shape: [] }], { exclusive: attr.b(true), reverse: attr.b(reverse) });
    const y = em.reshape(mul(em, cumprod(false), cumprod(true)), permutedShape);
    const back = em.t('Transpose', [y, em.t('InvertPermutation', [perm])], {}, 'transpose');
    return [em.reshape(mul(em, grad, back), inputShape), null];
  },
  Einsum: einsumGrad,
  // second derivatives: the gradients of the backprop ops the first gradient made
  TanhGrad: (em, op, [g]) =>
    withGrad(em, g!, () => {
      const [a, b] = [input(op, 0), input(op, 1)];
      return [mul(em, mul(em, mul(em, g!, -2), b), a), em.t('TanhGrad', [a, g!])];
    }),
  SigmoidGrad: (em, op, [g]) =>
    withGrad(em, g!, () => {
      const [a, b] = [input(op, 0), input(op, 1)];
      const gb = mul(em, g!, b);
      return [sub(em, gb, mul(em, mul(em, 2, gb), a)), em.t('SigmoidGrad', [a, g!])];
    }),
  SqrtGrad(em, op, [g]) {
    const a = input(op, 0);
    const y = output(op);
    return withGrad(em, g!, () => {
      const ga = truediv(em, g!, a);
      return [mul(em, neg(em, ga), y), mul(em, 0.5, ga)];
    });
  },
  RsqrtGrad: (em, op, [g]) =>
    withGrad(em, g!, () => {
      const [a, b] = [input(op, 0), input(op, 1)];
      const gradA = mul(em, mul(em, mul(em, -1.5, g!), b), em.t('Square', [a]));
      return [gradA, em.t('RsqrtGrad', [a, g!])];
    }),
  ReciprocalGrad: (em, op, [g]) =>
    withGrad(em, g!, () => {
      const [a, b] = [input(op, 0), input(op, 1)];
      return [mul(em, mul(em, mul(em, g!, -2), b), a), em.t('ReciprocalGrad', [a, g!])];
    }),
  Max: minMaxGrad,
  Min: minMaxGrad,
  Cast(em, op, [g]) {
    const floats: ReadonlySet<number> = new Set<number>([
      DataType.DT_HALF,
      DataType.DT_FLOAT,
      DataType.DT_DOUBLE,
      DataType.DT_BFLOAT16,
    ]);
    const src = read.type(op, 'SrcT');
    const dst = read.type(op, 'DstT');
    if (floats.has(src) && floats.has(dst)) return [em.cast(g!, src)];
    return [null];
  },
  Cumsum(em, op, [g]) {
    const d = opDefaults('Cumsum');
    return [
      em.t('Cumsum', [g!, input(op, 1)], {
        exclusive: attr.b(read.b(op, 'exclusive', d)),
        reverse: attr.b(!read.b(op, 'reverse', d)),
      }),
      null,
    ];
  },
  FloorDiv: () => [null, null],
  FloorMod(em, op, [g]) {
    const x = input(op, 0);
    const y = input(op, 1);
    const f = em.t('FloorDiv', [x, y]);
    return reduceGradientArgs(em, x, y, g!, mul(em, g!, em.t('Neg', [f])));
  },
  Floor: () => [null],
  Ceil: () => [null],
  Round: () => [null],
  ArgMax: () => [null, null],
  ArgMin: () => [null, null],
  ClipByValue(em, op, [g]) {
    const [x, y, z] = [input(op, 0), input(op, 1), input(op, 2)];
    const sx = em.shapeOf(x);
    const sy = em.shapeOf(y);
    const sz = em.shapeOf(z);
    const zeros = em.fill(em.shapeOf(g!), 0, em.dtype(g!), 'zeros');
    const xy = em.t('Less', [x, y]);
    const xz = em.t('Greater', [x, z]);
    const ry = `${em.op('BroadcastGradientArgs', [sx, sy]).name}:1`;
    const rz = `${em.op('BroadcastGradientArgs', [sx, sz]).name}:1`;
    const xg = em.t('Select', [em.t('LogicalOr', [xy, xz]), zeros, g!]);
    const yg = em.t('Select', [xy, g!, zeros]);
    const zg = em.t('Select', [xz, g!, zeros]);
    return [xg, em.reshape(em.reduceSum(yg, ry), sy), em.reshape(em.reduceSum(zg, rz), sz)];
  },
};

function addGrad(em: Emitter, op: NodeDef, [g]: (string | null)[]): (string | null)[] {
  const x = input(op, 0);
  const y = input(op, 1);
  if (shapesEqual(em, x, y, g!)) return [g!, g!];
  return reduceGradientArgs(em, x, y, g!, g!);
}

function divGrad(type: string): GradFn {
  return (em, op, [g]) => {
    const x = input(op, 0);
    const y = input(op, 1);
    const gx = em.t(type, [g!, y]);
    const gy = mul(em, g!, em.t(type, [em.t(type, [neg(em, x), y]), y]));
    return reduceGradientArgs(em, x, y, gx, gy);
  };
}

function maxMinGrad(selector: string): GradFn {
  return (em, op, [g]) => {
    const x = input(op, 0);
    const y = input(op, 1);
    const zeros = em.zerosLikeOpt(g!);
    const mask = em.t(selector, [x, y]);
    const gx = em.t('SelectV2', [mask, g!, zeros]);
    const gy = em.t('SelectV2', [mask, zeros, g!]);
    return reduceGradientArgs(em, x, y, gx, gy);
  };
}

const reducedShapeCache = new WeakMap<object, Set<string>>();

/** math_grad._SumGrad (also the first half of Mean's). */
function sumGrad(em: Emitter, op: NodeDef, g: string): string {
  const x = input(op, 0);
  const inShape = em.shape(x);
  const axesRaw = em.constInts(input(op, 1));
  if (inShape !== null && axesRaw !== undefined) {
    const rank = inShape.length;
    const axes = axesRaw;
    if (axes.length === rank && axes.every((a, i) => a === i)) {
      const r = em.reshape(g, { value: new Array<number>(rank).fill(1), shape: [rank] });
      const full = inShape.every((d) => d >= 0);
      const s = full ? em.constant(inShape, DataType.DT_INT32) : em.shapeOf(x);
      return em.t('Tile', [r, s]);
    }
    if (inShape.every((d) => d >= 0)) {
      const ax = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      const kept = inShape.map((d, i) => (ax.has(i) ? 1 : d));
      const scale = inShape.map((d, i) => Math.floor(d / Math.max(kept[i]!, 1)));
      // Graph._reduced_shape_cache: the first time a (shape, axes) pair is seen, TensorFlow evaluates
      // _SafeShapeDiv with real (constant, unused) ops; later gradients reuse the cached numbers
      const key = `${inShape.join(',')}|${axes.join(',')}`;
      let seen = reducedShapeCache.get(em.graph);
      if (!seen) {
        seen = new Set();
        reducedShapeCache.set(em.graph, seen);
      }
      if (!seen.has(key)) {
        seen.add(key);
        const i32 = DataType.DT_INT32;
        const m = em.t(
          'Maximum',
          [
            { value: kept, dtype: i32, shape: [rank] },
            { value: 1, dtype: i32 },
          ],
          {},
          'Maximum',
        );
        em.t('FloorDiv', [{ value: [...inShape], dtype: i32, shape: [rank] }, m], {}, 'floordiv');
      }
      const r = em.reshape(g, { value: kept, shape: [rank] });
      return em.t('Tile', [r, { value: scale, shape: [rank] }]);
    }
  }
  const shape = em.shapeOf(x);
  let grad = g;
  if (!read.b(op, 'keep_dims', opDefaults(op.op))) {
    const kept = em.colocate(shape, () => reducedShape(em, shape, input(op, 1)));
    grad = em.reshape(g, kept);
  }
  return em.t('BroadcastTo', [grad, shape]);
}

/** math_ops.reduced_shape: the input shape with reduced axes set to 1 (DynamicStitch of ranges and ones). */
function reducedShape(em: Emitter, inputShape: string, axes: string): Arg {
  // known shape and axes: a numpy value, which the consumer converts to a Const
  const known = em.constInts(inputShape);
  const ax0 = em.constInts(axes);
  if (known && ax0) {
    const v = [...known];
    for (const a of ax0) v[a < 0 ? a + v.length : a] = 1;
    return { value: v, shape: [v.length] };
  }
  const size = em.sizeOf(inputShape);
  const ax = em.t('FloorMod', [add(em, axes, size), size], {}, 'mod');
  const axesShape = em.shapeOf(ax);
  const range = em.t('Range', [{ value: 0 }, size, { value: 1 }], {}, 'range');
  // array_ops.ones(shape tensor): Fill(shape, Const 1) named `ones`
  const ones = em.scope('ones', (scope) => {
    const one = em.constant(1, DataType.DT_INT32);
    return `${em.create('Fill', [axesShape, one], { T: attr.type(DataType.DT_INT32), index_type: attr.type(DataType.DT_INT32) }, scope).name}:0`;
  });
  return em.t('DynamicStitch', [range, ax, inputShape, ones], {});
}

function minMaxGrad(em: Emitter, op: NodeDef, [g]: (string | null)[]): (string | null)[] {
  const x = input(op, 0);
  const inputShape = em.shapeOf(x);
  let y = output(op);
  let grad = g!;
  let kept: Arg;
  if (!read.b(op, 'keep_dims', opDefaults(op.op))) {
    kept = reducedShape(em, inputShape, input(op, 1));
    y = em.reshape(y, kept);
    grad = em.reshape(grad, kept);
  } else kept = em.shapeOf(y);
  const ind = em.cast(em.t('Equal', [y, x], { incompatible_shape_error: attr.b(true) }), em.dtype(grad));
  const num = em.reshape(em.reduceSum(ind, input(op, 1)), kept);
  return [mul(em, em.t('RealDiv', [ind, num], {}, 'truediv'), grad), null];
}

/**
 * linalg_grad._EinsumGrad for one or two operands without an ellipsis: the gradient of an operand is the einsum of the
 * output gradient with the other operand into that operand's labels; labels only that operand has (summed away) are
 * broadcast back (_GetGradReduced).
 */
function einsumGrad(em: Emitter, op: NodeDef, [g]: (string | null)[]): (string | null)[] {
  const equation = read.s(op, 'equation', opDefaults('Einsum'));
  const [ins, outSubs = ''] = equation.split('->');
  const subs = (ins ?? '').split(',');
  if (equation.includes('...') || !equation.includes('->') || subs.length > 2)
    throw new GraphError(
      'UNSUPPORTED_OP',
      `the gradient of Einsum '${equation}' is supported for one or two operands without an ellipsis`,
      { node: op.name },
    );
  const einsum = (inputs: string[], eq: string) =>
    em.t('Einsum', inputs, { equation: attr.s(eq), N: attr.i(inputs.length) });
  const reducedGrad = (grad: string, gradSubs: string, inSubs: string, x: string, reduced: string[]): string => {
    const inputShape = em.shapeOf(x);
    const repeated = new Set(inSubs).size + new Set(gradSubs).size < inSubs.length + gradSubs.length;
    const kept = [...inSubs].filter((l) => !reduced.includes(l)).join('');
    const axes = reduced.map((l) => inSubs.indexOf(l));
    if (!repeated && kept === gradSubs) {
      const r = reducedShape(em, inputShape, em.constant(axes, DataType.DT_INT32));
      return em.t('BroadcastTo', [em.reshape(grad, r), inputShape]);
    }
    const dims = em.pack(axes.map((a) => em.pySlice(inputShape, [a], [a + 1], [1], { shrink_axis_mask: 1 })));
    const gradShape = em.shapeOf(grad);
    const withReduced = em.t('ConcatV2', [dims, gradShape, { value: 0 }], {}, 'concat');
    const ones = em.constant(new Array<number>(reduced.length).fill(1), DataType.DT_INT32, 'ones');
    const shape1 = em.t('ConcatV2', [ones, gradShape, { value: 0 }], {}, 'concat');
    const b = em.t('BroadcastTo', [em.reshape(grad, shape1), withReduced]);
    return einsum([b], `${reduced.join('')}${gradSubs}->${inSubs}`);
  };
  const x = input(op, 0);
  if (subs.length === 1) {
    const inSubs = subs[0]!;
    const reduced = [...new Set(inSubs)].filter((l) => !outSubs.includes(l));
    if (!reduced.length) return [einsum([g!], `${outSubs}->${inSubs}`)];
    return [reducedGrad(g!, outSubs, inSubs, x, reduced)];
  }
  const y = input(op, 1);
  const wrt = (self: string, selfSubs: string, other: string, otherSubs: string): string => {
    const reduced = [...new Set(selfSubs)].filter((l) => !(outSubs + otherSubs).includes(l));
    const left = [...selfSubs].filter((l) => !reduced.includes(l)).join('');
    // labels only the other operand has are summed out of it first (TensorFlow.js's einsum cannot sum an axis of
    // one operand that the output and the other operand lack); the product is the same
    const only = [...otherSubs].filter((l) => !outSubs.includes(l) && !left.includes(l));
    if (only.length) {
      other = em.reduceSum(other, { value: only.map((l) => otherSubs.indexOf(l)), shape: [only.length] });
      otherSubs = [...otherSubs].filter((l) => !only.includes(l)).join('');
    }
    const grad = einsum([g!, other], `${outSubs},${otherSubs}->${left}`);
    return reduced.length ? reducedGrad(grad, left, selfSubs, self, reduced) : grad;
  };
  return [wrt(x, subs[0]!, y, subs[1]!), wrt(y, subs[1]!, x, subs[0]!)];
}
