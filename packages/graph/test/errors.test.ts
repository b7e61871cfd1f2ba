// Bad graphs get typed errors naming the node; unsupported ops are named at plan time, before any kernel runs.
import * as tf from '@tensorflow/tfjs-core';
import {
  attr,
  Graph,
  GraphBuilder,
  GraphError,
  graphFromGraphDef,
  graphFromMetaGraph,
  importGraphDef,
  importMetaGraph,
  parseGraphDef,
  parseMetaGraph,
  Session,
} from '@tensorgraft/graph';
import { tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

const node = (
  name: string,
  op: string,
  input: string[] = [],
  a: Record<string, tensorflow.AttrValue.$Properties> = {},
) => tensorflow.NodeDef.create({ name, op, input, attr: a });
const ph = (name: string) => node(name, 'Placeholder', [], { dtype: attr.type(1) });
const id = (name: string, input: string[]) => node(name, 'Identity', input, { T: attr.type(1) });

function expectCode(fn: () => unknown, code: string, nodeName?: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).code).toBe(code);
    if (nodeName !== undefined) expect((err as GraphError).node).toBe(nodeName);
    return;
  }
  throw new Error(`expected a ${code} GraphError`);
}

describe('bad graphs', () => {
  it('a cycle outside a loop', () => {
    expectCode(() => graphFromGraphDef({ node: [id('a', ['b']), id('b', ['a'])] }), 'CYCLE', 'a');
    expectCode(
      () => importGraphDef(new Graph(), { node: [ph('x'), id('a', ['x', '^c']), id('c', ['a'])] }),
      'CYCLE',
      'a',
    );
  });

  it('a missing input, or an output the node does not have', () => {
    expectCode(() => graphFromGraphDef({ node: [id('a', ['nope'])] }), 'MISSING_INPUT', 'a');
    expectCode(() => graphFromGraphDef({ node: [ph('x'), id('a', ['x:3'])] }), 'MISSING_INPUT', 'a');
  });

  it('an attr of the wrong kind, or one the OpDef does not have: refused on import and on run, kept on load', async () => {
    const mm = node('m', 'MatMul', ['x', 'x'], { T: attr.type(1), transpose_a: attr.s('yes') });
    expectCode(() => importGraphDef(new Graph(), { node: [ph('x'), mm] }), 'BAD_ATTR', 'm');
    const extra = node('m', 'MatMul', ['x', 'x'], { T: attr.type(1), colour: attr.s('red') });
    expectCode(() => importGraphDef(new Graph(), { node: [ph('x'), extra] }), 'BAD_ATTR', 'm');
    expectCode(
      () => importGraphDef(new Graph(), { node: [node('c', 'Const', [], { dtype: attr.type(1) })] }),
      'BAD_ATTR',
      'c',
    );
    // a lossless load keeps them; running the node refuses them before any kernel runs
    const g = graphFromGraphDef({ node: [ph('x'), extra] });
    expect(g.node('m')!.attr.colour).toBeDefined();
    const s = new Session(g);
    await expect(s.run('m:0', { 'x:0': tf.ones([2, 2]) })).rejects.toMatchObject({ code: 'BAD_ATTR', node: 'm' });
    s.close();
  });

  it('an unknown dtype', () => {
    expectCode(
      () => importGraphDef(new Graph(), { node: [node('x', 'Placeholder', [], { dtype: attr.type(77) })] }),
      'UNKNOWN_DTYPE',
      'x',
    );
  });

  it('duplicate names, invalid names, control inputs before data inputs', () => {
    expectCode(() => graphFromGraphDef({ node: [ph('x'), ph('x')] }), 'DUPLICATE_NODE', 'x');
    expectCode(() => graphFromGraphDef({ node: [ph('_x')] }), 'BAD_NAME', '_x');
    expectCode(
      () => graphFromGraphDef({ node: [ph('x'), ph('y'), node('a', 'AddV2', ['^y', 'x', 'x'], { T: attr.type(1) })] }),
      'BAD_NAME',
      'a',
    );
  });

  it('bytes that are not a meta graph: BAD_FILE with the offset', () => {
    const bytes = fixture('mlp', 'model.ckpt.meta').slice(0, 1000);
    try {
      parseMetaGraph(bytes, { path: 'cut.meta', format: 'binary' });
      throw new Error('parsed');
    } catch (err) {
      expect(err).toMatchObject({ code: 'BAD_FILE', path: 'cut.meta' });
      expect((err as GraphError).offset).toBeGreaterThan(0);
    }
  });

  it('mutated meta graphs never crash: parse and load give a value or a GraphError', () => {
    const original = fixture('cnn', 'model.ckpt.meta');
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = original.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      try {
        const meta = parseMetaGraph(bytes, { format: 'binary' });
        graphFromMetaGraph(meta);
        importMetaGraph(new Graph(), meta);
      } catch (err) {
        if (!(err instanceof GraphError)) throw err;
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
  });
});

describe('running', () => {
  it('names every unsupported op type and node before any kernel runs', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const v = b.variable('v', [2], { constant: [1, 2] });
    g.addNode({ name: 'weird', op: 'FancyOp', inputs: [v.initializer.replace(/^/, '^')] });
    g.addNode({ name: 'weirder', op: 'OtherOp', inputs: ['weird'] });
    const s = new Session(g);
    await expect(s.run('weirder')).rejects.toMatchObject({
      code: 'UNSUPPORTED_OP',
      message: expect.stringMatching(/FancyOp \(weird\); OtherOp \(weirder\)/),
    });
    // the Assign before it did not run
    await expect(s.run(v.value)).rejects.toMatchObject({
      code: 'UNINITIALIZED',
      message: expect.stringContaining('Attempting to use uninitialized value v'),
    });
    s.close();
  });

  it('UnsortedSegmentSum: a hostile num_segments or an id out of range is a KERNEL error, not a huge allocation', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const data = b.constant([1, 2, 3, 4, 5, 6], { shape: [3, 2], name: 'data' });
    const ids = b.constant([0, 2, 0], { dtype: 'int32', name: 'ids' });
    const types = { T: attr.type(1), Tindices: attr.type(3), Tnumsegments: attr.type(3) };
    const segments = (n: number, name: string) =>
      `${b.op('UnsortedSegmentSum', [data, ids, b.constant(n, { dtype: 'int32', name: `${name}_n` })], types, name).name}:0`;
    const ok = segments(3, 'sum_ok');
    const huge = segments(2 ** 31 - 1, 'sum_huge');
    const small = segments(2, 'sum_small');
    const s = new Session(g, { backend: 'cpu' });
    const t = (await s.run(ok)) as tf.Tensor;
    // TensorFlow: rows 0 and 2 go to segment 0, row 1 to segment 2, segment 1 stays zero
    expect(Array.from(t.dataSync())).toEqual([6, 8, 0, 0, 3, 4]);
    t.dispose();
    await expect(s.run(huge)).rejects.toMatchObject({ code: 'KERNEL', node: 'sum_huge' });
    await expect(s.run(small)).rejects.toMatchObject({
      code: 'KERNEL',
      message: expect.stringContaining('out of range'),
    });
    s.close();
  });

  it('reading an uninitialized resource variable', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const v = b.variable('r', [2], { zeros: true }, { resource: true });
    const s = new Session(g);
    await expect(s.run(v.value)).rejects.toMatchObject({ code: 'UNINITIALIZED', node: 'r/Read/ReadVariableOp' });
    await s.run(v.initializer);
    const t = (await s.run(v.value))!;
    expect(Array.from(t.dataSync())).toEqual([0, 0]);
    t.dispose();
    s.close();
  });

  it('feeds cut the graph, control dependencies run, plans are cached', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [null], 'x');
    const v = b.variable('count', [], { zeros: true });
    const bump = b.assign(v, b.add(v.value, b.constant(1)), 'bump');
    const y = b.controlDependencies([bump], () => b.identity(b.mul(x, b.constant(2)), 'y'));
    const s = new Session(g);
    await s.run(b.globalVariablesInitializer());
    for (let i = 0; i < 3; i++) (await s.run(y, { [x]: tf.tensor([1, 2]) }))!.dispose();
    const count = (await s.run(v.value))!;
    expect(count.dataSync()[0]).toBe(3);
    // feeding the product skips the multiply and the placeholder, not the control dependency
    const fed = (await s.run(y, { 'mul:0': tf.tensor([7]) }))!;
    expect(Array.from(fed.dataSync())).toEqual([7]);
    count.dispose();
    fed.dispose();
    s.close();
  });
});

