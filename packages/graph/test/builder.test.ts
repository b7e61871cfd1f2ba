// GraphBuilder makes the nodes tf.compat.v1's Python API makes for the same calls: names, ops, inputs, attr names,
// colocation and devices (fixtures/models/builder_mirror.json, recorded from the pinned TensorFlow).
import { addSaverOps, Graph, GraphBuilder } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixtureJson } from './helpers.js';

interface Row {
  name: string;
  op: string;
  input: string[];
  device: string;
  attrs: string[];
  class: string[];
}

describe('GraphBuilder mirrors the Python API', () => {
  it('builds the same nodes as TensorFlow for the same net', () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [null, 8, 8, 2], 'images');
    const h = b.nameScope('conv', () => {
      const w = b.variable('weights', [3, 3, 2, 4], { randomNormal: { stddev: 0.3, seed: 7 } }, { resource: true });
      const bias = b.variable('biases', [4], { zeros: true }, { resource: true });
      return b.relu(b.biasAdd(b.conv2d(x, w, [1, 1], 'SAME'), bias));
    });
    const flat = b.reshape(b.maxPool(h, 2, 2, 'VALID'), [-1, 64]);
    const logits = b.nameScope('dense', () => {
      const k = b.variable('kernel', [64, 3], { randomNormal: { stddev: 0.2 } });
      const c = b.variable('bias', [3], { constant: [0.1, 0.2, 0.3] });
      return b.add(b.matmul(flat, k), c);
    });
    b.softmax(logits, 'probs');
    b.reduceMean(logits, [0], false, 'mean');
    b.argMax(logits, 1);
    b.globalVariablesInitializer();
    addSaverOps(g);

    const want = fixtureJson<Row[]>('builder_mirror.json');
    const got: Row[] = g.nodes.map((n) => ({
      name: n.name,
      op: n.op,
      input: [...n.input].map((i) => i.replace(/:0$/, '')),
      device: n.device,
      attrs: Object.keys(n.attr)
        .filter((k) => k !== '_class')
        .sort(),
      class: (n.attr._class?.list?.s ?? []).map((s) => new TextDecoder().decode(s)),
    }));
    expect(got).toEqual(want);
  });
});
