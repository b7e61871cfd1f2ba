// Gradient functions of matrix products: MatMul and BatchMatMulV2 (math_grad.py, with broadcast batch dimensions
// summed back) and Einsum (linalg_grad.py, one or two operands without an ellipsis).
import { DataType } from '@tensorgraft/proto';
import { attr, read } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { opDefaults } from '../ops/op-registry.js';
import type { Emitter } from './emitter.js';
import { input } from './node-io.js';
import { reducedShape } from './reduction-grad.js';
import type { GradFn } from './registry.js';

export const linalgGradients: Record<string, GradFn> = {
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
  Einsum: einsumGrad,
};

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
