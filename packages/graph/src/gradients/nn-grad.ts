// Gradient functions of nn ops, after python/ops/nn_grad.py: the backprop kernels TensorFlow uses (ReluGrad,
// BiasAddGrad, Conv2DBackpropInput/Filter, MaxPoolGrad, AvgPoolGrad...) with the forward op's attrs copied over.
import { DataType } from '@tensorgraft/proto';
import { attr, read } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { opDefaults } from '../ops/op-registry.js';
import type { Emitter } from './emitter.js';
import { input, output } from './node-io.js';
import { add, mul, neg, sub } from './operators.js';
import type { GradFn } from './registry.js';

/** The forward op's attrs named, for a backprop op that takes the same ones. */
function copy(op: NodeDef, names: readonly string[]): Record<string, NonNullable<NodeDef['attr'][string]>> {
  const a: Record<string, NonNullable<NodeDef['attr'][string]>> = {};
  for (const n of names) if (op.attr[n] !== undefined) a[n] = op.attr[n]!;
  return a;
}

const activation =
  (type: string, useInput = false): GradFn =>
  (em, op, [g]) => [em.t(type, [g!, useInput ? input(op, 0) : output(op)])];

/** nn_grad._BroadcastMul: expand_dims(vec, -1) * mat. */
function broadcastMul(em: Emitter, vec: string, m: string): string {
  const e = em.t('ExpandDims', [vec, { value: -1, shape: [] }], {}, 'ExpandDims');
  return mul(em, e, m);
}

const CONV_ATTRS = ['strides', 'padding', 'explicit_paddings', 'use_cudnn_on_gpu', 'data_format', 'dilations'];
const POOL_ATTRS = ['ksize', 'strides', 'padding', 'data_format'];

