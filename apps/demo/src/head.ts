// The new classification head, built as its own small model (a meta graph with a `features` placeholder), so the
// mixer grafts it onto the backbone the same way it would graft a head someone trained elsewhere:
//   features [N, P, P, C] -> spatial mean -> standardised (per channel) -> hidden (C -> H, ReLU) -> logits (H -> K)
//   -> probs (softmax)
// Weights start as seeded He-normal constants (biases 0), so a run is the same every time.
import { exportMetaGraph, Graph, GraphBuilder } from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';
import { Rng } from './rng.js';

export interface HeadConfig {
  /** Feature map the head reads: [P, P, C] (pool5). */
  featureShape: readonly [number, number, number];
  hidden: number;
  numClasses: number;
  seed: number;
}

export function buildHead(c: HeadConfig): tensorflow.MetaGraphDef {
  const graph = new Graph();
  const b = new GraphBuilder(graph);
  const rng = new Rng(c.seed ^ 0x5eed);
  const [p, q, ch] = c.featureShape;
  const features = b.placeholder('float32', [null, p, q, ch], 'features');
  const pooled = b.reduceMean(features, [1, 2], false, 'pooled');
  // per-channel standardisation; not trained: set once from the training set's features (demo.ts)
  const normed = b.nameScope('norm', () => {
    const mean = b.variable('mean', [ch], { zeros: true }, { trainable: false });
    const scale = b.variable('scale', [ch], { ones: true }, { trainable: false });
    return b.mul(b.sub(pooled, mean), scale);
  });
  const dense = (name: string, x: string, cin: number, cout: number, relu: boolean) =>
    b.nameScope(name, () => {
      const w = b.variable('weights', [cin, cout], { constant: rng.normals(cin * cout, Math.sqrt(2 / cin)) });
      const bias = b.variable('biases', [cout], { zeros: true });
      const y = b.biasAdd(b.matmul(x, w), bias);
      return relu ? b.relu(y) : y;
    });
  const hidden = dense('hidden', normed, ch, c.hidden, true);
  const logits = dense('logits', hidden, c.hidden, c.numClasses, false);
  b.softmax(logits, 'probs');
  b.identity(logits, 'logits_out');
  return exportMetaGraph(graph);
}