describe('memory', () => {
  it('a failed run leaves no tensor behind', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [null, 3], 'x');
    const y = b.relu(b.matmul(x, b.constant([1, 2, 3, 4, 5, 6], { shape: [3, 2] })));
    const bad = b.reshape(y, [5]);
    const s = new Session(g);
    const feed = tf.ones([2, 3]);
    // the first attempt compiles (and keeps) the constants
    await expect(s.run([y, bad], { [x]: feed })).rejects.toMatchObject({ code: 'KERNEL', node: 'Reshape' });
    const before = tf.memory().numTensors;
    await expect(s.run([y, bad], { [x]: feed })).rejects.toMatchObject({ code: 'KERNEL', node: 'Reshape' });
    expect(tf.memory().numTensors).toBe(before);
    feed.dispose();
    s.close();
  });
});

describe('mutated graphs at run time', () => {
  it('importing and running a mutated op graph gives values or GraphErrors, never a crash or a runaway allocation', async () => {
    const original = fixture('ops.pb');
    const fetches = ['Add', 'Conv2D', 'Reshape', 'Range', 'Fill', 'Tile', 'Pad', 'ConcatV2', 'StridedSlice', 'OneHot'];
    const json = (await import('./op-cases.js')).spec;
    let seed = 777;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let ran = 0;
    for (let iter = 0; iter < 40; iter++) {
      const bytes = original.slice();
      for (let f = 0; f < 3; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      let graph: Graph;
      try {
        graph = new Graph();
        importGraphDef(graph, parseGraphDef(bytes, { format: 'binary' }), { prefix: '' });
      } catch (err) {
        if (!(err instanceof GraphError)) throw err;
        continue;
      }
      const s = new Session(graph);
      for (const name of fetches) {
        const tensor = json.cases[name]?.tensor;
        if (!tensor || !graph.hasNode(tensor.split(':')[0]!)) continue;
        try {
          (await s.run(tensor, { 'x:0': tf.ones([2, 3]) }))?.dispose();
          ran++;
        } catch (err) {
          if (!(err instanceof GraphError)) throw err;
        }
      }
      s.close();
    }
    expect(ran).toBeGreaterThan(0);
  }, 30_000);
});

describe('import errors name the file as well as the node', () => {
  // A Const whose value attr is set but empty: the error is raised deep in the import, where only the node is known.
  const def = tensorflow.GraphDef.create({
    node: [node('c', 'Const', [], { dtype: attr.type(1), value: {} }), ph('x'), id('y', ['nope'])],
  });
  const caught = (fn: () => unknown): GraphError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(GraphError);
      return err as GraphError;
    }
    throw new Error('expected a GraphError');
  };

  it('importGraphDef and importMetaGraph', () => {
    const path = 'models/bad.pb';
    const meta = tensorflow.MetaGraphDef.create({ graph_def: def });
    for (const err of [
      caught(() => importGraphDef(new Graph(), def, { prefix: '', path })),
      caught(() => importMetaGraph(new Graph(), meta, { path })),
    ]) {
      expect(err.code).toBe('BAD_ATTR');
      expect(err.node).toBe('c');
      expect(err.path).toBe(path);
      expect(err.message).toBe(`attr 'value' of Const must be a tensor, got nothing (node c, ${path})`);
    }
    // graphFromGraphDef keeps attrs verbatim; its structural errors name the file too.
    const err = caught(() => graphFromMetaGraph(meta, { path }));
    expect([err.code, err.node, err.path]).toEqual(['MISSING_INPUT', 'y', path]);
  });
});
