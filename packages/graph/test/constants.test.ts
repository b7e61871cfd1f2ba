// Const values of every dtype TensorFlow wrote (fixtures/graphs/constants.meta, made by make_graphs.py) decoded by the
// Const kernel; dtypes TensorFlow.js cannot hold are a typed error naming the node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, GraphError, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const dir = join(REPO, 'fixtures', 'graphs');
const spec = JSON.parse(readFileSync(join(dir, 'constants.json'), 'utf8')) as {
  constants: Record<string, { dtype: string; shape: number[]; values: unknown[] }>;
};
const graph = new Graph();
importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(join(dir, 'constants.meta')))));
const session = new Session(graph);

const asNumber = (v: unknown) =>
  v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);

describe('Const of every dtype', () => {
  for (const [name, c] of Object.entries(spec.constants)) {
    it(`${name} (${c.dtype})`, async () => {
      const run = session.run(`${name}:0`);
      if (['complex64', 'uint64'].includes(c.dtype) || name === 'i64_min') {
        await expect(run).rejects.toSatisfy(
          (e) => e instanceof GraphError && e.code === 'UNKNOWN_DTYPE' && e.node === name,
        );
        return;
      }
      const t = (await run)!;
      expect(t.shape).toEqual(c.shape);
      const flat = (c.values as unknown[]).flat(c.shape.length);
      if (c.dtype === 'string') {
        // bytes as TensorFlow wrote them, compared through the tensor's raw bytes
        const { engine } = await import('@tensorflow/tfjs-core');
        const raw = engine().readSync(t.dataId) as unknown as Uint8Array[];
        expect(raw.map((b) => Array.from(b))).toEqual(c.shape.length ? c.values : [c.values[0]]);
      } else if (c.dtype === 'bool') {
        expect(Array.from(t.dataSync(), Boolean)).toEqual(flat);
      } else {
        // float64 computes as float32 in TensorFlow.js
        expect(Array.from(t.dataSync())).toEqual(flat.map((v) => Math.fround(asNumber(v))));
      }
      t.dispose();
    });
  }
});
