export { AdagradOptimizer, type AdagradOptions } from './adagrad.js';
export { AdamOptimizer, type AdamOptions } from './adam.js';
export { GradientDescentOptimizer, type GradientDescentOptions } from './gradient-descent.js';
export { MomentumOptimizer, type MomentumOptions } from './momentum.js';
export {
  type ApplyGradientsOptions,
  type ComputeGradientsOptions,
  type GateGradients,
  type GradAndVar,
  type MinimizeOptions,
  Optimizer,
} from './optimizer.js';
export { RMSPropOptimizer, type RMSPropOptions } from './rmsprop.js';
export { getOrCreateGlobalStep, resolveVariable, trainableVariables, type VariableLike } from './variables.js';
