export { GraphSaver, type GraphSaveOptions, type GraphSaverOptions } from './graph-saver.js';
