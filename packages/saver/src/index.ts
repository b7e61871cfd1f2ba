export { SaverError, type SaverErrorCode, type SaverErrorDetails } from './errors.js';
export {
  STATE_FILENAME,
  type CheckpointState,
  type StateFileOptions,
  type UpdateStateOptions,
  checkpointExists,
  formatCheckpointState,
  generateCheckpointState,
  getCheckpointState,
  latestCheckpoint,
  parseCheckpointState,
  updateCheckpointState,
} from './state-file.js';
export { metaGraphFilename, removeCheckpoint } from './checkpoint-files.js';
export { writeFileAtomic } from './atomic-write.js';
export { SaverRetention, ManagerRetention, type TimedPath } from './retention.js';
export { type RestoreMap, type RestorePlan, type Mismatch, keyFor, planRestore } from './restore-plan.js';
export { type SaveableValue, type TfjsTensorLike, type TfjsVariableLike, toTensor } from './values.js';
export {
  Saver,
  type RestoreOptions,
  type RestoreReport,
  type SaveOptions,
  type SaverOptions,
  type VarList,
} from './saver.js';
export {
  CheckpointKeeper,
  type Clock,
  type GlobalStep,
  type KeepBest,
  type KeeperOptions,
  systemClock,
} from './checkpoint-keeper.js';
export { CheckpointManager, type CheckpointManagerOptions } from './manager.js';
export {
  OBJECT_GRAPH_KEY,
  type ObjectVariable,
  escapeLocalName,
  objectGraphVariables,
  objectAliases,
} from './object-graph.js';
export { readObjectCheckpoint } from './read-object-checkpoint.js';
export { type ObjectEntry, buildObjectGraph, writeObjectCheckpoint } from './object-graph-writer.js';
export { type KerasWeightPlace, kerasWeightPlaces } from './keras-layout.js';
export {
  type LayersModelLike,
  type LoadWeightsOptions,
  type ModelArtifacts,
  type TfCheckpointOptions,
  type WeightSpec,
  loadCheckpointWeights,
  tfCheckpoint,
} from './layers-io.js';
