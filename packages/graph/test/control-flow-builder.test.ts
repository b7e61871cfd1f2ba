// GraphBuilder.whileLoop and cond build what tf.compat.v1.while_loop and tf.compat.v1.cond build with control flow v1
// (fixtures/control-flow/builder_mirror.json, recorded from the pinned TensorFlow for the same program), and run to
// TensorFlow's values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { CONTROL_FLOW, expectRelClose, feedsOf } from './control-flow-helpers.js';
import { type Row, rows } from './control-flow-rows.js';

const spec = JSON.parse(readFileSync(join(CONTROL_FLOW, 'builder_mirror.json'), 'utf8')) as {
  fetch: string[];
  nodes: Row[];
  runs: { feeds: Record<string, unknown>; values: Record<string, number[]> }[];
};

function build(): Graph {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [3], 'x');
  const n = b.placeholder('int32', [], 'n');
  const p = b.placeholder('bool', [], 'p');
  const [, acc] = b.whileLoop(
    (i) => b.op('Less', [i, n], { T: { type: 3 } }, undefined, 'Less').name + ':0',
    (i, a) => [b.add(i, b.constant(1, { dtype: 'int32' })), b.mul(a, x)],
    [b.constant(0, { dtype: 'int32' }), x],
  );
  b.cond(
    p,
    () => [b.mul(acc!, b.constant(2))],
    () => [b.sub(b.constant(1), acc!)],
  );
  b.cond(
    p,
    () => [x],
    () => [b.identity(acc!)],
  );
  return g;
}

describe('GraphBuilder control flow (v1) mirrors TensorFlow', () => {
  it('whileLoop and cond make the nodes TensorFlow makes, in its order', () => {
    expect(rows(build())).toEqual(spec.nodes);
  });

  it('runs to TensorFlow values', async () => {
    const g = build();
    const session = new Session(g);
    for (const run of spec.runs) {
      const feeds = feedsOf(g, run.feeds);
      const outs = (await session.run(spec.fetch, feeds)) as tf.Tensor[];
      for (const [k, name] of spec.fetch.entries()) expectRelClose(outs[k]!.dataSync(), run.values[name]!, 1e-6, name);
      tf.dispose([...outs, ...Object.values(feeds)]);
    }
    session.close();
  });

  it('frees the copy of a feed from another backend only after its last consumer has run', async () => {
    // Neg(x) runs at once; Mul(x, c*c) first hears of x when c*c is ready. The session copies a cpu feed to wasm
    // (the run's to free): freeing it when Neg was done left Mul a disposed tensor (TensorFlow's bidirectional
    // dynamic_rnn fed its input the same way).
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [3], 'x');
    const c = b.constant(3);
    b.add(b.neg(x), b.mul(x, b.mul(c, c)), 'y');
    // fetched with y, a loop puts the run on the frame executor
    const [count] = b.whileLoop(
      (i) => b.op('Less', [i, b.constant(2, { dtype: 'int32' })], { T: { type: 3 } }, undefined, 'Less').name + ':0',
      (i) => [b.add(i, b.constant(1, { dtype: 'int32' }))],
      [b.constant(0, { dtype: 'int32' })],
    );
    const session = new Session(g, { backend: 'wasm' });
    const previous = tf.engine().backendName;
    await tf.setBackend('cpu');
    try {
      const fed = tf.tensor1d([1, -2, 0.5]);
      // twice: the first run also makes the constants the session keeps, the second must leave nothing behind
      for (const pass of [0, 1]) {
        const before = tf.memory().numTensors;
        const [y, n] = (await session.run(['y:0', count!], { 'x:0': fed })) as tf.Tensor[];
        if (pass === 1) expect(tf.memory().numTensors - before).toBe(2);
        expect(Array.from(y!.dataSync())).toEqual([8, -16, 4]);
        expect(Array.from(n!.dataSync())).toEqual([2]);
        tf.dispose([y!, n!]);
      }
      expect(fed.isDisposed).toBe(false);
      fed.dispose();
    } finally {
      session.close();
      if (previous) await tf.setBackend(previous);
    }
  });

  it('refuses a loop built inside a cond', () => {
    const b = new GraphBuilder(new Graph());
    const p = b.placeholder('bool', [], 'p');
    expect(() =>
      b.cond(
        p,
        () =>
          b.whileLoop(
            (i) => i,
            (i) => [i],
            [p],
          ),
        () => [p],
      ),
    ).toThrow(/not supported/);
  });
});
