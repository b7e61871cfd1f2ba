// Our static shapes (for `_output_shapes` on export) against the `_output_shapes` TensorFlow wrote in its meta graphs.
import { graphFromMetaGraph, inferOutputShapes, parseMetaGraph, shapeFromProto } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

describe('shape inference agrees with TensorFlow', () => {
  for (const model of ['mlp', 'cnn', 'vgg16_small']) {
    it(model, () => {
      const graph = graphFromMetaGraph(parseMetaGraph(fixture(model, 'model.ckpt.meta')));
      const ours = inferOutputShapes(graph);
      let compared = 0;
      for (const node of graph.nodes) {
        const theirs = node.attr._output_shapes?.list?.shape ?? [];
        const mine = ours.get(node.name) ?? [];
        theirs.forEach((s, k) => {
          const m = mine[k];
          if (m === null || m === undefined) return; // unknown to us: written as unknown rank, which TF accepts
          expect({ node: node.name, shape: m }).toEqual({ node: node.name, shape: shapeFromProto(s) });
          compared++;
        });
      }
      // most nodes are covered (the rest are save/restore plumbing with string or unknown shapes)
      expect(compared).toBeGreaterThan(graph.nodes.length / 2);
    });
  }
});
