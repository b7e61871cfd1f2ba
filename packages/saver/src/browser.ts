// `@tensorgraft/saver/browser`: loading a tfjs model's weights from a TensorFlow checkpoint URL in a browser
// (tf.loadLayersModel(tfCheckpointAt(url, { like: model }))), with no Node built-in reached.
export { type TfCheckpointAtOptions, tfCheckpointAt } from './checkpoint-url-io.js';
export { SaverError, type SaverErrorCode, type SaverErrorDetails } from './errors.js';
export type { LayersModelLike, LoadedArtifacts, WeightSpec } from './layers-io.js';
