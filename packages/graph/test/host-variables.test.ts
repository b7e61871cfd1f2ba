// Host-resident variables (SessionOptions.hostVariables, values.ts; issue 11: a VGG-16 at batch 8 in the 4 GiB
// WebAssembly heap): float32 variables and optimizer slots kept in host memory train to the same float32 values, bit
// for bit, as variables in the backend (TensorFlow's fixtures: fixtures/training), the backend keeps a copy between
// runs only of values that did not change, and the graph's save op writes them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BundleReader } from '@tensorgraft/bundle-io';
import {
  Graph,
  GraphError,
  importGraphDef,
  importMetaGraph,
  parseGraphDef,
  parseMetaGraph,
  Session,
} from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';
import { applyCases, expectClose, maxRelErr, type TrainingExpected } from './training-helpers.js';

const DIR = join(REPO, 'fixtures', 'training');

/** Trains a fixture model 20 steps (wasm backend); returns the losses, every variable, and what the save op wrote. */
async function train(model: string, hostVariables: boolean) {
  const dir = join(DIR, model);
  const e = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as TrainingExpected;
  const bin = readFileSync(join(dir, 'x.bin'));
  const xs = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const graph = new Graph();
  const { saverDef } = importMetaGraph(
    graph,
    parseMetaGraph(new Uint8Array(readFileSync(join(dir, 'model.ckpt-0.meta')))),
  );
  const s = new Session(graph, { backend: 'wasm', hostVariables });
  const filename = saverDef!.filename_tensor_name!;
  const start = tf.memory().numBytes;
  const path = tf.scalar(join(dir, 'model.ckpt-0'), 'string');
  await s.run(saverDef!.restore_op_name!, { [filename]: path });
  path.dispose();
  // what the restore left in the backend: the variables (when they are there) and the run's cached constants
  const restored = tf.memory().numBytes - start;
  const per = e.x_shape.reduce((p, d) => p * d, 1);
  const losses: number[] = [];
  for (let k = 0; k < e.losses.length; k++) {
    const labels = tf.tensor1d(e.labels[k]!, 'int32');
    const y = e.one_hot ? tf.cast(tf.oneHot(labels, 10), 'float32') : labels;
    const x = tf.tensor(xs.subarray(k * per, (k + 1) * per), e.x_shape);
    const [, loss] = await s.run([e.train_op, e.loss], { [e.x]: x, [e.y]: y });
    losses.push(loss!.dataSync()[0]!);
    tf.dispose([loss!, x, y, labels]);
  }
  const variables: Record<string, Float32Array | Int32Array> = {};
  for (const item of graph.getCollection('variables')) {
    if (item.kind !== 'variable') continue;
    const t = (await s.run(item.def.snapshot_name!))!;
    variables[item.def.variable_name!.replace(/:0$/, '')] = t.dataSync() as Float32Array;
    t.dispose();
  }
  const out = mkdtempSync(join(tmpdir(), 'tg-host-vars-'));
  const saved: Record<string, number[]> = {};
  try {
    const path = tf.scalar(join(out, 'ckpt'), 'string');
    await s.run(saverDef!.save_tensor_name!, { [filename]: path });
    path.dispose();
    const reader = BundleReader.open(join(out, 'ckpt'));
    for (const name of reader.names())
      saved[name] = Array.from(reader.get(name).data as ArrayLike<number | bigint>, Number);
    reader.close();
  } finally {
    rmSync(out, { recursive: true, force: true });
    s.close();
  }
  return { e, losses, variables, saved, restored };
}

const floatBytes = (after: TrainingExpected['after']) =>
  Object.values(after)
    .filter((v) => v.dtype === 'float32')
    .reduce((sum, v) => sum + v.values.length * 4, 0);

