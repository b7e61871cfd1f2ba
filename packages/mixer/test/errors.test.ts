// Every MixerError code a user can meet while mixing, each naming the model and the node or variable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleReader, BundleWriter } from '@tensorgraft/bundle-io';
import { Graph, GraphBuilder } from '@tensorgraft/graph';
import { MixerError, type ModelSpec, mix, saveMixed } from '@tensorgraft/mixer';
import { describe, expect, it } from 'vitest';
import { ckpt, meta } from './helpers.js';

const cnn: ModelSpec = { scope: 'backbone', metaGraph: meta('cnn'), checkpoint: ckpt('cnn') };
const mlp = (over: Partial<ModelSpec> = {}): ModelSpec => ({
  scope: 'head',
  metaGraph: meta('mlp'),
  checkpoint: ckpt('mlp'),
  inputMap: { 'x:0': 'backbone/mean:0' },
  ...over,
});

function fails(fn: () => unknown, code: string, fields: Partial<Record<'model' | 'node' | 'variable', string>>) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MixerError);
  const e = err as MixerError;
  expect(e.code).toBe(code);
  for (const [k, v] of Object.entries(fields)) expect(e[k as 'model']).toBe(v);
  return e;
}

describe('mix errors', () => {
  it('the same scope twice is DUPLICATE_SCOPE, unless asked to uniquify', () => {
    fails(() => mix([cnn, { ...cnn, name: 'second' }]), 'DUPLICATE_SCOPE', { model: 'second' });
    const mixed = mix([cnn, { ...cnn, name: 'second' }], { uniquifyScopes: true });
    expect(mixed.model('second').scope).toBe('backbone_1');
    expect(mixed.graph.hasNode('backbone_1/conv1/weights')).toBe(true);
    expect(mixed.restoreMap.get('backbone_1/conv1/weights')?.key).toBe('conv1/weights');
  });

  it('a scope already taken by a node of the graph is DUPLICATE_SCOPE, never renamed', () => {
    const graph = new Graph();
    new GraphBuilder(graph).constant(1, { name: 'backbone' });
    fails(() => mix([cnn], { graph }), 'DUPLICATE_SCOPE', { model: 'backbone' });
  });

  it('a wire key the model does not have is UNMAPPED_INPUT naming it', () => {
    fails(() => mix([cnn, mlp({ inputMap: { 'nope:0': 'backbone/mean:0' } })]), 'UNMAPPED_INPUT', {
      model: 'head',
      node: 'nope:0',
    });
  });

  it('a wire target missing from the mixed graph is UNMAPPED_INPUT', () => {
    fails(() => mix([cnn, mlp({ inputMap: { 'x:0': 'backbone/meen:0' } })]), 'UNMAPPED_INPUT', {
      model: 'head',
      node: 'backbone/meen:0',
    });
    fails(() => mix([cnn, mlp({ inputMap: { 'x:0': 'backbone/mean:3' } })]), 'UNMAPPED_INPUT', {
      node: 'backbone/mean:3',
    });
  });

  it('a placeholder left unwired is UNMAPPED_INPUT when wiring is required', () => {
    // the cnn has one placeholder (images); wiring nothing of it with requireWired says which
    fails(() => mix([{ ...cnn, requireWired: true }]), 'UNMAPPED_INPUT', { model: 'backbone', node: 'images:0' });
  });

  it('wires of another shape or dtype are BAD_WIRE', () => {
    // probs is [?, 5]; x wants [?, 8]
    const e = fails(() => mix([cnn, mlp({ inputMap: { 'x:0': 'backbone/probs:0' } })]), 'BAD_WIRE', {
      model: 'head',
      node: 'x:0',
    });
    expect(e.message).toContain('[?, 8]');
    expect(e.message).toContain('[?, 5]');
    const graph = new Graph();
    new GraphBuilder(graph).constant([1, 2, 3, 4, 5, 6, 7, 8], { dtype: 'int32', shape: [1, 8], name: 'ints' });
    fails(() => mix([mlp({ inputMap: { 'x:0': 'ints:0' } })], { graph }), 'BAD_WIRE', { model: 'head' });
  });

  it('a wire after a depthwise convolution is checked too (issue 11: its shape was unknown, the wire passed)', () => {
    // feat is [?, 16] (depthwise conv of 4 channels, multiplier 4, then a spatial mean); x wants [?, 8]
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const img = b.placeholder('float32', [null, 8, 8, 4], 'img');
    const filter = b.constant(new Array(3 * 3 * 4 * 4).fill(0.1), { shape: [3, 3, 4, 4], name: 'filter' });
    const dw = b.op(
      'DepthwiseConv2dNative',
      [img, filter],
      { T: { type: 1 }, strides: { list: { i: [1, 2, 2, 1] } }, padding: { s: new TextEncoder().encode('SAME') } },
      'dw',
    );
    b.reduceMean(`${dw.name}:0`, [1, 2], false, 'feat');
    const e = fails(() => mix([mlp({ inputMap: { 'x:0': 'feat:0' } })], { graph }), 'BAD_WIRE', { model: 'head' });
    expect(e.message).toContain('[?, 16]');
  });

  it("a variable missing from the model's checkpoint is MISSING_IN_CHECKPOINT", () => {
    fails(() => mix([{ ...cnn, checkpoint: ckpt('mlp') }]), 'MISSING_IN_CHECKPOINT', {
      model: 'backbone',
      variable: 'backbone/conv1/weights',
    });
  });

  it('a checkpoint tensor of another shape is CHECKPOINT_MISMATCH naming the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixer-'));
    try {
      const src = BundleReader.open(ckpt('mlp'));
      const w = new BundleWriter(join(dir, 'bad'));
      for (const name of src.names()) {
        const t = src.get(name);
        w.add(name, name === 'dense/bias' ? { dtype: 'float32', shape: [3], data: new Float32Array(3) } : t);
      }
      w.finish();
      src.close();
      const e = fails(() => mix([cnn, mlp({ checkpoint: join(dir, 'bad') })]), 'CHECKPOINT_MISMATCH', {
        model: 'head',
        variable: 'head/dense/bias',
      });
      expect(e.message).toContain('float32 [3]');
      expect(e.message).toContain('float32 [16]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad scope or spec is BAD_SPEC; a missing file is IO', () => {
    fails(() => mix([{ ...cnn, scope: 'a b' }]), 'BAD_SPEC', { model: 'a b' });
    fails(() => mix([{ scope: 'x' }]), 'BAD_SPEC', { model: 'x' });
    fails(() => mix([{ ...cnn, metaGraph: '/nonexistent/model.meta' }]), 'IO', { model: 'backbone' });
    fails(() => mix([{ ...cnn, checkpoint: '/nonexistent/model.ckpt' }]), 'IO', { model: 'backbone' });
    fails(() => mix([{ ...cnn, metaGraph: new Uint8Array([1, 2, 3, 4, 5]) }]), 'BAD_FILE', { model: 'backbone' });
  });

  it('saving a variable with no source and no session is NO_VALUE', async () => {
    const mixed = mix(
      [cnn, mlp({ checkpoint: undefined as never })].map((s) => {
        const { checkpoint, ...rest } = s;
        return s.scope === 'head' ? rest : { ...rest, checkpoint: checkpoint! };
      }),
    );
    await expect(saveMixed(mixed, '/tmp/never/model.ckpt')).rejects.toMatchObject({
      code: 'NO_VALUE',
      variable: 'head/dense/bias',
    });
  });
});
