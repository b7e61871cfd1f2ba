export {
  type AttrValue,
  attr,
  attrKind,
  read as readAttr,
  type ShapeLike,
  shapeFromProto,
  shapeProto,
} from './attrs.js';
export {
  type BuiltVariable,
  type DTypeLike,
  GraphBuilder,
  type Initializer,
  type Input,
  type Shape,
  type VariableOptions,
} from './builder.js';
export type { WhileLoopOptions } from './builder-control-flow.js';
export { type CollectionItem, GraphKeys, VARIABLE_COLLECTIONS } from './collections.js';
export { GraphError, type GraphErrorCode, type GraphErrorDetails } from './errors.js';
export {
  type ConstantValue,
  constTensorProto,
  extractSubGraph,
  type FreezeGraphOptions,
  type FreezeSource,
  type FrozenGraph,
  freezeGraph,
  inlineFunctionCalls,
  readSaverKeys,
  removeTrainingNodes,
  replaceVariablesByConstants,
  type SaverKeys,
} from './freeze/index.js';
export {
  type Arg,
  differentiableOpTypes,
  Emitter,
  type GradFn,
  type GradientsOptions,
  gradientFunction,
  gradients,
  type Literal,
  registerGradient,
} from './gradients/index.js';
export { Graph, type NodeDef, type NodeSpec } from './graph.js';
export {
  type ExportOptions,
  type FromGraphDefOptions,
  graphFromGraphDef,
  graphToGraphDef,
  topoOrder,
  validateNodes,
} from './graph-def.js';
export { type ImportGraphDefOptions, type ImportResult, importGraphDef, type Rename } from './import-graph-def.js';
export {
  type GraphFormat,
  graphDefToText,
  metaGraphToText,
  parseGraphDef,
  parseMetaGraph,
  serializeGraphDef,
  serializeMetaGraph,
} from './io.js';
export {
  type ExportMetaGraphOptions,
  exportMetaGraph,
  graphFromMetaGraph,
  type ImportMetaGraphOptions,
  type ImportMetaGraphResult,
  importMetaGraph,
  metaGraphFromGraph,
  renameVariableDef,
} from './meta-graph.js';
export {
  canonicalTensor,
  type InputRef,
  isValidNodeName,
  parseInput,
  prependNameScope,
  stripNameScope,
  tensorName,
} from './names.js';
export { type OpSupport, opSupport, supportedOpTypes } from './op-support.js';
export { GRAPH_DEF_VERSION, TENSORFLOW_VERSION } from './ops/op-defs.generated.js';
export {
  addDefaultAttrs,
  getOpDef,
  isKnownDtype,
  type OpDef,
  opDefaults,
  outputCount,
  outputTypes,
  registerOpDef,
  strippedOpList,
} from './ops/op-registry.js';
export { type BackendName, type BackendOptions, initBackend } from './runtime/backend.js';
export {
  type CheckpointTensorContext,
  tensorFromCheckpoint,
  tensorToCheckpoint,
} from './runtime/checkpoint-tensors.js';
export { defaultMemoryBudget, WASM_HEAP_MAX, WASM_HEAP_RESERVE } from './runtime/memory-budget.js';
export { type NativeKernelReport, nativeKernels } from './runtime/native-kernels.js';
export { formatProfile, type OpTypeTime, type RunProfile } from './runtime/profile.js';
export {
  type FeedValue,
  type Fetches,
  type FetchResult,
  type RunMemory,
  Session,
  type SessionOptions,
} from './runtime/session.js';
export { type TfDtype, tensorFromProto, tensorProtoFrom, tfjsDtype } from './runtime/tensor-proto.js';
export { type Dead, type HostPolicy, type Opaque, type Value, VariableStore, type VarRef } from './runtime/values.js';
export { wasmThreads } from './runtime/wasm-threads.js';
export { addSaverOps, type SaverGraphOptions } from './saver-graph.js';
export { inferOutputShapes } from './shape-inference.js';
export {
  AdagradOptimizer,
  type AdagradOptions,
  AdamOptimizer,
  type AdamOptions,
  type ApplyGradientsOptions,
  type ComputeGradientsOptions,
  type GateGradients,
  type GradAndVar,
  GradientDescentOptimizer,
  type GradientDescentOptions,
  getOrCreateGlobalStep,
  type MinimizeOptions,
  MomentumOptimizer,
  type MomentumOptions,
  Optimizer,
  RMSPropOptimizer,
  type RMSPropOptions,
  resolveVariable,
  trainableVariables,
  type VariableLike,
} from './train/index.js';
