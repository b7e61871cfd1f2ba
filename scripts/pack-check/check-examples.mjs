// Runs each program of examples/ the way a user would (COMMAND is a template, {name} the example's name) and checks
// what it printed and wrote against values from elsewhere: the checkpoint's own tensors, the event files as read
// back, TensorFlow's outputs recorded in fixtures/. Copied into the fresh npm project first, so the packages it
// imports are the packed ones.
// Usage: node check-examples.mjs REPO WORK_DIR COMMAND...
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleReader } from '@tensorgraft/bundle-io';
import { eventValues, iterateEvents } from '@tensorgraft/events-writer';

const [repo, work, ...command] = process.argv.slice(2);
if (!repo || !work || command.length === 0) throw new Error('usage: node check-examples.mjs REPO WORK_DIR COMMAND...');
mkdirSync(work, { recursive: true });

function run(name, ...args) {
  const argv = command.map((a) => a.replaceAll('{name}', name));
  const t0 = Date.now();
  const p = spawnSync(argv[0], [...argv.slice(1), ...args], { cwd: work, encoding: 'utf8', timeout: 180_000 });
  if (p.status !== 0) throw new Error(`example ${name} failed with ${p.status ?? p.signal}:\n${p.stdout}\n${p.stderr}`);
  console.log(`  ${name} ran (${Date.now() - t0} ms)`);
  return p.stdout;
}
function printed(stdout, label) {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label}: `));
  if (line === undefined) throw new Error(`no "${label}:" line in:\n${stdout}`);
  return JSON.parse(line.slice(label.length + 2));
}
function close(actual, expected, tol, what) {
  if (actual.length !== expected.length)
    throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]))))
      throw new Error(`${what}[${i}]: ${a}, expected ${expected[i]}`);
  });
}
const f32 = (reader, key) => Array.from(reader.get(key).data);

// 1. tfjs model -> TensorFlow checkpoint: the printed prediction equals the one computed from the checkpoint's own
// tensors (read here with bundle-io), and the model loaded back from it predicts the same.
{
  const out = run('tfjs-to-checkpoint', 'tfjs');
  const input = printed(out, 'input')[0];
  const prediction = printed(out, 'prediction').flat();
  const reader = BundleReader.open(join(work, 'tfjs', 'model.ckpt'));
  const key = (i, w) => `model/_functional/_operations/${i}/${w}/.ATTRIBUTES/VARIABLE_VALUE`;
  const [k1, b1, k2, b2] = [key(1, '_kernel'), key(1, 'bias'), key(2, '_kernel'), key(2, 'bias')].map((k) =>
    f32(reader, k),
  );
  const hidden = b1.map((b, j) => Math.max(0, b + input.reduce((s, x, i) => s + x * k1[i * b1.length + j], 0)));
  const expected = b2[0] + hidden.reduce((s, h, j) => s + h * k2[j], 0);
  close(prediction, [expected], 1e-5, 'tfjs-to-checkpoint prediction vs the checkpoint tensors');
  const reloaded = out.split('\n').find((l) => l.startsWith('prediction of the model loaded back'));
  close(JSON.parse(reloaded.slice(reloaded.lastIndexOf(': ') + 2)).flat(), prediction, 0, 'reloaded prediction');
  reader.close();
}

// 2. read a TensorFlow checkpoint: every tensor of TensorFlow's fixture, with the dtype, shape and values TF recorded.
{
  const fixture = join(repo, 'fixtures', 'checkpoints', 'saver');
  const expected = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8')).tensors;
  const out = run('read-checkpoint', join(fixture, 'model.ckpt-1000'));
  for (const [name, t] of Object.entries(expected)) {
    const line = out.split('\n').find((l) => l.startsWith(`${name} ${t.dtype} [${t.shape.join(', ')}] `));
    if (!line) throw new Error(`read-checkpoint did not print ${name} ${t.dtype} [${t.shape}]:\n${out}`);
    // TensorFlow's sidecar writes bools as 0/1
    const values = JSON.parse(line.slice(line.lastIndexOf('] ') + 2)).map((v) =>
      String(typeof v === 'boolean' ? +v : v),
    );
    const want = [t.values].flat(Infinity).slice(0, 4).map(String);
    if (values.join() !== want.join()) throw new Error(`read-checkpoint ${name}: ${values}, TensorFlow wrote ${want}`);
  }
}

// 3. TensorBoard from a tfjs training loop: the event files hold one loss scalar per step, the float32 of each loss
// the loop printed, falling.
{
  const out = run('tensorboard-training', 'logs');
  const printedLosses = printed(out, 'losses');
  const scalars = [];
  let histograms = 0;
  for (const { event } of iterateEvents(join(work, 'logs')))
    for (const v of eventValues(event)) {
      if (v.tag === 'loss') scalars.push([Number(v.step), v.value]);
      if (v.kind === 'histogram') histograms++;
    }
  if (scalars.length !== 40 || scalars.some(([step], i) => step !== i)) throw new Error(`loss steps: ${scalars}`);
  close(
    scalars.map(([, v]) => v),
    printedLosses.map(Math.fround),
    0,
    'logged losses',
  );
  if (!(scalars[39][1] < scalars[0][1] / 100)) throw new Error(`the loss did not fall: ${printedLosses}`);
  if (histograms !== 1) throw new Error(`${histograms} histograms logged, expected 1`);
}

// 4. run a TF meta graph: TensorFlow's own input and output for the MLP fixture (fixtures/models/mlp, tensors.bin).
{
  const dir = join(repo, 'fixtures', 'models', 'mlp');
  const io = JSON.parse(readFileSync(join(dir, 'io.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'tensors.bin'));
  const values = (spec) =>
    Array.from(
      new Float32Array(bin.buffer.slice(bin.byteOffset + spec.offset, bin.byteOffset + spec.offset + spec.count * 4)),
    );
  const x = io.inputs['x:0'];
  const rows = [];
  for (let r = 0; r < x.shape[0]; r++) rows.push(values(x).slice(r * x.shape[1], (r + 1) * x.shape[1]));
  writeFileSync(join(work, 'feeds.json'), JSON.stringify({ 'x:0': rows }));
  const out = run('run-meta-graph', join(dir, 'model.ckpt'), 'feeds.json', 'probs:0');
  close(printed(out, 'probs:0').flat(), values(io.outputs['probs:0']), 1e-5, 'run-meta-graph probs:0 vs TensorFlow');
}
console.log(`examples: 4 ran and matched with: ${command.join(' ')}`);
