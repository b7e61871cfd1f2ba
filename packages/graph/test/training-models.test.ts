// Acceptance: TensorFlow-written tf.compat.v1 training meta graphs (fixtures/training/<model> from make_training.py),
// imported, restored from TensorFlow's checkpoint and trained 20 steps here by running the `train_op` collection's op
// on TensorFlow's batches: the loss at every step and every variable afterwards (slots, beta powers and global_step
// included) equal TensorFlow's. The checkpoint we then save holds the same values.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BundleReader } from '@tensorgraft/bundle-io';
import { type BackendName, Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';
import { maxRelErr, type TrainingExpected } from './training-helpers.js';

const dir = (model: string) => join(REPO, 'fixtures', 'training', model);

function load(model: string) {
  const expected = JSON.parse(readFileSync(join(dir(model), 'expected.json'), 'utf8')) as TrainingExpected;
  const bin = readFileSync(join(dir(model), 'x.bin'));
  const xs = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const graph = new Graph();
  const { saverDef } = importMetaGraph(
    graph,
    parseMetaGraph(new Uint8Array(readFileSync(join(dir(model), 'model.ckpt-0.meta')))),
  );
  return { expected, xs, graph, saverDef: saverDef! };
}

function batch(e: TrainingExpected, xs: Float32Array, k: number): Record<string, tf.Tensor> {
  const per = e.x_shape.reduce((p, d) => p * d, 1);
  const x = tf.tensor(xs.subarray(k * per, (k + 1) * per), e.x_shape);
  const labels = e.labels[k]!;
  const y = tf.tidy(() =>
    e.one_hot ? tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32') : tf.tensor1d(labels, 'int32'),
  );
  return { [e.x]: x, [e.y]: y };
}

/** Every global variable's value, by variable name, read through its VariableDef's snapshot tensor. */
async function variables(session: Session, graph: Graph): Promise<Map<string, tf.Tensor>> {
  const out = new Map<string, tf.Tensor>();
  for (const item of graph.getCollection('variables')) {
    if (item.kind !== 'variable') continue;
    const name = item.def.variable_name!.replace(/:0$/, '');
    out.set(name, (await session.run(item.def.snapshot_name!))!);
  }
  return out;
}

for (const [model, backend] of [
  ['mlp', 'wasm'],
  ['cnn', 'wasm'],
  ['cnn', 'cpu'],
] as [string, BackendName][]) {
  describe(`${model}: 20 steps of TensorFlow's train_op (${backend})`, () => {
    it('restores, trains, and ends with TensorFlow values; the saved checkpoint holds them', async () => {
      const { expected: e, xs, graph, saverDef } = load(model);
      const trainOp = graph.getCollection('train_op');
      expect(trainOp).toEqual([{ kind: 'node', name: e.train_op }]);
      const session = new Session(graph, { backend });
      await session.run(saverDef.restore_op_name!, {
        [saverDef.filename_tensor_name!]: tf.scalar(join(dir(model), 'model.ckpt-0'), 'string'),
      });
      const losses: number[] = [];
      let live = 0;
      for (let k = 0; k < e.losses.length; k++) {
        // a step leaves nothing behind: replaced variable values and intermediates are freed
        if (k === 2) live = tf.memory().numTensors;
        if (k > 2) expect(tf.memory().numTensors).toBe(live);
        const feeds = batch(e, xs, k);
        const [, loss] = await session.run([e.train_op, e.loss], feeds);
        losses.push(loss!.dataSync()[0]!);
        loss!.dispose();
        for (const t of Object.values(feeds)) t.dispose();
      }
      // the loss is computed before the update in the same run, as in TensorFlow's sess.run([train, loss])
      expect(maxRelErr(losses, e.losses)).toBeLessThanOrEqual(1e-4);
      const got = await variables(session, graph);
      expect([...got.keys()].sort()).toEqual(Object.keys(e.after).sort());
      const errs: Record<string, number> = {};
      for (const [name, want] of Object.entries(e.after)) {
        const t = got.get(name)!;
        expect(t.shape, name).toEqual(want.shape);
        errs[name] = maxRelErr(t.dataSync() as Float32Array, want.values);
      }
      expect(Math.max(...Object.values(errs)), JSON.stringify(errs)).toBeLessThanOrEqual(1e-4);
      if (backend === 'wasm' && model === 'cnn') {
        expect(session.cpuFallbackOps).toEqual([]);
      }

      // save with the graph's own save op: the checkpoint has every variable, with these values
      const out = mkdtempSync(join(tmpdir(), `tg-train-${model}-`));
      try {
        const prefix = join(out, 'model.ckpt-20');
        await session.run(saverDef.save_tensor_name!, {
          [saverDef.filename_tensor_name!]: tf.scalar(prefix, 'string'),
        });
        const reader = BundleReader.open(prefix);
        expect(reader.names().sort()).toEqual(Object.keys(e.after).sort());
        for (const [name, want] of Object.entries(e.after)) {
          const saved = reader.get(name);
          expect(saved.dtype, name).toBe(want.dtype);
          expect(Array.from(saved.data as ArrayLike<number | bigint>, Number)).toEqual(
            Array.from(got.get(name)!.dataSync(), Number),
          );
        }
        reader.close();
      } finally {
        rmSync(out, { recursive: true, force: true });
        for (const t of got.values()) t.dispose();
        session.close();
      }
    });
  });
}
