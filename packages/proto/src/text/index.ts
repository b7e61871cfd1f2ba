export { type PrintTextOptions, printText } from './print.js';
export { type ParseTextOptions, parseText } from './parse.js';
export { formatDouble, formatFloat } from './float-format.js';
