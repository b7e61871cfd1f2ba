// Our static shapes (for `_output_shapes` on export) against the `_output_shapes` TensorFlow wrote in its meta graphs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Graph,
  graphFromGraphDef,
  graphFromMetaGraph,
  inferOutputShapes,
  parseGraphDef,
  parseMetaGraph,
  shapeFromProto,
} from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixture, REPO } from './helpers.js';

/** Compares every shape we infer with TensorFlow's `_output_shapes`; returns how many were compared, per op type. */
function compare(graph: Graph): Map<string, number> {
  const ours = inferOutputShapes(graph);
  const compared = new Map<string, number>();
  for (const node of graph.nodes) {
    const theirs = node.attr._output_shapes?.list?.shape ?? [];
    const mine = ours.get(node.name) ?? [];
    theirs.forEach((s, k) => {
      const m = mine[k];
      if (m === null || m === undefined) return; // unknown to us: written as unknown rank, which TF accepts
      expect({ node: node.name, k, shape: m }).toEqual({ node: node.name, k, shape: shapeFromProto(s) });
      compared.set(node.op, (compared.get(node.op) ?? 0) + 1);
    });
  }
  return compared;
}

describe('shape inference agrees with TensorFlow', () => {
  for (const model of ['mlp', 'cnn', 'vgg16_small']) {
    it(model, () => {
      const graph = graphFromMetaGraph(parseMetaGraph(fixture(model, 'model.ckpt.meta')));
      const compared = [...compare(graph).values()].reduce((a, b) => a + b, 0);
      // most nodes are covered (the rest are save/restore plumbing with string or unknown shapes)
      expect(compared).toBeGreaterThan(graph.nodes.length / 2);
    });
  }

  it('the TF-slim ops of issue 11 (fixtures/gradients/slim_ops.pb): depthwise conv, batch norm NHWC / NCHW, *NoNan', () => {
    const def = parseGraphDef(new Uint8Array(readFileSync(join(REPO, 'fixtures', 'gradients', 'slim_ops.pb'))));
    const compared = compare(graphFromGraphDef(def));
    for (const op of ['DepthwiseConv2dNative', 'FusedBatchNormV3', 'FusedBatchNormV2', 'DivNoNan', 'MulNoNan', 'Erfc'])
      expect(compared.get(op) ?? 0, op).toBeGreaterThan(0);
    // y and the four statistics of every batch norm
    expect(compared.get('FusedBatchNormV3')).toBe(10);
  });
});
