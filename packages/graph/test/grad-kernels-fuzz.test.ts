// The gradient kernels fed hostile values: every case of fixtures/training/kernels.pb with its int inputs (shapes,
// sizes, indices, begin/end/strides, permutations) or its window attrs replaced by random small, zero, negative and
// huge values. Each run gives a value or a GraphError: never a RangeError, a hang or a runaway allocation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphError, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const DIR = join(REPO, 'fixtures', 'training');
const bytes = new Uint8Array(readFileSync(join(DIR, 'kernels.pb')));
const cases = (
  JSON.parse(readFileSync(join(DIR, 'kernels.json'), 'utf8')) as {
    cases: { op: string; node: string; outputs: { tensor: string }[] }[];
  }
).cases; // every kernel case TensorFlow recorded, the gradient kernels and the forward ones they feed
const POOL = [-7, -1, 0, 1, 2, 3, 4, 5, 9, 1 << 16, 2 ** 31 - 1];
const WINDOW_ATTRS = ['strides', 'ksize', 'dilations', 'explicit_paddings'];

describe('gradient kernels with mutated inputs', () => {
  it('600 mutated cases give values or GraphErrors', async () => {
    let seed = 4242;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    let ran = 0;
    let refused = 0;
    for (let iter = 0; iter < 600; iter++) {
      const c = pick(cases);
      const def = parseGraphDef(bytes, { format: 'binary' });
      const byName = new Map(def.node.map((n) => [n.name, n]));
      const node = byName.get(c.node)!;
      const intInputs = node.input
        .map((i) => byName.get(i.split(':')[0]!.replace(/^\^/, ''))!)
        .filter((n) => n.op === 'Const' && n.attr.dtype?.type === tensorflow.DataType.DT_INT32);
      const windows = WINDOW_ATTRS.filter((a) => node.attr[a]?.list?.i?.length);
      if (intInputs.length && (rand() < 0.7 || !windows.length)) {
        const target = pick(intInputs);
        const len = Math.floor(rand() * 6);
        const values = Array.from({ length: len }, () => pick(POOL));
        const scalar = rand() < 0.2;
        target.attr.value = tensorflow.AttrValue.create({
          tensor: {
            dtype: tensorflow.DataType.DT_INT32,
            tensor_shape: scalar ? {} : { dim: [{ size: len }] },
            int_val: scalar ? [values[0] ?? 0] : values,
          },
        });
      } else if (windows.length) {
        const a = pick(windows);
        node.attr[a] = tensorflow.AttrValue.create({ list: { i: Array.from({ length: 4 }, () => pick(POOL)) } });
      } else if (node.attr.padding) {
        node.attr.padding = tensorflow.AttrValue.create({
          s: new TextEncoder().encode(pick(['SAME', 'VALID', 'EXPLICIT', 'NOPE'])),
        });
      }
      const graph = new Graph();
      importGraphDef(graph, def, { prefix: '' });
      const session = new Session(graph, { backend: 'cpu' });
      try {
        for (const t of await session.run(c.outputs.map((o) => o.tensor))) t?.dispose();
        ran++;
      } catch (err) {
        if (!(err instanceof GraphError)) throw new Error(`${c.op} (${c.node}): ${(err as Error).stack}`);
        refused++;
      } finally {
        session.close();
      }
    }
    expect(ran).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBeLessThan(1000);
  }, 120_000);
});
