export { type Arg, Emitter, type Literal } from './emitter.js';
export { type GradientsOptions, gradients } from './gradients.js';
export { differentiableOpTypes, type GradFn, gradientFunction, registerGradient } from './registry.js';
