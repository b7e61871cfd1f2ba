export { formatDouble, formatFloat } from './float-format.js';
export { compareWireKeys, type ParseTextOptions, parseText } from './parse.js';
export { type PrintTextOptions, printText } from './print.js';
