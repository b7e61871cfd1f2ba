// Gradient functions of math ops, after python/ops/math_grad.py: the same ops, in the same order, with the names
// Python's wrappers give them (`Mul` from math_ops.multiply, `mul` from the * operator, `truediv` from /, `Neg` from
// unary minus), and the same static-shape shortcuts (a Const shape when fully known, no reduction when shapes match).
import { DataType } from '@tensorgraft/proto';
import { attr, read } from '../attrs.js';
import type { NodeDef } from '../graph.js';
import { opDefaults } from '../ops/op-registry.js';
import type { Emitter } from './emitter.js';
import { input, inputs, output } from './node-io.js';
import { add, mul, neg, reduceGradientArgs, shapesEqual, sub, withGrad } from './operators.js';
import type { GradFn } from './registry.js';

export const mathGradients: Record<string, GradFn> = {
  AddN: (_em, op, [g]) => inputs(op).map(() => g!),
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
  DivNoNan(em, op, [g]) {
    // math_ops.div_no_nan names its op `div_no_nan`
    const x = input(op, 0);
    const y = input(op, 1);
    const div = (a: string, b: string) => em.t('DivNoNan', [a, b], {}, 'div_no_nan');
    return reduceGradientArgs(em, x, y, div(g!, y), mul(em, g!, div(div(neg(em, x), y), y)));
  },
  MulNoNan(em, op, [g]) {
    const x = input(op, 0);
    const y = input(op, 1);
    const gx = em.t('MulNoNan', [g!, y]);
    const gy = em.t('MulNoNan', [x, g!]);
    if (shapesEqual(em, x, y, g!)) return [gx, gy];
    return reduceGradientArgs(em, x, y, gx, gy);
  },
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
  Erfc(em, op, [g]) {
    const x = input(op, 0);
    const c = em.constant(-2 / Math.sqrt(Math.PI), em.dtype(g!));
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
