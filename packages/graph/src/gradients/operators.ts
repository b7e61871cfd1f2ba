// Python's operators and broadcasting helpers as gradient functions use them (python/ops/math_ops.py
// binary_op_wrapper, math_grad._ReduceGradientArgs): `*` is a Mul named `mul` whose scalar operand is a Const `x` or
// `y` in its scope, and a broadcast gradient is summed over the broadcast axes, then reshaped to its input's shape.
import type { Emitter } from './emitter.js';

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
export function shapesEqual(em: Emitter, x: string, y: string, grad: string): boolean {
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

export const withGrad = <T>(em: Emitter, g: string, fn: () => T): T => em.controlDependencies([g], fn);
