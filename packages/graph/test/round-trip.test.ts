// GraphDef and MetaGraphDef files written by TensorFlow go into a Graph and come out byte for byte the same: unknown
// ops (cond/while), attrs, function libraries, collections, saver and meta info are all kept.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Graph,
  GraphBuilder,
  graphFromGraphDef,
  graphFromMetaGraph,
  graphToGraphDef,
  metaGraphFromGraph,
  parseGraphDef,
  parseMetaGraph,
  serializeGraphDef,
  serializeMetaGraph,
} from '@tensorgraft/graph';
import { tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { MODELS, REPO } from './helpers.js';

const GRAPHS = join(REPO, 'fixtures', 'graphs');
const files = [
  ...readdirSync(GRAPHS)
    .filter((f) => f.endsWith('.pb') || f.endsWith('.meta'))
    .map((f) => join(GRAPHS, f)),
  ...['mlp', 'cnn', 'vgg16_small'].map((m) => join(MODELS, m, 'model.ckpt.meta')),
  join(MODELS, 'import_meta.meta'),
  join(MODELS, 'ops.pb'),
];

describe('binary round trip is byte-identical', () => {
  for (const file of files) {
    it(file.slice(REPO.length + 1), () => {
      const bytes = new Uint8Array(readFileSync(file));
      if (file.endsWith('.pb')) {
        const g = graphFromGraphDef(parseGraphDef(bytes, { path: file }), { path: file });
        expect(Buffer.from(serializeGraphDef(graphToGraphDef(g))).equals(Buffer.from(bytes))).toBe(true);
      } else {
        const g = graphFromMetaGraph(parseMetaGraph(bytes, { path: file }), { path: file });
        expect(Buffer.from(serializeMetaGraph(metaGraphFromGraph(g))).equals(Buffer.from(bytes))).toBe(true);
      }
    });
  }

  it('keeps unknown ops, unknown attrs and unknown fields verbatim', () => {
    const node = tensorflow.NodeDef.create({
      name: 'mystery',
      op: 'SomeFutureOp',
      attr: { new_attr: tensorflow.AttrValue.create({ i: 5 as never }) },
    });
    node.$unknowns = [new Uint8Array([0xa0, 0x06, 0x01])]; // field 100, varint 1
    const def = tensorflow.GraphDef.create({ node: [node], versions: { producer: 27 } });
    const bytes = serializeGraphDef(def);
    const back = serializeGraphDef(graphToGraphDef(graphFromGraphDef(parseGraphDef(bytes))));
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('graphs we build', () => {
  it('name ops the way TensorFlow does', () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [null, 2], 'x');
    const w = b.nameScope('dense', () => b.variable('kernel', [2, 2], { zeros: true }));
    expect(w.value).toBe('dense/kernel/read:0');
    expect(b.matmul(x, w.value)).toBe('MatMul:0');
    expect(b.matmul(x, w.value)).toBe('MatMul_1:0');
    expect(b.add(x, b.constant(1))).toBe('add:0');
    expect(b.nameScope('dense', () => b.relu(x))).toBe('dense_1/Relu:0');
    expect(b.reshape(x, [-1])).toBe('Reshape:0');
    expect(g.node('Reshape/shape')?.op).toBe('Const');
    // names compare lower-cased, like Graph.unique_name
    expect(g.uniqueName('matmul')).toBe('matmul_2');
    const init = b.globalVariablesInitializer();
    expect(g.node(init)!.input).toEqual(['^dense/kernel/Assign']);
  });
});

describe('text round trip is identical', () => {
  for (const f of readdirSync(GRAPHS).filter((f) => f.endsWith('.pbtxt'))) {
    it(`fixtures/graphs/${f}`, async () => {
      const { graphDefToText, metaGraphToText } = await import('@tensorgraft/graph');
      const path = join(GRAPHS, f);
      const text = readFileSync(path, 'utf8');
      const out = f.endsWith('.meta.pbtxt')
        ? metaGraphToText(metaGraphFromGraph(graphFromMetaGraph(parseMetaGraph(text, { path }))))
        : graphDefToText(graphToGraphDef(graphFromGraphDef(parseGraphDef(text, { path }))));
      expect(out).toBe(text);
    });
  }

  it('a binary reader given text falls back to the text format', () => {
    const path = join(GRAPHS, 'mlp.meta.pbtxt');
    const fromText = parseMetaGraph(new Uint8Array(readFileSync(path)), { path });
    const fromBinary = parseMetaGraph(new Uint8Array(readFileSync(join(GRAPHS, 'mlp.meta'))));
    expect(serializeMetaGraph(fromText)).toEqual(serializeMetaGraph(fromBinary));
  });
});
