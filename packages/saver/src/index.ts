export { type WriteOptions as WriteFileAtomicOptions, writeFileAtomic } from './atomic-write.js';
export type { BestEntry } from './best-list.js';
export { metaGraphFilename, removeCheckpoint } from './checkpoint-files.js';
export {
  CheckpointKeeper,
  type Clock,
  type GlobalStep,
  type KeepBest,
  type KeeperOptions,
  systemClock,
} from './checkpoint-keeper.js';
export {
  type TfCheckpointAtHandler,
  type TfCheckpointAtOptions,
  TfCheckpointAtOptionsSchema,
  tfCheckpointAt,
} from './checkpoint-url-io.js';
export { LOCK_FILENAME, LOCK_WAIT_MS, lockDirectory, STALE_EMPTY_MS, STALE_FOREIGN_MS } from './directory-lock.js';
export { SaverError, type SaverErrorCode, type SaverErrorDetails } from './errors.js';
export { type KerasWeightPlace, kerasWeightPlaces } from './keras-layout.js';
export type { SavedArtifactsInfo } from './layers-artifacts.js';
export {
  type LayersModelLike,
  type LoadedArtifacts,
  type LoadWeightsOptions,
  loadCheckpointWeights,
  type ModelArtifacts,
  type TfCheckpointHandler,
  type TfCheckpointOptions,
  type TrainingConfig,
  tfCheckpoint,
  type WeightSpec,
} from './layers-io.js';
export { CheckpointManager, type CheckpointManagerOptions } from './manager.js';
export {
  escapeLocalName,
  OBJECT_GRAPH_KEY,
  type ObjectVariable,
  objectAliases,
  objectGraphVariables,
} from './object-graph.js';
export { buildObjectGraph, type ObjectEntry, writeObjectCheckpoint } from './object-graph-writer.js';
export { type ObjectCheckpointVariable, readObjectCheckpoint } from './read-object-checkpoint.js';
export {
  checkpointExistsAt,
  getCheckpointStateAt,
  latestCheckpointAt,
  removeCheckpointAt,
  updateCheckpointStateAt,
  writeCheckpointAt,
} from './remote.js';
export {
  keyFor,
  type Mismatch,
  planRestore,
  type RestoreMap,
  type RestorePlan,
  type TensorInfo,
} from './restore-plan.js';
export { type ManagerRecovery, ManagerRetention, SaverRetention, type TimedPath } from './retention.js';
export {
  type RestoreOptions,
  type RestoreReport,
  type SaveOptions,
  Saver,
  type SaverOptions,
  type VarList,
} from './saver.js';
export {
  type CheckpointState,
  checkpointExists,
  formatCheckpointState,
  generateCheckpointState,
  getCheckpointState,
  latestCheckpoint,
  parseCheckpointState,
  STATE_FILENAME,
  type StateFileOptions,
  type UpdateStateOptions,
  updateCheckpointState,
} from './state-file.js';
export {
  type LayerVariableLike,
  type SaveableValue,
  type TfjsTensorLike,
  type TfjsVariableLike,
  toTensor,
} from './values.js';
