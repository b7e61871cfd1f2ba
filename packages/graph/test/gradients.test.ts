import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  attr,
  Graph,
  GraphBuilder,
  GraphError,
  gradientFunction,
  gradients,
  graphFromGraphDef,
  parseGraphDef,
  registerGradient,
  Session,
} from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { attrTexts } from './gradients-helpers.js';
import { REPO } from './helpers.js';
import { maxRelErr } from './training-helpers.js';

const DIR = join(REPO, 'fixtures', 'gradients');

interface Arr {
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

interface Case {
  feeds: Record<string, Arr>;
  grads: Record<string, Arr | null>;
  ys: string[];
  xs: string[];
  stop_gradients: string[];
  colocate: boolean;
  grad_ys: (string | null)[];
  grad_names: (string | null)[];
  nodes: [string, string, string[]][];
  /** Every attr of each added node in TensorFlow's text format. */
  attrs: Record<string, string>[];
}

function load(name: string): { graph: Graph; fx: Case } {
  const fx = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Case;
  const graph = graphFromGraphDef(parseGraphDef(new Uint8Array(readFileSync(join(DIR, `${name}.pb`)))));
  return { graph, fx };
}

describe('gradients: the nodes tf.compat.v1.gradients adds', () => {
  for (const name of [
    'mlp',
    'mlp_colocated',
    'cnn',
    'elementwise',
    'shapes',
    'more',
    'grad_ys',
    'nn_more',
    'second_order',
    'stop_middle',
    'stop_arg',
    'slim_ops',
  ]) {
    it(`${name}: same node names, op types and inputs, in TensorFlow's order`, () => {
      const { graph, fx } = load(name);
      const before = graph.nodes.length;
      const result = gradients(graph, fx.ys, fx.xs, {
        stopGradients: fx.stop_gradients,
        colocateGradientsWithOps: fx.colocate,
        gradYs: fx.grad_ys,
      });
      expect(result).toEqual(fx.grad_names);
      const added = graph.nodes.slice(before).map((n) => [n.name, n.op, n.input]);
      expect(added).toEqual(fx.nodes);
      expect(graph.nodes.slice(before).map(attrTexts)).toEqual(fx.attrs);
    });
  }
});

describe('gradients: values equal tf.gradients on the fixture graphs', () => {
  for (const name of [
    'mlp',
    'cnn',
    'elementwise',
    'shapes',
    'gather',
    'more',
    'einsum',
    'second_order',
    'nn_kernels',
    'prod_topk',
    'grad_ys',
    'stop_middle',
    'stop_arg',
    'slim_ops',
  ]) {
    it(`${name}: every x's gradient (null where TF gives None)`, async () => {
      const { graph, fx } = load(name);
      const grads = gradients(graph, fx.ys, fx.xs, { stopGradients: fx.stop_gradients, gradYs: fx.grad_ys });
      const session = new Session(graph);
      const feeds: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(fx.feeds)) feeds[k] = tf.tensor(v.values, v.shape, v.dtype);
      const fetch = grads.filter((g): g is string => g !== null);
      const values = await session.run(fetch, feeds);
      let k = 0;
      fx.xs.forEach((x, i) => {
        const want = fx.grads[x];
        if (want === null || want === undefined) {
          expect(grads[i], x).toBeNull();
          return;
        }
        const got = values[k++]!;
        expect(got.shape, x).toEqual(want.shape);
        // max |got - want| / max(1, |want|)
        expect(maxRelErr(got.dataSync(), want.values, 1), x).toBeLessThan(1e-5);
      });
      for (const t of [...values, ...Object.values(feeds)]) t?.dispose();
      session.close();
    });
  }
});

describe('gradients: ResourceGather (tf.gather on a resource variable)', () => {
  it("TensorFlow's IndexedSlices nodes, then made dense: the values tf.gradients gives", async () => {
    const fx = JSON.parse(readFileSync(join(DIR, 'resource_gather.json'), 'utf8')) as {
      ys: string[];
      xs: string[];
      init: string;
      grad: Arr;
      nodes: [string, string, string[]][];
    };
    const graph = graphFromGraphDef(parseGraphDef(new Uint8Array(readFileSync(join(DIR, 'resource_gather.pb')))));
    const before = graph.nodes.length;
    const [grad] = gradients(graph, fx.ys, fx.xs);
    const added = graph.nodes.slice(before).map((n) => [n.name, n.op, n.input]);
    // TensorFlow stops at the IndexedSlices; densifying them adds the num_segments slice and UnsortedSegmentSum
    expect(added.slice(0, fx.nodes.length)).toEqual(fx.nodes);
    expect(added.slice(fx.nodes.length).map((n) => n[1])).toEqual([
      'Const',
      'Const',
      'Const',
      'StridedSlice',
      'UnsortedSegmentSum',
    ]);
    const session = new Session(graph);
    await session.run(fx.init);
    const got = (await session.run(grad!))!;
    expect(got.shape).toEqual(fx.grad.shape);
    expect(maxRelErr(got.dataSync(), fx.grad.values, 1)).toBeLessThan(1e-6);
    session.close();
  });
});