export const nnGradients: Record<string, GradFn> = {
  Relu: activation('ReluGrad'),
  Relu6: activation('Relu6Grad'),
  Elu: activation('EluGrad'),
  Selu: activation('SeluGrad'),
  LeakyRelu: (em, op, [g]) => [em.t('LeakyReluGrad', [g!, input(op, 0)], copy(op, ['alpha']))],
  Softplus: (em, op, [g]) => [mul(em, g!, em.t('Sigmoid', [input(op, 0)]))],
  Softmax(em, op, [g]) {
    const y = output(op);
    const s = em.reduceSum(mul(em, g!, y), { value: -1, shape: [] }, true);
    return [mul(em, sub(em, g!, s), y)];
  },
  LogSoftmax(em, op, [g]) {
    const softmax = em.t('Exp', [output(op)]);
    return [sub(em, g!, mul(em, em.reduceSum(g!, { value: -1, shape: [] }, true), softmax))];
  },
  BiasAdd: (em, op, [g]) => [g!, em.t('BiasAddGrad', [g!], copy(op, ['data_format']))],
  L2Loss: (em, op, [g]) => [mul(em, input(op, 0), g!)],
  SoftmaxCrossEntropyWithLogits(em, op, [gl]) {
    const grad = broadcastMul(em, gl!, output(op, 1));
    return [grad, broadcastMul(em, gl!, neg(em, em.t('LogSoftmax', [input(op, 0)])))];
  },
  SparseSoftmaxCrossEntropyWithLogits(em, op, [gl]) {
    return [broadcastMul(em, gl!, output(op, 1)), null];
  },
  Conv2D(em, op, [g]) {
    const shapes = em.op('ShapeN', [input(op, 0), input(op, 1)], { out_type: attr.type(3) });
    const a = copy(op, CONV_ATTRS);
    return [
      em.t('Conv2DBackpropInput', [`${shapes.name}:0`, input(op, 1), g!], a),
      em.t('Conv2DBackpropFilter', [input(op, 0), `${shapes.name}:1`, g!], a),
    ];
  },
  DepthwiseConv2dNative(em, op, [g]) {
    const a = copy(op, ['strides', 'padding', 'explicit_paddings', 'data_format', 'dilations']);
    return [
      em.t('DepthwiseConv2dNativeBackpropInput', [em.shapeOf(input(op, 0)), input(op, 1), g!], a),
      em.t('DepthwiseConv2dNativeBackpropFilter', [input(op, 0), em.shapeOf(input(op, 1)), g!], a),
    ];
  },
  MaxPool: (em, op, [g]) => [
    em.t('MaxPoolGrad', [input(op, 0), output(op), g!], copy(op, [...POOL_ATTRS, 'explicit_paddings'])),
  ],
  LRN: (em, op, [g]) => [
    em.t('LRNGrad', [g!, input(op, 0), output(op)], copy(op, ['depth_radius', 'bias', 'alpha', 'beta'])),
  ],
  FusedBatchNorm: (em, op, grads) => fusedBatchNormGrad(em, op, grads, 'FusedBatchNormGrad'),
  FusedBatchNormV2: (em, op, grads) => fusedBatchNormGrad(em, op, grads, 'FusedBatchNormGradV2'),
  FusedBatchNormV3: (em, op, grads) => fusedBatchNormGrad(em, op, grads, 'FusedBatchNormGradV3'),
  TopKV2(em, op, [g]) {
    // nn_grad._TopKGrad: scatter the gradient of the values back to the positions the indices name
    const i32 = DataType.DT_INT32;
    const i64 = DataType.DT_INT64;
    const inShape = em.shapeOf(input(op, 0));
    const indShape = em.shapeOf(output(op, 1));
    const last = (shape: string) =>
      em.t('GatherV2', [em.cast(shape, i64), sub(em, em.sizeOf(shape), 1), { value: 0 }], { batch_dims: attr.i(0) });
    const indLast = last(indShape);
    const ind2d = em.reshape(output(op, 1), em.pack([-1, indLast]));
    const inLast = last(inShape);
    const outer = em.pySlice(em.shapeOf(ind2d), [0], [1], [1], { shrink_axis_mask: 1 });
    const offsets = em.t(
      'Range',
      [{ value: 0, dtype: i64 }, mul(em, em.cast(outer, i64), inLast), inLast],
      {},
      'range',
    );
    const col = em.cast(em.t('ExpandDims', [offsets, { value: -1, shape: [] }]), i32);
    const ind = em.reshape(add(em, ind2d, col), { value: [-1], shape: [1] });
    const total = em.t('Prod', [inShape, em.constant([0], i32)], { keep_dims: attr.b(false) });
    const scattered = em.t('ScatterNd', [
      em.t('ExpandDims', [ind, { value: -1, shape: [] }]),
      em.reshape(g!, { value: [-1], shape: [1] }),
      em.t('Pack', [total], { axis: attr.i(0) }, 'ScatterNd/shape'),
    ]);
    return [em.reshape(scattered, inShape), em.constant(0, i32, 'zeros')];
  },
  AvgPool: (em, op, [g]) => [em.t('AvgPoolGrad', [em.shapeOf(input(op, 0)), g!], copy(op, POOL_ATTRS))],
};

/**
 * nn_grad._BaseFusedBatchNormGrad: one FusedBatchNormGrad(V2/V3) op; training mode uses the batch statistics the
 * forward op saved (in its own data_format), inference mode the population statistics (channels-last only here:
 * TensorFlow wraps channels-first inference in transposes, which this does not emit).
 */
function fusedBatchNormGrad(
  em: Emitter,
  op: NodeDef,
  grads: (string | null)[],
  type: 'FusedBatchNormGrad' | 'FusedBatchNormGradV2' | 'FusedBatchNormGradV3',
): (string | null)[] {
  const d = opDefaults(op.op);
  const training = read.b(op, 'is_training', d);
  const format = read.s(op, 'data_format', d);
  if (format !== 'NHWC' && !(training && format === 'NCHW'))
    throw new GraphError(
      'UNSUPPORTED_OP',
      `the gradient of ${op.op} is supported for NHWC, and NCHW when training (got ${format}, is_training=${training})`,
      { node: op.name },
    );
  const a = {
    epsilon: op.attr.epsilon ?? attr.f(read.f(op, 'epsilon', d)),
    data_format: attr.s(format),
    is_training: attr.b(training),
  };
  const reserve = training ? [output(op, 3), output(op, 4)] : [input(op, 3), input(op, 4)];
  const v3 = type === 'FusedBatchNormGradV3' ? [output(op, 5)] : [];
  const g = em.op(type, [grads[0]!, input(op, 0), input(op, 1), ...reserve, ...v3], a);
  return [`${g.name}:0`, `${g.name}:1`, `${g.name}:2`, null, null];
}
