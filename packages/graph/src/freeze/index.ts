export { constTensorProto } from './const-tensor.js';
export { type ConstantValue, replaceVariablesByConstants } from './convert-variables.js';
export { extractSubGraph } from './extract-sub-graph.js';
export { type FreezeGraphOptions, type FreezeSource, type FrozenGraph, freezeGraph } from './freeze-graph.js';
export { inlineFunctionCalls } from './inline-functions.js';
export { removeTrainingNodes } from './remove-training-nodes.js';
export { readSaverKeys, type SaverKeys } from './saver-keys.js';
