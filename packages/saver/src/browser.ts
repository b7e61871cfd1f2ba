// `@tensorgraft/saver/browser`: a tfjs model's weights and TensorFlow checkpoints in a browser, with no Node built-in
// reached: tf.loadLayersModel(tfCheckpointAt(url, { like: model })) loads from a checkpoint URL, and
// model.save(tfCheckpointAt('mem://m/model.ckpt')) writes one (bundle-io/browser's checkpointBlobs and
// downloadCheckpoint then hand its files to the user).
export {
  type TfCheckpointAtHandler,
  type TfCheckpointAtOptions,
  TfCheckpointAtOptionsSchema,
  tfCheckpointAt,
} from './checkpoint-url-io.js';
export { SaverError, type SaverErrorCode, type SaverErrorDetails } from './errors.js';
export type { SavedArtifactsInfo } from './layers-artifacts.js';
export type { LayersModelLike, LoadedArtifacts, ModelArtifacts, WeightSpec } from './layers-io.js';
