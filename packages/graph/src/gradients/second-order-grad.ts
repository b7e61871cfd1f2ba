// Second derivatives: gradient functions of the backprop ops a first gradient adds (activation gradients, SqrtGrad,
// RsqrtGrad, ReciprocalGrad, BiasAddGrad, AvgPoolGrad, the Conv2D backprops), after math_grad.py and nn_grad.py.
import { read } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { opDefaults } from '../ops/op-registry.js';
import { input, output } from './node-io.js';
import { add, mul, neg, sub, truediv, withGrad } from './operators.js';
import type { GradFn } from './registry.js';

/** The forward op's attrs named, for a backprop op that takes the same ones. */
function copy(op: NodeDef, names: readonly string[]): Record<string, NonNullable<NodeDef['attr'][string]>> {
  const a: Record<string, NonNullable<NodeDef['attr'][string]>> = {};
  for (const n of names) if (op.attr[n] !== undefined) a[n] = op.attr[n]!;
  return a;
}

const CONV_ATTRS = ['strides', 'padding', 'explicit_paddings', 'use_cudnn_on_gpu', 'data_format', 'dilations'];
const POOL_ATTRS = ['ksize', 'strides', 'padding', 'data_format'];

export const secondOrderGradients: Record<string, GradFn> = {
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
  ReluGrad: (em, op, [g]) => [em.t('ReluGrad', [g!, input(op, 1)]), em.zerosLikeOpt(input(op, 1))],
  Relu6Grad: (em, op, [g]) => [em.t('Relu6Grad', [g!, input(op, 1)]), em.zerosLikeOpt(input(op, 1))],
  LeakyReluGrad: (em, op, [g]) => [
    em.t('LeakyReluGrad', [g!, input(op, 1)], copy(op, ['alpha'])),
    em.zerosLikeOpt(input(op, 1)),
  ],
  EluGrad: eluGradGrad('EluGrad'),
  SeluGrad: eluGradGrad('SeluGrad'),
  SoftplusGrad(em, op, [g]) {
    const [dy, x] = [input(op, 0), input(op, 1)];
    return em.controlDependencies([g!], () => {
      const ddy = em.t('SoftplusGrad', [g!, x]);
      const denom = add(em, add(em, em.t('Exp', [neg(em, x)]), 2), em.t('Exp', [x]));
      return [ddy, em.t('RealDiv', [mul(em, g!, dy), denom], {}, 'truediv')];
    });
  },
  BiasAddGrad(em, op, [g]) {
    if (read.s(op, 'data_format', opDefaults('BiasAddGrad')) !== 'NHWC')
      throw new GraphError('UNSUPPORTED_OP', 'the gradient of BiasAddGrad is supported for NHWC only', {
        node: op.name,
      });
    const shape = em.shapeOf(input(op, 0));
    const biasShape = em.shapeOf(g!);
    const head = em.pySlice(shape, [0], [-1], [1], { begin_mask: 1 });
    const expanded = em.t('ConcatV2', [em.onesLike(head), biasShape, { value: 0 }], {}, 'concat');
    const mults = em.t(
      'ConcatV2',
      [em.pySlice(shape, [0], [-1], [1], { begin_mask: 1 }), { value: [1], shape: [1] }, { value: 0 }],
      {},
      'concat',
    );
    return [em.t('Tile', [em.reshape(g!, expanded), mults])];
  },
  AvgPoolGrad: (em, op, [g]) => [em.t('StopGradient', [input(op, 0)]), em.t('AvgPool', [g!], copy(op, POOL_ATTRS))],
  Conv2DBackpropInput(em, op, [g]) {
    const a = copy(op, CONV_ATTRS);
    return [
      null,
      em.t('Conv2DBackpropFilter', [g!, em.shapeOf(input(op, 1)), input(op, 2)], a),
      em.t('Conv2D', [g!, input(op, 1)], a),
    ];
  },
  Conv2DBackpropFilter(em, op, [g]) {
    const a = copy(op, CONV_ATTRS);
    return [
      em.t('Conv2DBackpropInput', [em.shapeOf(input(op, 0)), g!, input(op, 2)], a),
      null,
      em.t('Conv2D', [input(op, 0), g!], a),
    ];
  },
};

function eluGradGrad(type: 'EluGrad' | 'SeluGrad'): GradFn {
  return (em, op, [g]) => {
    const y = input(op, 1);
    const first = em.t(type, [g!, y]);
    const negative = em.t('Less', [y, { value: 0, dtype: em.dtype(y) }], {}, 'Less');
    return [first, em.t('Select', [negative, mul(em, g!, input(op, 0)), em.zerosLikeOpt(y)])];
  };
}
