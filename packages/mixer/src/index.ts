export { MixerError, type MixerErrorCode, type MixerErrorDetails } from './errors.js';
export { type MixOptions, type ModelSpec, mix } from './mix.js';
export { Mixed, type MixedModel, type RestoreEntry } from './mixed.js';
export { type RestoreMixedOptions, type RestoreMixedReport, restoreMixed } from './restore.js';
export { type SaveMixedOptions, type SaveMixedReport, saveMixed, saverFor } from './save.js';
export { type GraphSource, loadGraphDef, loadMetaGraph } from './source-model.js';
export { readSourceSaver, type SourceSaver } from './source-saver.js';
export {
  type FineTuningPlan,
  type FreezeOptions,
  type FreezePlan,
  freeze,
  type StopGradientBoundary,
  type StopTrainingOptions,
  stopTraining,
} from './stop-training.js';
export { fromTfjs, toTfjs } from './tensor-convert.js';
export { globalVariables, markNotTrainable, trainableVariables } from './trainable.js';