describe('gradients: blocking and errors', () => {
  it('registerGradient adds a gradient function for an op type (and refuses to replace one silently)', async () => {
    const b = new GraphBuilder(new Graph());
    const y = b.placeholder('float32', [3], 'y');
    const dy = b.placeholder('float32', [3], 'dy');
    // replace SigmoidGrad's (y, dy) -> dy * y * (1 - y) built-in gradient with one written here
    const builtIn = gradientFunction('SigmoidGrad');
    expect(() => registerGradient('SigmoidGrad', null)).toThrow(GraphError);
    registerGradient(
      'SigmoidGrad',
      (em, op, [g]) => {
        const [yy, d] = op.input as [string, string];
        const oneMinus = em.t('Sub', [{ value: 1, dtype: 1 }, yy], {}, 'sub');
        const wrtY = em.t('Mul', [em.t('Mul', [g!, d]), em.t('Sub', [oneMinus, yy], {}, 'sub')]);
        return [wrtY, em.t('Mul', [g!, em.t('Mul', [yy, oneMinus])])];
      },
      { replace: true },
    );
    const s = b.op('SigmoidGrad', [y, dy], { T: { type: 1 } } as never, 'sg');
    const [gy, gdy] = b.gradients(b.reduceSum(b.square(`${s.name}:0`), [0]), [y, dy]);
    expect(gy).toBe('gradients/sg_grad/Mul_1:0');
    const session = new Session(b.graph);
    const ys = [0.2, 0.5, 0.9];
    const ds = [1, -2, 0.5];
    const [gotY, gotD] = await session.run([gy!, gdy!], { [y]: tf.tensor(ys), [dy]: tf.tensor(ds) });
    // f = (d y (1 - y))^2: df/dy = 2 f' d (1 - 2y), df/dd = 2 f' y (1 - y), f' = d y (1 - y)
    const f = ys.map((v, i) => ds[i]! * v * (1 - v));
    expect(
      maxRelErr(
        gotY!.dataSync(),
        ys.map((v, i) => 2 * f[i]! * ds[i]! * (1 - 2 * v)),
        1,
      ),
    ).toBeLessThan(1e-6);
    expect(
      maxRelErr(
        gotD!.dataSync(),
        ys.map((v, i) => 2 * f[i]! * v * (1 - v)),
        1,
      ),
    ).toBeLessThan(1e-6);
    gotY!.dispose();
    gotD!.dispose();
    registerGradient('SigmoidGrad', builtIn, { replace: true });
    session.close();
  });

  it('an x with no path to y gets null; StopGradient blocks', () => {
    const b = new GraphBuilder(new Graph());
    const x = b.placeholder('float32', [2], 'x');
    const z = b.placeholder('float32', [2], 'z');
    const y = b.reduceSum(b.add(b.square(x), b.stopGradient(b.exp(z))), [0]);
    const [gx, gz, gu] = b.gradients(y, [x, z, b.placeholder('float32', [2], 'u')]);
    expect(gx).toBe('gradients/Square_grad/Mul_1:0');
    expect(gz).toBeNull();
    expect(gu).toBeNull();
  });

  it('an op on the path without a gradient function is an UNSUPPORTED_OP error naming its type', () => {
    const b = new GraphBuilder(new Graph());
    const x = b.placeholder('float32', [2, 3], 'x');
    const y = b.op(
      'MaxPoolGrad',
      [x, x, x],
      { T: { type: 1 }, ksize: attr.listI([1, 1, 1, 1]), strides: attr.listI([1, 1, 1, 1]), padding: attr.s('VALID') },
      'e',
    );
    let err: unknown;
    try {
      b.gradients(`${y.name}:0`, [x]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).code).toBe('UNSUPPORTED_OP');
    expect((err as GraphError).message).toContain('op type: MaxPoolGrad');
    expect((err as GraphError).node).toBe('e');
  });
});

describe('gradients: damaged graphs', () => {
  it('400 mutated fixture graphs: gradients() succeeds or throws a GraphError, nothing else', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const kinds = ['MatMul', 'Relu', 'Const', 'NoSuchOp', 'Sum', 'Reshape', 'Identity', 'AddN'];
    let errors = 0;
    for (let k = 0; k < 400; k++) {
      const { graph, fx } = load(k % 2 ? 'mlp' : 'cnn');
      const nodes = graph.nodes;
      for (let m = 0; m < 3; m++) {
        const n = nodes[rand(nodes.length)]!;
        const what = rand(4);
        if (what === 0) n.op = kinds[rand(kinds.length)]!;
        else if (what === 1) {
          const keys = Object.keys(n.attr);
          if (keys.length) delete n.attr[keys[rand(keys.length)]!];
        } else if (what === 2 && n.input.length) n.input[rand(n.input.length)] = nodes[rand(nodes.length)]!.name;
        else if (n.input.length) n.input.pop();
      }
      try {
        gradients(graph, fx.ys, fx.xs);
      } catch (e) {
        expect(e).toBeInstanceOf(GraphError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
  });
});
