import { join } from 'node:path';
import { readObjectCheckpoint, Saver } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { FIXTURES, type Json, readJson } from './helpers.js';

const TF2 = readJson(join(FIXTURES, 'saver', 'tf2.json'));
const PREFIX = join(FIXTURES, 'saver', TF2.prefix);

describe('TF2 object-based checkpoints (tf.train.Checkpoint of a Keras model + Adam)', () => {
  it('lists every variable with its key, full name, dtype, shape and the object paths that reach it', () => {
    const vars = readObjectCheckpoint(PREFIX);
    const keys = vars.map((v) => v.key).sort();
    expect(keys).toEqual(Object.keys(TF2.tensors).sort());
    for (const v of vars) {
      expect(v.shape).toEqual(TF2.tensors[v.key].shape);
      expect(v.dtype).toBe(TF2.tensors[v.key].dtype);
      expect(v.attribute).toBe('VARIABLE_VALUE');
      // The key is the first path plus the attribute suffix, as TensorFlow names it.
      expect(`${v.paths[0]}/.ATTRIBUTES/VARIABLE_VALUE`).toBe(v.key);
    }
    // Keras model weights: the key goes through the optimizer, but the model path and full name are there too.
    const kernel = vars.find((v) => v.fullName === 'd1/kernel')!;
    expect(kernel.key).toBe('optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE');
    expect(kernel.paths).toContain('model/_operations/1/_kernel');
    // Every object path the fixture's graph gives to each attribute node is found.
    const graph = TF2.object_graph as {
      children: { node_id: number; local_name: string }[];
      attributes: { checkpoint_key: string }[];
    }[];
    const parents = new Map<number, [number, string][]>();
    for (const [id, n] of graph.entries()) {
      for (const c of n.children) parents.set(c.node_id, [...(parents.get(c.node_id) ?? []), [id, c.local_name]]);
    }
    const up = (id: number, depth = 0): string[] =>
      id === 0
        ? ['']
        : depth > 8
          ? []
          : (parents.get(id) ?? []).flatMap(([p, name]) => up(p, depth + 1).map((s) => (s ? `${s}/${name}` : name)));
    graph.forEach((n, id) => {
      for (const a of n.attributes) {
        const v = vars.find((x) => x.key === a.checkpoint_key)!;
        const shortest = Math.min(...up(id).map((p) => p.split('/').length));
        expect(new Set(v.paths.filter((p) => p.split('/').length === shortest))).toEqual(
          new Set(up(id).filter((p) => p.split('/').length === shortest)),
        );
      }
    });
  });

  it('restores Keras weights by full name and by object path, with the values Keras saved', async () => {
    const byName = Object.fromEntries(
      Object.entries<Json>(TF2.weights).map(([name, w]) => [
        name,
        { dtype: 'float32', shape: w.shape, data: new Float32Array(w.values.length) },
      ]),
    );
    const report = await new Saver(byName).restore(PREFIX);
    expect(report.missing).toEqual([]);
    for (const [name, w] of Object.entries<Json>(TF2.weights)) expect(Array.from(byName[name]!.data)).toEqual(w.values);
    expect(report.unexpected).toContain('save_counter/.ATTRIBUTES/VARIABLE_VALUE');

    const bias = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
    const step = { dtype: 'int64', shape: [], data: new BigInt64Array(1) };
    await new Saver({ 'model/_operations/2/bias': bias, step }).restore(PREFIX);
    expect(Array.from(bias.data)).toEqual(TF2.weights['d2/bias'].values);
    expect(step.data[0]).toBe(3n);
  });
});

describe('a sharded tf.train.Checkpoint (two data files)', () => {
  it('restores by object path; ambiguous full names (all "Variable") are not used as names', async () => {
    const exp = readJson(join(FIXTURES, 'checkpoints', 'object', 'expected.json')).cases.sharded;
    const prefix = join(FIXTURES, 'checkpoints', 'object', exp.prefix);
    const vars = readObjectCheckpoint(prefix);
    expect(new Set(vars.map((v) => v.fullName))).toEqual(new Set(['Variable']));
    const kernel = exp.tensors['dense/kernel/.ATTRIBUTES/VARIABLE_VALUE'];
    const bias = exp.tensors['dense/bias/.ATTRIBUTES/VARIABLE_VALUE'];
    const k = { dtype: 'float32', shape: kernel.shape, data: new Float32Array(kernel.values.length) };
    const b = { dtype: 'float32', shape: bias.shape, data: new Float32Array(bias.values.length) };
    await new Saver({ 'dense/kernel': k, 'dense/bias': b }).restore(prefix);
    expect(Array.from(k.data)).toEqual(kernel.values);
    expect(Array.from(b.data)).toEqual(bias.values);
    await expect(new Saver({ Variable: b }).restore(prefix)).rejects.toMatchObject({ code: 'MISSING_VARIABLE' });
  });
});