describe('host-resident variables', () => {
  for (const model of ['mlp', 'cnn']) {
    it(`${model}: 20 steps equal the backend-resident run bit for bit, and TensorFlow's values`, async () => {
      const host = await train(model, true);
      const heap = await train(model, false);
      expect(host.losses).toEqual(heap.losses);
      expect(Object.keys(host.variables).sort()).toEqual(Object.keys(heap.variables).sort());
      for (const [name, v] of Object.entries(host.variables)) expect(v, name).toEqual(heap.variables[name]);
      expect(maxRelErr(host.losses, host.e.losses)).toBeLessThanOrEqual(1e-4);
      for (const [name, want] of Object.entries(host.e.after)) {
        expect(maxRelErr(host.variables[name]!, want.values), name).toBeLessThanOrEqual(1e-4);
        // the save op wrote the host values themselves
        expect(host.saved[name], name).toEqual(Array.from(host.variables[name]!));
      }
      // after the restore run, the backend held none of the float32 variables (the uploaded copies go with the run)
      expect(heap.restored - host.restored).toBe(floatBytes(host.e.after));
    });
  }

  const cases = applyCases();
  const graph = new Graph();
  importGraphDef(graph, parseGraphDef(new Uint8Array(readFileSync(join(DIR, 'apply.pb')))), { prefix: '' });

  it('every apply op (GradientDescent, Momentum, Adam, RMSProp, centered RMSProp, Adagrad) is covered', () => {
    const ops = new Set(cases.map((c) => c.op.replace(/^Resource/, '')));
    for (const op of ['GradientDescent', 'Momentum', 'Adam', 'RMSProp', 'CenteredRMSProp', 'Adagrad', 'AdagradV2']) {
      expect(ops).toContain(`Apply${op}`);
    }
  });

  for (const c of cases) {
    it(`${c.op} (${c.case}): TensorFlow's values, the same bits as in the backend`, async () => {
      const names = Object.keys(c.reads);
      const runs: Float32Array[][][] = [];
      for (const hostVariables of [true, false]) {
        const s = new Session(graph, { hostVariables });
        await s.run(c.init);
        const steps: Float32Array[][] = [];
        for (const after of c.after) {
          await s.run(c.apply);
          const got = (await s.run(names.map((k) => c.reads[k]!))) as tf.Tensor[];
          steps.push(got.map((t) => t.dataSync() as Float32Array));
          for (const [k, name] of names.entries()) expectClose(steps.at(-1)![k]!, after[name]!.values, 1e-6);
          tf.dispose(got);
        }
        s.close();
        runs.push(steps);
      }
      expect(runs[0]).toEqual(runs[1]);
    });
  }

  it('a read in the run that updates a host variable sees the value before the update', async () => {
    const c = cases.find((x) => x.op === 'ApplyMomentum')!;
    const s = new Session(graph, { hostVariables: true });
    await s.run(c.init);
    // as the backend-resident path: TensorFlow gives the fetch the value read before the apply wrote it
    const heap = new Session(graph, { hostVariables: false });
    await heap.run(c.init);
    const [, got] = (await s.run([c.apply, c.reads.var!])) as tf.Tensor[];
    const [, want] = (await heap.run([c.apply, c.reads.var!])) as tf.Tensor[];
    expect(got!.dataSync()).toEqual(want!.dataSync());
    tf.dispose([got!, want!]);
    s.close();
    heap.close();
  });

  it("a read-only run's upload serves the next run; a change lets it go and later reads see the new value", async () => {
    const c = cases.find((x) => x.op === 'ApplyMomentum')!;
    const s = new Session(graph, { hostVariables: true });
    await s.run(c.init);
    const base = tf.memory().numBytes;
    const read = async () => {
      const [t] = (await s.run([c.reads.var!])) as tf.Tensor[];
      const v = t!.dataSync() as Float32Array;
      t!.dispose();
      return v;
    };
    // bytes a run left in the backend: the fetch handed back (a clone, one variable's bytes) and any new upload
    const grown = () => s.lastRunMemory!.endBytes - s.lastRunMemory!.startBytes;
    const first = await read();
    // the one copy the read uploaded stays in the backend, and the next read takes it (no second upload)
    expect(grown()).toBe(2 * first.byteLength);
    expect(tf.memory().numBytes - base).toBe(first.byteLength);
    expect(await read()).toEqual(first);
    expect(grown()).toBe(first.byteLength);
    await s.run(c.apply);
    // the apply changed the variable on the host: its stale copy went, so a read uploads TensorFlow's new value
    const after = await read();
    expect(grown()).toBe(2 * first.byteLength);
    expectClose(after, c.after[0]!.var!.values, 1e-6);
    expect(after).not.toEqual(first);
    s.close();
  });

  it('rejects a hostVariables option that is not a boolean', () => {
    const make = () => new Session(new Graph(), { hostVariables: 'yes' as unknown as boolean });
    expect(make).toThrow(GraphError);
    expect(make).toThrow(/hostVariables must be a boolean/);
  });
});
