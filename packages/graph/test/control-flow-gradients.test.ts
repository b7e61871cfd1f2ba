// gradients() through GraphBuilder.whileLoop and cond builds TensorFlow's control flow v1 gradient graph (the gradient
// loop with its counters, stacks and accumulators; cond_grad Switches and Merges) node for node, and it runs to
// TensorFlow's values; GradientDescentOptimizer.minimize trains through the loop as TensorFlow does
// (fixtures/control-flow/builder_gradients.json, recorded from the pinned TensorFlow for the same program).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  type BuiltVariable,
  GradientDescentOptimizer,
  Graph,
  GraphBuilder,
  gradients,
  Session,
} from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { CONTROL_FLOW, expectRelClose, feedsOf, loadCase } from './control-flow-helpers.js';
import { type Row, rows } from './control-flow-rows.js';

interface Run {
  feeds: Record<string, unknown>;
  values: Record<string, number[]>;
}
const spec = JSON.parse(readFileSync(join(CONTROL_FLOW, 'builder_gradients.json'), 'utf8')) as {
  gradients: { fetch: string[]; nodes: Row[]; runs: Run[] };
  train: Training;
  train_resource: Training;
  nested: { fetch: string[]; nodes: Row[]; runs: Run[] };
  nested_train: Training;
  cond_in_loop: { fetch: string[]; nodes: Row[]; runs: Run[] };
};
interface Training {
  train_op: string;
  nodes: Row[];
  steps: { feeds: Record<string, unknown>; loss: number; w: number[] }[];
}

/** Runs the fixture's training steps: the loss before each update and the variable after it, as TensorFlow's. */
async function expectTraining(g: Graph, loss: string, train: string, w: BuiltVariable, want: Training): Promise<void> {
  const session = new Session(g);
  await session.run('init');
  for (const step of want.steps) {
    const feeds = feedsOf(g, step.feeds);
    // the loss is computed before the update in the same run, as sess.run([loss, train_op])
    const [before] = (await session.run([loss, train], feeds)) as tf.Tensor[];
    expectRelClose(before!.dataSync(), [step.loss], 1e-5, 'loss');
    const value = (await session.run(w.value)) as tf.Tensor;
    expectRelClose(value.dataSync(), step.w, 1e-5, 'w');
    tf.dispose([before!, value, ...Object.values(feeds)]);
  }
  session.close();
}

/** Runs `fetch` on each fixture run's feeds and compares every fetched value with TensorFlow's; the worst difference. */
async function expectRuns(g: Graph, fetch: string[], runs: Run[]): Promise<number> {
  const session = new Session(g);
  await session.run('init');
  let worst = 0;
  for (const run of runs) {
    const feeds = feedsOf(g, run.feeds);
    const outs = (await session.run(fetch, feeds)) as tf.Tensor[];
    for (const [k, name] of fetch.entries())
      worst = Math.max(worst, expectRelClose(outs[k]!.dataSync(), run.values[name]!, 1e-6, name));
    tf.dispose([...outs, ...Object.values(feeds)]);
  }
  session.close();
  return worst;
}

/** The program of make_control_flow.py's gradient_program: a loop, a cond, a loss. */
function program(b: GraphBuilder, resource = false) {
  const x = b.placeholder('float32', [3], 'x');
  const n = b.placeholder('int32', [], 'n');
  const p = b.placeholder('bool', [], 'p');
  const w = b.variable('w', [3], { constant: [0.5, -1.0, 0.7] }, { resource });
  const [, acc] = b.whileLoop(
    (i) => `${b.op('Less', [i, n], { T: { type: 3 } }, undefined, 'Less').name}:0`,
    (i, a) => [b.add(i, b.constant(1, { dtype: 'int32' })), b.mul(b.mul(a, x), w)],
    [b.constant(0, { dtype: 'int32' }), x],
  );
  const [r] = b.cond(
    p,
    () => [b.mul(acc!, b.constant(2))],
    () => [b.sub(b.constant(1), acc!)],
  );
  return { w, loss: b.reduceSum(b.mul(r!, r!), [0]) };
}

