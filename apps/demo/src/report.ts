// The closing summary: what was trained, the proof the backbone did not change, and where every file went.
import { relative } from 'node:path';
import type { DemoResult } from './demo.js';
import { formatG } from './format.js';

export function report(r: DemoResult): string {
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r === '' ? '.' : r.startsWith('..') ? p : r;
  };
  const t = r.seconds;
  const lines = [
    '',
    `fine-tuned the head: loss ${fmtLoss(r.firstLoss)} -> ${fmtLoss(r.lastLoss)} (mean of the last steps), ` +
      `train accuracy ${(r.accuracies.at(-1)! * 100).toFixed(0)}% at the last step, held-out accuracy ${(r.evalAccuracy * 100).toFixed(0)}%`,
    `backbone unchanged: crc32c of its ${r.backbone.variables} variables ${r.backbone.checksumBefore} before, ${r.backbone.checksumAfter} after` +
      (r.backbone.unchanged ? ' (identical)' : ' (CHANGED: this is a bug)'),
    `VGG-16 weights: ${r.weights}`,
    `initialised here: ${r.restored.initializedHead} head variables + ${r.restored.initializedTraining} optimizer/step variables; ${r.restored.variables} restored from checkpoints`,
    '',
    'files:',
    `  backbone weights read from        ${rel(r.vgg.prefix)} (${r.vgg.format === 'v1' ? 'V1 checkpoint' : r.vgg.format === 'v2' ? 'V2 checkpoint' : r.vgg.format})`,
    r.vgg.written.length
      ? `  backbone files written            ${r.vgg.written.map(rel).join(', ')}`
      : `  backbone files reused            ${rel(r.vgg.metaGraph)} (same settings as before)`,
    `  head checkpoints (CheckpointManager, last 3)  ${r.checkpoints.map(rel).join(', ')}`,
    `  merged model for TensorFlow       ${rel(r.final.prefix)}{.index,.data-00000-of-00001,.meta}`,
    `  TensorBoard events                ${rel(r.eventFile)}`,
    '',
    `open TensorBoard:  tensorboard --logdir ${rel(`${r.out}/logs`)}` +
      "   (this repository's set-up installs it: interop/.venv/bin/tensorboard)",
    `load in Python:    saver = tf.compat.v1.train.import_meta_graph('${rel(r.final.metaGraph)}'); saver.restore(sess, '${rel(r.final.prefix)}')`,
    `                   probs = sess.run('head/probs:0', {'backbone/inputs:0': images})`,
    `                   images: ${r.preprocessing}`,
    '',
    `time: write backbone ${r.weights === 'tf-slim checkpoint' ? 'meta graph' : 'checkpoint + meta graph'} ${t.vgg}s, ` +
      `load + mix ${t.load}s, features ${t.features}s, training ${t.train}s, save ${t.save}s (backend ${r.backend})`,
  ];
  return lines.join('\n');
}

const fmtLoss = (x: number) => formatG(x, 3);
