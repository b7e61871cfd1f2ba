export { makeDataset, PATTERNS } from './dataset.js';
export { type DemoResult, type Log, runDemo } from './demo.js';
export { formatG } from './format.js';
export { buildHead, type HeadConfig } from './head.js';
export { type Options, OptionsSchema, parseOptions, USAGE, UsageError } from './options.js';
export { report } from './report.js';
export { buildVgg16, type VggConfig, vggConfig, vggConfigFromCheckpoint, vggLayers, writeVgg16 } from './vgg16.js';
