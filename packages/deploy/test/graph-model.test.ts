// exportGraphModel on TensorFlow's frozen tiny model (fixtures/deploy/tiny/frozen.pb): model.json in the converter's
// shape, weights in graph order whose bytes are the Consts' values, shards cut at the given size; quantization keeps
// each value within half a step and zero exact. TensorFlow.js's loadGraphModel runs the export in
// interop/tests/test_deploy.py, next to the Python converter's output.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployError, exportGraphModel, quantize } from '@tensorgraft/deploy';
import { parseGraphDef } from '@tensorgraft/graph';
import { halfBitsToFloat32 } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { DEPLOY } from './helpers.js';

const frozen = () => parseGraphDef(readFileSync(join(DEPLOY, 'tiny', 'frozen.pb')));
const SIG = { inputs: { ids: 'ids:0' }, outputs: { probs: 'probs:0' } };

interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: string;
  signature: { inputs: Record<string, { name: string; dtype: string }>; outputs: Record<string, { name: string }> };
  modelTopology: { node: { name: string; op: string; attr?: Record<string, { tensor?: Record<string, unknown> }> }[] };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

describe('exportGraphModel', () => {
  it('writes model.json and one shard holding every Const in graph order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-gm-'));
    const report = await exportGraphModel(frozen(), dir, { signature: SIG });
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
    expect(model.format).toBe('graph-model');
    expect(model.signature.inputs.ids).toMatchObject({ name: 'ids:0', dtype: 'DT_INT32' });
    expect(model.signature.outputs.probs?.name).toBe('probs:0');
    const consts = frozen().node.filter((n) => n.op === 'Const');
    const weights = model.weightsManifest[0]!.weights;
    expect(weights.map((w) => w.name)).toEqual(consts.map((n) => n.name));
    expect(model.weightsManifest[0]!.paths).toEqual(['group1-shard1of1.bin']);
    // the shard is the Consts' little-endian values back to back; the topology keeps dtype and shape only
    const shard = readFileSync(join(dir, 'group1-shard1of1.bin'));
    expect(shard.length).toBe(report.weightBytes);
    const kernel = consts.find((n) => n.name === 'dense1/kernel')!.attr.value!.tensor!.tensor_content!;
    expect(shard.includes(Buffer.from(kernel))).toBe(true);
    const topo = model.modelTopology.node.find((n) => n.name === 'dense1/kernel')!;
    expect(Object.keys(topo.attr!.value!.tensor!).sort()).toEqual(['dtype', 'tensorShape']);
    // training-only nodes are gone, as the converter removes them
    expect(model.modelTopology.node.some((n) => n.op === 'CheckNumerics')).toBe(false);
  });

  it('cuts the weights into shards of the given size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-gm-'));
    const report = await exportGraphModel(frozen(), dir, { signature: SIG, shardBytes: 100 });
    const n = Math.ceil(report.weightBytes / 100);
    expect(report.files.slice(1)).toEqual(Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`));
    expect(report.files.slice(1, -1).every((f) => statSync(join(dir, f)).size === 100)).toBe(true);
  });

  it('names a signature tensor the frozen graph lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-gm-'));
    const bad = { inputs: { ids: 'nope:0' }, outputs: { probs: 'probs:0' } };
    await expect(exportGraphModel(frozen(), dir, { signature: bad })).rejects.toThrow(DeployError);
  });
});

describe('quantize', () => {
  const data = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.37) * 0.8 - 0.1);
  for (const dtype of ['uint8', 'uint16'] as const) {
    it(`${dtype}: every value within half a step, zero exact`, () => {
      const q = quantize(data, dtype);
      const values = dtype === 'uint8' ? q.bytes : new Uint16Array(q.bytes.buffer, q.bytes.byteOffset, data.length);
      const { min, scale } = q.meta as { min: number; scale: number };
      for (let i = 0; i < data.length; i++) {
        expect(Math.abs(values[i]! * scale + min - data[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
      expect(Number.isInteger(-min / scale) || Math.abs(Math.round(-min / scale) * scale + min) < 1e-12).toBe(true);
    });
  }
  it('float16 keeps float32 values to half precision', () => {
    const q = quantize(data, 'float16');
    const bits = new Uint16Array(q.bytes.buffer, q.bytes.byteOffset, data.length);
    for (let i = 0; i < data.length; i++) {
      // half has an 11-bit significand: rounding to nearest is within 2^-11 relative
      expect(Math.abs(halfBitsToFloat32(bits[i]!) - data[i]!)).toBeLessThanOrEqual(
        Math.abs(data[i]!) * 2 ** -11 + 1e-8,
      );
    }
  });
});
