export { DeployError, type DeployErrorCode, type DeployErrorDetails } from './errors.js';
export {
  CONVERTED_BY,
  DEFAULT_SHARD_BYTES,
  type ExportGraphModelOptions,
  exportGraphModel,
  type GraphModelReport,
  type GraphModelSignature,
  type WeightEntry,
} from './graph-model/export.js';
export { messageToDict } from './graph-model/proto-json.js';
export { type QuantizationDtype, type Quantized, quantize } from './graph-model/quantize.js';
export {
  ASSETS_DIR,
  findMetaGraph,
  readSavedModel,
  SAVED_MODEL_PB,
  SAVED_MODEL_PBTXT,
  VARIABLES_DIR,
  variablesPrefix,
} from './saved-model/files.js';
export { type FrozenSignature, freezeSavedModel } from './saved-model/freeze.js';
export { type LoadedSavedModel, type LoadSavedModelOptions, loadSavedModel } from './saved-model/load.js';
export {
  formatSavedModel,
  type MetaGraphSummary,
  type SavedModelSummary,
  type SignatureSummary,
  showSavedModel,
  signatures,
  type TensorInfoSummary,
} from './saved-model/show.js';
export {
  PREDICT_METHOD_NAME,
  type SavedModelReport,
  type SignatureSpec,
  type WriteSavedModelOptions,
  writeSavedModel,
} from './saved-model/write.js';
