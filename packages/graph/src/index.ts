export { GraphError, type GraphErrorCode, type GraphErrorDetails } from './errors.js';
export { Graph, type NodeDef, type NodeSpec } from './graph.js';
export { attr, read as readAttr, attrKind, shapeProto, shapeFromProto, type AttrValue, type ShapeLike } from './attrs.js';
export { type CollectionItem, GraphKeys, VARIABLE_COLLECTIONS } from './collections.js';
export { isValidNodeName, parseInput, tensorName, canonicalTensor, prependNameScope, stripNameScope, type InputRef } from './names.js';
export { graphToGraphDef, graphFromGraphDef, validateNodes, topoOrder, type ExportOptions } from './graph-def.js';
export { importGraphDef, type ImportGraphDefOptions, type ImportResult, type Rename } from './import-graph-def.js';
export {
  exportMetaGraph,
  importMetaGraph,
  graphFromMetaGraph,
  metaGraphFromGraph,
  renameVariableDef,
  type ExportMetaGraphOptions,
  type ImportMetaGraphOptions,
  type ImportMetaGraphResult,
} from './meta-graph.js';
export {
  parseGraphDef,
  parseMetaGraph,
  serializeGraphDef,
  serializeMetaGraph,
  graphDefToText,
  metaGraphToText,
  type GraphFormat,
} from './io.js';
export {
  getOpDef,
  registerOpDef,
  opDefaults,
  addDefaultAttrs,
  outputCount,
  outputTypes,
  strippedOpList,
  isKnownDtype,
} from './ops/op-registry.js';
export { inferOutputShapes } from './shape-inference.js';
export { GRAPH_DEF_VERSION, TENSORFLOW_VERSION } from './ops/op-defs.generated.js';
export { Session, type SessionOptions, type FeedValue, type Fetches, type FetchResult } from './runtime/session.js';
export { initBackend, type BackendName } from './runtime/backend.js';
export { VariableStore, type VarRef, type Value } from './runtime/values.js';
export { tensorFromProto, tensorProtoFrom, tfjsDtype } from './runtime/tensor-proto.js';
export { opSupport, supportedOpTypes, type OpSupport } from './op-support.js';
export { GraphBuilder, type BuiltVariable, type Initializer, type VariableOptions, type DTypeLike, type Shape } from './builder.js';
export { addSaverOps, type SaverGraphOptions } from './saver-graph.js';
