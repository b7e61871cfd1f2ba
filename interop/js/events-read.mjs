// Reads an event file or log directory with @tensorgraft/events-writer and prints every value as JSON (non-finite
// numbers as strings, PNGs as base64, graphs as node names).
// Usage: node events-read.mjs PATH
import { eventValues, iterateEvents } from '@tensorgraft/events-writer';
import { tensorflow } from '@tensorgraft/proto';

const path = process.argv[2];
const plugins = new Map();
const values = [];
for (const e of iterateEvents(path)) {
  for (const v of eventValues(e.event, plugins)) {
    let value = v.value;
    if (v.kind === 'image') {
      value = {
        width: value.width,
        height: value.height,
        images: value.images.map((p) => Buffer.from(p).toString('base64')),
      };
    } else if (v.kind === 'graph') {
      value = tensorflow.GraphDef.decode(value).node.map((n) => n.name);
    }
    values.push({ run: e.run, tag: v.tag, step: Number(v.step), kind: v.kind, value });
  }
}
console.log(JSON.stringify(values, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