/** tf.compat.v1.gradients of `loss` w.r.t. the variable and the fed x, then the initializer: the fetch list. */
function withGradients(g: Graph, b: GraphBuilder, w: BuiltVariable, loss: string): { g: Graph; fetch: string[] } {
  const grads = b.gradients(loss, [w, 'x:0']);
  b.globalVariablesInitializer();
  return { g, fetch: [loss, ...grads.map((t) => t!)] };
}

/** The two checks of a gradient program against its fixture: TensorFlow's nodes in its order, then its values. */
function itMirrorsTensorFlow(
  build: () => { g: Graph; fetch: string[] },
  want: { fetch: string[]; nodes: Row[]; runs: Run[] },
  titles: { nodes: string; values: string },
): void {
  it(titles.nodes, () => {
    const { g, fetch } = build();
    expect(fetch).toEqual(want.fetch);
    expect(rows(g)).toEqual(want.nodes);
  });
  it(titles.values, async () => {
    const { g, fetch } = build();
    expect(await expectRuns(g, fetch, want.runs)).toBeLessThanOrEqual(1e-6);
  });
}

function gradientGraph(): { g: Graph; fetch: string[] } {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const { w, loss } = program(b);
  return withGradients(g, b, w, loss);
}

describe('gradients() through a v1 while loop and cond mirrors TensorFlow', () => {
  itMirrorsTensorFlow(gradientGraph, spec.gradients, {
    nodes: "makes TensorFlow's nodes, in its order",
    values: "computes TensorFlow's gradients (0, 3 and 2 iterations, both branches)",
  });

  it.each([
    ['a ref variable', 'train', false],
    ['a resource variable', 'train_resource', true],
  ] as const)(
    'trains %s through the loop: GradientDescentOptimizer.minimize, ten steps as TensorFlow',
    async (_, key, resource) => {
      const want = spec[key];
      const g = new Graph();
      const b = new GraphBuilder(g);
      const { w, loss } = program(b, resource);
      const train = new GradientDescentOptimizer(b, { learningRate: 0.02 }).minimize(loss);
      b.globalVariablesInitializer();
      expect(train).toBe(want.train_op);
      expect(rows(g)).toEqual(want.nodes);
      await expectTraining(g, loss, train, w, want);
    },
  );
});

/** make_control_flow.py's nested_gradient_program: a loop running i times inside a loop (no gradients yet). */
function nestedProgram(): { g: Graph; b: GraphBuilder; loss: string; w: BuiltVariable } {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [3], 'x');
  const n = b.placeholder('int32', [], 'n');
  const w = b.variable('w', [3], { constant: [0.5, -1.0, 0.7] });
  const less = (a: string, c: string) => `${b.op('Less', [a, c], { T: { type: 3 } }, undefined, 'Less').name}:0`;
  const one = () => b.constant(1, { dtype: 'int32' });
  const [, acc] = b.whileLoop(
    (i) => less(i, n),
    (i, a) => {
      const [, inner] = b.whileLoop(
        (j) => less(j, i),
        (j, c) => [b.add(j, one()), b.mul(c, w)],
        [b.constant(0, { dtype: 'int32' }), a],
      );
      return [b.add(i, one()), b.mul(inner!, x)];
    },
    [b.constant(0, { dtype: 'int32' }), x],
  );
  return { g, b, w, loss: b.reduceSum(b.mul(acc!, acc!), [0]) };
}

/** The nested program with tf.compat.v1.gradients w.r.t. the variable and the fed input. */
function nestedGraph(): { g: Graph; fetch: string[] } {
  const { g, b, w, loss } = nestedProgram();
  return withGradients(g, b, w, loss);
}

