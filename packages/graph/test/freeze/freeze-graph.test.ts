// freezeGraph against TensorFlow's own graph_util.convert_variables_to_constants of the same meta graph and
// checkpoint (fixtures/deploy/tiny, made by interop/fixtures/make_deploy.py): the same bytes; then the frozen graph
// runs in our Session with no variables and gives the unfrozen model's outputs (TensorFlow's numbers).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  attr,
  extractSubGraph,
  freezeGraph,
  GraphError,
  graphFromGraphDef,
  parseGraphDef,
  parseMetaGraph,
  removeTrainingNodes,
  Session,
  serializeGraphDef,
} from '@tensorgraft/graph';
import { DataType } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

const DIR = join(REPO, 'fixtures', 'deploy');
const TINY = join(DIR, 'tiny');
const meta = () => parseMetaGraph(readFileSync(join(TINY, 'model.ckpt.meta')));
const tfBytes = (name: string) => new Uint8Array(readFileSync(join(TINY, name)));
const expected = JSON.parse(readFileSync(join(DIR, 'tiny.json'), 'utf8')) as {
  ids: number[][];
  probs: number[][];
  converted: string[];
};

describe('freezeGraph', () => {
  it("writes TensorFlow's convert_variables_to_constants bytes for ref and resource variables", () => {
    const frozen = freezeGraph(meta(), join(TINY, 'model.ckpt'), { outputs: ['probs'] });
    expect(Buffer.from(serializeGraphDef(frozen.graphDef)).equals(Buffer.from(tfBytes('frozen.pb')))).toBe(true);
    expect(frozen.converted.map((c) => c.variable).sort()).toEqual(expected.converted);
    // the Saver's var_list dict saved dense2/kernel under another key: freezing read it from there
    expect(frozen.converted.find((c) => c.variable === 'dense2/kernel')?.key).toBe('renamed/w2');
  });

  it('gives the same bytes from a Graph as from its MetaGraphDef, and an `:0` output suffix is ignored', () => {
    const fromMeta = serializeGraphDef(freezeGraph(meta(), join(TINY, 'model.ckpt'), { outputs: ['probs'] }).graphDef);
    const m = meta();
    const g = graphFromGraphDef(m.graph_def!);
    g.meta.saver_def = m.saver_def;
    const fromGraph = serializeGraphDef(freezeGraph(g, join(TINY, 'model.ckpt'), { outputs: ['probs:0'] }).graphDef);
    expect(Buffer.from(fromGraph).equals(Buffer.from(fromMeta))).toBe(true);
  });

  it('runs without variables and gives the unfrozen model outputs', async () => {
    // CheckNumerics has no kernel here: what a deployment runs is the graph with training nodes removed
    const frozen = freezeGraph(meta(), join(TINY, 'model.ckpt'), { outputs: ['probs'] });
    const g = graphFromGraphDef(removeTrainingNodes(frozen.graphDef, ['probs']));
    expect(g.nodes.some((n) => /Variable/.test(n.op))).toBe(false);
    const session = new Session(g, { backend: 'cpu' });
    try {
      const out = (await session.run('probs:0', { 'ids:0': tf.tensor(expected.ids, undefined, 'int32') })) as tf.Tensor;
      const got = out.dataSync();
      const want = expected.probs.flat();
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-6);
      out.dispose();
    } finally {
      session.close();
    }
  });

  it("removeTrainingNodes writes TensorFlow's remove_training_nodes bytes", () => {
    const frozen = parseGraphDef(tfBytes('frozen.pb'));
    const stripped = removeTrainingNodes(frozen, ['probs']);
    expect(Buffer.from(serializeGraphDef(stripped)).equals(Buffer.from(tfBytes('frozen_stripped.pb')))).toBe(true);
  });

  it('a CheckNumerics read as data is bypassed, not left dangling', () => {
    const def = {
      node: [
        { name: 'x', op: 'Placeholder', input: [] },
        { name: 'c', op: 'CheckNumerics', input: ['x'] },
        { name: 'y', op: 'Relu', input: ['c'] },
      ],
    };
    expect(removeTrainingNodes(def).node.map((n) => [n.name, n.input])).toEqual([
      ['x', []],
      ['y', ['x']],
    ]);
  });

  it('extractSubGraph keeps what the outputs reach (colocation included), in graph order', () => {
    const sub = extractSubGraph(meta().graph_def!, ['probs']);
    const names = sub.node.map((n) => n.name);
    expect(names).toContain('dense1/kernel');
    expect(names.some((n) => n?.startsWith('Adam') || n?.startsWith('save/'))).toBe(false);
    const all = meta().graph_def!.node!.map((n) => n.name);
    expect([...names].sort((a, b) => all.indexOf(a) - all.indexOf(b))).toEqual(names);
  });

  it('names what is wrong: unknown output, a missing checkpoint tensor, no outputs', () => {
    expect(() => freezeGraph(meta(), join(TINY, 'model.ckpt'), { outputs: ['nope'] })).toThrow(
      /output node 'nope' is not in the graph/,
    );
    const m = meta();
    m.saver_def = null;
    const err = (() => {
      try {
        freezeGraph(m, join(TINY, 'model.ckpt'), { outputs: ['probs'] });
      } catch (e) {
        return e as GraphError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(GraphError);
    expect(err?.code).toBe('CHECKPOINT');
    expect(err?.node).toBe('dense2/kernel');
    expect(() => freezeGraph(meta(), join(TINY, 'model.ckpt'), { outputs: [] })).toThrow(/at least one output/);
  });

  it('refuses a checkpoint tensor of another dtype, and a variable flowing into a function call', () => {
    const ckpt = join(TINY, 'model.ckpt');
    const variable = (dtype: number) => ({
      name: 'embedding',
      op: 'VarHandleOp',
      attr: { dtype: attr.type(dtype), shape: attr.shape([8, 4]) },
    });
    const wrongType = { node: [variable(DataType.DT_INT32), { name: 'out', op: 'Identity', input: ['embedding'] }] };
    expect(() => freezeGraph(wrongType, ckpt, { outputs: ['out'] })).toThrow(
      /checkpoint tensor 'embedding' is float32 but variable 'embedding' is int32/,
    );
    const call = {
      node: [
        variable(DataType.DT_FLOAT),
        { name: 'call', op: 'StatefulPartitionedCall', input: ['embedding'], attr: { f: { func: { name: 'f' } } } },
      ],
    };
    let err: GraphError | undefined;
    try {
      freezeGraph(call, ckpt, { outputs: ['call'] });
    } catch (e) {
      err = e as GraphError;
    }
    expect(err?.code).toBe('UNSUPPORTED');
    expect(err?.node).toBe('call');
  });

  it('leaves deny-listed variables as variables', () => {
    const frozen = freezeGraph(meta(), join(TINY, 'model.ckpt'), {
      outputs: ['probs'],
      variableDenylist: ['dense1/bias'],
    });
    const op = (name: string) => frozen.graphDef.node.find((n) => n.name === name)?.op;
    expect(op('dense1/bias')).toBe('VariableV2');
    expect(op('dense1/kernel')).toBe('Const');
  });
});
