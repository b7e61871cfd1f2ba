// Writes a log directory with every summary kind @tensorgraft/events-writer offers, then prints (as JSON) what it
// wrote, for interop/tests/test_events.py to compare with what TensorBoard and TensorFlow read back.
// Usage: node events-write.mjs LOGDIR [--no-close]
import { SummaryWriter } from '@tensorgraft/events-writer';

const [logdir, flag] = process.argv.slice(2);
if (!logdir) {
  console.error('usage: events-write.mjs LOGDIR [--no-close]');
  process.exit(2);
}

const out = { scalars: [], legacy_scalars: [], histograms: [], legacy_histograms: [], images: [], texts: [] };
const w = new SummaryWriter(`${logdir}/train`);
// A curve worth looking at in the screenshot: a decaying loss with some wiggle.
for (let step = 0; step < 50; step++) {
  const value = Math.fround(2 * Math.exp(-step / 12) + 0.1 * Math.sin(step / 2));
  w.scalar('loss', value, step, { wallTime: 1_700_000_000 + step });
  out.scalars.push({ tag: 'loss', step, value, wall_time: 1_700_000_000 + step });
}
for (const [step, value] of [
  [0, Number.NaN],
  [1, Number.POSITIVE_INFINITY],
  [2, Number.NEGATIVE_INFINITY],
  [3, 0.5],
]) {
  w.scalar('special', value, step);
  out.scalars.push({ tag: 'special', step, value: String(value) });
}
for (let step = 0; step < 3; step++) {
  w.scalar('old_style', step * 0.25, step, { legacy: true });
  out.legacy_scalars.push({ tag: 'old_style', step, value: step * 0.25 });
}
const data = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3 + (i % 7));
w.histogram('weights', data, 1, { buckets: 12 });
out.histograms.push({ tag: 'weights', step: 1, data, buckets: 12 });
w.histogram('legacy_weights', data, 1, { legacy: true });
out.legacy_histograms.push({ tag: 'legacy_weights', step: 1, data });
const [h, wd, c] = [5, 7, 3];
const pixels = Uint8Array.from({ length: 2 * h * wd * c }, (_, i) => (i * 37) % 256);
w.image('samples', pixels, 2, { height: h, width: wd, channels: c });
out.images.push({ tag: 'samples', step: 2, height: h, width: wd, channels: c, pixels: Array.from(pixels) });
w.text('notes', '**bold** and ünïcode ✓', 3);
out.texts.push({ tag: 'notes', step: 3, value: '**bold** and ünïcode ✓' });
const graph = {
  node: [
    { name: 'x', op: 'Placeholder', attr: { dtype: { type: 1 } } },
    { name: 'w', op: 'Const', attr: { dtype: { type: 1 } } },
    { name: 'y', op: 'MatMul', input: ['x', 'w'], attr: { T: { type: 1 } } },
  ],
};
w.graph(graph);
out.graph_nodes = graph.node.map((n) => n.name);
w.hparams({ lr: 0.001, optimizer: 'adam', use_bn: true }, { 'hparams/accuracy': 0.875 }, { step: 10, groupName: 'g' });
out.hparams = { lr: 0.001, optimizer: 'adam', use_bn: true };
out.metrics = { 'hparams/accuracy': 0.875 };
out.path = w.path;
if (flag !== '--no-close') await w.close();
console.log(JSON.stringify(out));