describe('a loop inside a loop mirrors TensorFlow', () => {
  it("makes TensorFlow's forward nodes and runs to its loss (0, 1 and 3 outer iterations)", async () => {
    const { g, b, loss } = nestedProgram();
    const forward = spec.nested.nodes.filter((r) => !r.name.startsWith('gradients/') && r.name !== 'init');
    b.globalVariablesInitializer();
    expect(rows(g)).toEqual(forward.concat(spec.nested.nodes.filter((r) => r.name === 'init')));
    const session = new Session(g);
    await session.run('init');
    for (const run of spec.nested.runs) {
      const feeds = feedsOf(g, run.feeds);
      const value = (await session.run(loss, feeds)) as tf.Tensor;
      expectRelClose(value.dataSync(), run.values[loss]!, 1e-6, loss);
      tf.dispose([value, ...Object.values(feeds)]);
    }
    session.close();
  });

  itMirrorsTensorFlow(nestedGraph, spec.nested, {
    nodes: "gradients(): makes TensorFlow's nodes, in its order",
    values: "gradients(): computes TensorFlow's values (0, 1 and 3 outer iterations)",
  });
});

it('trains through a loop inside a loop: GradientDescentOptimizer.minimize, ten steps as TensorFlow', async () => {
  const want = spec.nested_train;
  const { g, b, w, loss } = nestedProgram();
  const train = new GradientDescentOptimizer(b, { learningRate: 0.02 }).minimize(loss);
  b.globalVariablesInitializer();
  expect(train).toBe(want.train_op);
  expect(rows(g)).toEqual(want.nodes);
  await expectTraining(g, loss, train, w, want);
});

/** make_control_flow.py's cond_in_loop_program: the first two iterations multiply by w, the others by x. */
function condInLoopGraph(): { g: Graph; fetch: string[] } {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [3], 'x');
  const n = b.placeholder('int32', [], 'n');
  const w = b.variable('w', [3], { constant: [0.5, -1.0, 0.7] });
  const less = (a: string, c: string) => `${b.op('Less', [a, c], { T: { type: 3 } }, undefined, 'Less').name}:0`;
  const [, acc] = b.whileLoop(
    (i) => less(i, n),
    (i, a) => {
      const next = b.add(i, b.constant(1, { dtype: 'int32' }));
      const [r] = b.cond(
        less(i, b.constant(2, { dtype: 'int32' })),
        () => [b.mul(a, w)],
        () => [b.mul(a, x)],
      );
      return [next, r!];
    },
    [b.constant(0, { dtype: 'int32' }), x],
  );
  return withGradients(g, b, w, b.reduceSum(b.mul(acc!, acc!), [0]));
}

describe('gradients() through a cond inside a loop mirrors TensorFlow', () => {
  itMirrorsTensorFlow(condInLoopGraph, spec.cond_in_loop, {
    nodes: "makes TensorFlow's nodes, in its order",
    values: "computes TensorFlow's values (0, 1 and 4 iterations: the branches taken in turn)",
  });
});

describe('gradients() refuses the control flow it cannot mirror, naming it', () => {
  it('a v1 loop imported from a GraphDef (no recorded contexts)', () => {
    const { graph } = loadCase('counter_v1');
    expect(() => gradients(graph, ['acc:0'], ['x:0'])).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_OP', message: expect.stringMatching(/Exit 'loop\/Exit_1'/) }),
    );
  });

  it('gradients() called while a loop body is being built', () => {
    const b = new GraphBuilder(new Graph());
    const x = b.placeholder('float32', [3], 'x');
    const t = b.constant(true);
    expect(() =>
      b.whileLoop(
        () => t,
        (a) => [b.gradients(b.mul(a, a), [a])[0]!],
        [x],
      ),
    ).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_OP', message: expect.stringMatching(/inside a while loop/) }),
    );
  });

  it('a cond built inside a cond', () => {
    const b = new GraphBuilder(new Graph());
    const p = b.placeholder('bool', [], 'p');
    expect(() =>
      b.cond(
        p,
        () =>
          b.cond(
            p,
            () => [p],
            () => [p],
          ),
        () => [p],
      ),
    ).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_OP', message: expect.stringMatching(/cond inside a cond/) }),
    );
  });

  it('a second-order gradient through a loop', () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const { w, loss } = program(b);
    const [gw] = b.gradients(loss, [w]);
    expect(() => b.gradients(gw!, ['x:0'])).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_OP', message: expect.stringMatching(/second-order gradient/) }),
    );
  });
});
