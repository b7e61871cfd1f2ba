// Gradient functions of reductions (Sum, Mean, Max, Min, Prod), after python/ops/math_grad.py, with its static-shape
// shortcuts and its reduced-shape cache (a Graph remembers which (shape, axes) pairs it has evaluated).
import { DataType } from '@tensorgraft/proto';
import { attr, read } from '../attrs.js';
import type { NodeDef } from '../graph.js';
import { opDefaults } from '../ops/op-registry.js';
import type { Arg, Emitter } from './emitter.js';
import { input, output } from './node-io.js';
import { add, mul, truediv } from './operators.js';
import type { GradFn } from './registry.js';

export const reductionGradients: Record<string, GradFn> = {
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
      return output(
        em.create('Reshape', [permuted, shape2], { T: attr.type(em.dtype(permuted)), Tshape: attr.type(i32) }, scope),
      );
    });
    const cumprod = (reverse: boolean) =>
      em.t('Cumprod', [reshaped, { value: 0, shape: [] }], { exclusive: attr.b(true), reverse: attr.b(reverse) });
    const y = em.reshape(mul(em, cumprod(false), cumprod(true)), permutedShape);
    const back = em.t('Transpose', [y, em.t('InvertPermutation', [perm])], {}, 'transpose');
    return [em.reshape(mul(em, grad, back), inputShape), null];
  },
  Max: minMaxGrad,
  Min: minMaxGrad,
};

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
export function reducedShape(em: Emitter, inputShape: string, axes: string): Arg {
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
