// v1 loops (Enter / Exit / NextIteration frames) and functional While, on graphs TensorFlow wrote in both control-flow
// generations (fixtures/control-flow, made by interop/fixtures/make_control_flow.py).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectRunsMatch, feedsOf, loadCase, maxRelDiff, sessionFor } from './control-flow-helpers.js';

describe.each(['v1', 'v2'])('control flow %s', (gen) => {
  it.each(['counter', 'nested_cond'])('%s: every fetch equals TensorFlow', async (name) => {
    const { graph, spec } = loadCase(`${name}_${gen}`);
    if (gen === 'v1') expect(spec.ops).toContain('NextIteration');
    else expect(spec.ops).toContain('StatelessWhile');
    const session = sessionFor(graph, spec);
    await expectRunsMatch(session, graph, spec);
    // the first pass made the session's constants; a second leaves nothing behind
    const before = tf.memory().numTensors;
    await expectRunsMatch(session, graph, spec);
    expect(tf.memory().numTensors).toBe(before);
    session.close();
  });
});

describe('loop memory', () => {
  it.each(['v1', 'v2'])('%s: a 10,000-iteration loop peaks as a 100-iteration one', async (gen) => {
    const { graph, spec } = loadCase(`counter_${gen}`);
    const session = sessionFor(graph, spec);
    const x = tf.tensor([1, -2, 0.25]);
    // the peak number of live tensors during a run, seen at every tensor creation
    const engine = tf.engine() as unknown as { trackTensor: (...a: unknown[]) => void };
    const track = engine.trackTensor;
    const peakOf = async (n: number) => {
      const start = tf.memory().numTensors;
      let peak = start;
      engine.trackTensor = function (this: unknown, ...a: unknown[]) {
        track.apply(this, a);
        peak = Math.max(peak, tf.memory().numTensors);
      };
      const nT = tf.scalar(n, 'int32');
      try {
        const [count, acc] = (await session.run(['count:0', 'acc:0'], { 'n:0': nT, 'x:0': x })) as tf.Tensor[];
        expect(count!.dataSync()[0]).toBe(n);
        // acc = acc * 0.5 + x converges to 2x (exactly, in float32, after a few dozen iterations)
        if (n >= 100) expect(Array.from(acc!.dataSync())).toEqual([2, -4, 0.5]);
        count!.dispose();
        acc!.dispose();
      } finally {
        engine.trackTensor = track;
        nT.dispose();
      }
      expect(tf.memory().numTensors).toBe(start);
      return peak - start;
    };
    // the session's constants are made by the first run
    const one = tf.scalar(1, 'int32');
    (await session.run('acc:0', { 'n:0': one, 'x:0': x }))!.dispose();
    one.dispose();
    const small = await peakOf(100);
    const large = await peakOf(10_000);
    expect(large).toBe(small);
    expect(large).toBeLessThan(100);
    x.dispose();
    session.close();
  });
});

describe.each(['v1', 'v2'])('recurrent models, %s', (gen) => {
  it.each(['lstm', 'gru_seq2seq', 'lstm_block'])('%s: forward equals TensorFlow (1e-5 relative)', async (name) => {
    const { graph, spec } = loadCase(`${name}_${gen}`);
    expect(spec.ops).toContain(gen === 'v1' ? 'TensorArrayV3' : 'TensorListReserve');
    const session = sessionFor(graph, spec);
    await expectRunsMatch(session, graph, spec);
    const before = tf.memory().numTensors;
    await expectRunsMatch(session, graph, spec);
    expect(tf.memory().numTensors).toBe(before);
    session.close();
  });
});

describe('functional While from a tf.function', () => {
  it('PartitionedCall over a body with StatelessWhile equals TensorFlow', async () => {
    const { graph, spec } = loadCase('function_while_v2');
    expect(spec.ops).toEqual(expect.arrayContaining(['PartitionedCall', 'StatelessWhile']));
    const session = sessionFor(graph, spec);
    await expectRunsMatch(session, graph, spec);
    session.close();
  });
});

// TensorFlow's own float32 spread on these steps (oneDNN on vs off, measured by the fixture maker) is ~1.2e-7; ours
// from TensorFlow measured the same size (1.2e-7 on the losses and the kernels after 10 steps). The tolerance is ten
// times TensorFlow's spread (never below ten float32 ulps of 1).
const SPREAD_FACTOR = 10;

describe.each(['v1', 'v2'])('training through loops, %s', (gen) => {
  it('dynamic_rnn LSTM: 10 SGD steps of the TensorFlow-written train op equal TensorFlow', async () => {
    const { graph, spec } = loadCase(`lstm_${gen}`);
    const t = spec.training!;
    // v1: the gradient loop keeps forward values on stacks; v2: While gradients with TensorList accumulators
    expect(spec.ops).toContain(gen === 'v1' ? 'StackPushV2' : 'TensorListPopBack');
    const tol = SPREAD_FACTOR * Math.max(t.spread_onednn_off, 2 ** -23);
    const session = sessionFor(graph, spec);
    const feeds = feedsOf(graph, t.feed);
    const losses: number[] = [];
    for (let k = 0; k < 10; k++) {
      const [loss] = (await session.run([t.loss, t.train], feeds)) as tf.Tensor[];
      losses.push(loss!.dataSync()[0]!);
      loss!.dispose();
    }
    expect(maxRelDiff(losses, t.losses)).toBeLessThanOrEqual(tol);
    for (const [name, want] of Object.entries(t.after)) {
      const got = (await session.run(`${name}:0`)) as tf.Tensor | null;
      // resource variables are read through their ReadVariableOp
      const value = got ?? ((await session.run(`${name}/Read/ReadVariableOp:0`)) as tf.Tensor);
      expect(maxRelDiff(value.dataSync(), want), name).toBeLessThanOrEqual(tol);
      value.dispose();
    }
    for (const f of Object.values(feeds)) f.dispose();
    session.close();
  });
});
