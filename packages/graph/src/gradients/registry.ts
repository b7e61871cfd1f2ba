// Which op types have gradient functions, and which are not differentiable (their inputs get no gradient, as
// ops.NotDifferentiable). An op type in neither list stops `gradients()` with an UNSUPPORTED_OP error naming it.
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { arrayGradients } from './array-grad.js';
import { controlFlowGradients } from './control-flow-grad.js';
import type { Emitter } from './emitter.js';
import { linalgGradients } from './linalg-grad.js';
import { mathGradients } from './math-grad.js';
import { nnGradients } from './nn-grad.js';
import { reductionGradients } from './reduction-grad.js';
import { secondOrderGradients } from './second-order-grad.js';

/** Gradients of the op's data inputs (null: none) from the gradients of its outputs (null: none arrived). */
export type GradFn = (em: Emitter, op: NodeDef, grads: (string | null)[]) => (string | null)[];

/** ops.NotDifferentiable in TensorFlow's Python, for the op types this package knows. */
const NOT_DIFFERENTIABLE = [
  'StopGradient',
  'Const',
  'Shape',
  'ShapeN',
  'Size',
  'Rank',
  'ZerosLike',
  'OnesLike',
  'OneHot',
  'BroadcastGradientArgs',
  'ConcatOffset',
  'InvertPermutation',
  'Less',
  'LessEqual',
  'Greater',
  'GreaterEqual',
  'Equal',
  'NotEqual',
  'LogicalAnd',
  'LogicalOr',
  'LogicalNot',
  'Range',
  'RandomStandardNormal',
  'RandomUniform',
  'TruncatedNormal',
  'VarIsInitializedOp',
  'IsVariableInitialized',
  'VarHandleOp',
  'VariableV2',
  'Placeholder',
];

const FUNCTIONS = new Map<string, GradFn | null>([
  ...NOT_DIFFERENTIABLE.map((t) => [t, null] as const),
  ...Object.entries(mathGradients),
  ...Object.entries(reductionGradients),
  ...Object.entries(linalgGradients),
  ...Object.entries(secondOrderGradients),
  ...Object.entries(nnGradients),
  ...Object.entries(arrayGradients),
  ...Object.entries(controlFlowGradients),
]);

/** The gradient function of an op type: a function, null (not differentiable), or undefined (none defined). */
export function gradientFunction(opType: string): GradFn | null | undefined {
  return FUNCTIONS.get(opType);
}

/**
 * tf.RegisterGradient / ops.NotDifferentiable: sets the gradient function of an op type (null: not differentiable).
 * The function runs inside `gradients/<op>_grad/` and returns one gradient (or null) per data input. Replacing a
 * built-in one is refused unless `replace` is set; `undefined` with `replace` removes the entry.
 */
export function registerGradient(
  opType: string,
  fn: GradFn | null | undefined,
  options: { replace?: boolean } = {},
): void {
  if (FUNCTIONS.has(opType) && !options.replace)
    throw new GraphError('INVALID_ARGUMENT', `op type ${opType} already has a gradient function`);
  // undefined removes the entry: the op type has no gradient again
  if (fn === undefined) FUNCTIONS.delete(opType);
  else FUNCTIONS.set(opType, fn);
}

/** Op types with a gradient function (sorted). */
export function differentiableOpTypes(): string[] {
  return [...FUNCTIONS]
    .filter(([, f]) => f !== null)
    .map(([t]) => t)
    .sort();
}
