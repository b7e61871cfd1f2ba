export { type GraphSaveOptions, GraphSaver, type GraphSaverOptions } from './graph-saver.js';
