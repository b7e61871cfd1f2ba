// `tensorgraft saved-model show|run`, `tensorgraft export --format saved_model` and `tensorgraft graph` on a
// saved_model.pb, on TensorFlow's SavedModels and tiny model (fixtures/deploy, interop/fixtures/make_deploy.py).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const DEPLOY = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'deploy');
const json = <T>(name: string) => JSON.parse(readFileSync(join(DEPLOY, name), 'utf8')) as T;
const tf1 = json<{ ids: number[][]; probs: number[][]; logits: number[][] }>('tf1_saved_model.json');
const tf2 = json<{ x: number[][]; y: number[][] }>('tf2_saved_model.json');

function close(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5);
}

interface RunDoc {
  outputs: Record<string, { shape: number[]; values: number[] }>;
}

describe('tensorgraft saved-model', () => {
  it('show lists tag-sets and signatures as saved_model_cli does, and as JSON', async () => {
    const text = await runCli('saved-model', 'show', join(DEPLOY, 'saved_model_tf1'));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("MetaGraphDef with tag-set: 'serve' contains the following SignatureDefs:");
    expect(text.stdout).toContain("    inputs['ids'] tensor_info:\n        dtype: DT_INT32\n        shape: (-1, 3)");
    const doc = JSON.parse((await runCli('saved-model', 'show', join(DEPLOY, 'saved_model_tf2'), '--json')).stdout);
    expect(doc.metaGraphs[0].signatures.map((s: { key: string }) => s.key)).toEqual([
      '__saved_model_init_op',
      'serving_default',
    ]);
  });

  it("run gives TensorFlow's outputs for a TF1 and a TF2 SavedModel", async () => {
    const r1 = await runCli(
      'saved-model',
      'run',
      join(DEPLOY, 'saved_model_tf1'),
      '--signature',
      'logits_only',
      '--input',
      `ids=${JSON.stringify(tf1.ids)}`,
      '--json',
    );
    expect(r1.code).toBe(0);
    close((JSON.parse(r1.stdout) as RunDoc).outputs.logits!.values, tf1.logits.flat());
    const r2 = await runCli(
      'saved-model',
      'run',
      join(DEPLOY, 'saved_model_tf2'),
      '--input',
      `x=${JSON.stringify(tf2.x)}`,
      '--json',
    );
    expect(r2.code).toBe(0);
    const y = (JSON.parse(r2.stdout) as RunDoc).outputs.y!;
    expect(y.shape).toEqual([2, 2]);
    close(y.values, tf2.y.flat());
  });

  it('exits 2 on bad usage, 1 on a problem in the input', async () => {
    expect((await runCli('saved-model', 'list', join(DEPLOY, 'saved_model_tf1'))).code).toBe(2);
    expect((await runCli('saved-model', 'run', join(DEPLOY, 'saved_model_tf1'), '--input', 'ids')).code).toBe(2);
    const missing = await runCli('saved-model', 'show', DEPLOY);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no saved_model.pb/);
    const noSig = await runCli('saved-model', 'run', join(DEPLOY, 'saved_model_tf1'), '--signature', 'x');
    expect(noSig.code).toBe(1);
    expect(noSig.stderr).toMatch(/no signature 'x'/);
  });
});

describe('tensorgraft export --format saved_model', () => {
  it('writes a SavedModel that saved-model run runs to the model outputs', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tg-export-')), 'sm');
    const tiny = join(DEPLOY, 'tiny', 'model.ckpt');
    const r = await runCli(
      'export',
      `${tiny}.meta`,
      tiny,
      '--format',
      'saved_model',
      '--signature',
      'serving_default:ids=ids:0,probs=probs:0',
      '-o',
      out,
      '--json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.signatureDefs.serving_default).toEqual({ inputs: { ids: 'ids:0' }, outputs: { probs: 'probs:0' } });
    const run = await runCli('saved-model', 'run', out, '--input', `ids=${JSON.stringify(tf1.ids)}`, '--json');
    close(
      (JSON.parse(run.stdout) as RunDoc).outputs.probs!.values,
      json<{ probs: number[][] }>('tiny.json').probs.flat(),
    );
  });

  it('exits 2 without a signature or with one that has no output, 1 for an unknown tensor', async () => {
    const tiny = join(DEPLOY, 'tiny', 'model.ckpt');
    const out = join(mkdtempSync(join(tmpdir(), 'tg-export-')), 'sm');
    expect((await runCli('export', `${tiny}.meta`, tiny, '-o', out)).code).toBe(2);
    expect((await runCli('export', `${tiny}.meta`, tiny, '--signature', 'ids=ids:0', '-o', out)).code).toBe(2);
    expect(
      (await runCli('export', `${tiny}.meta`, tiny, '--format', 'onnx', '--signature', 'p=probs:0', '-o', out)).code,
    ).toBe(2);
    const bad = await runCli('export', `${tiny}.meta`, tiny, '--signature', 'p=nope:0', '-o', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/'nope:0' is not in the graph/);
  });
});

describe('tensorgraft graph on a saved_model.pb', () => {
  it('says it is a SavedModel and points to saved-model show', async () => {
    const r = await runCli('graph', join(DEPLOY, 'saved_model_tf1', 'saved_model.pb'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a SavedModel \(saved_model.pb\).*tensorgraft saved-model show/);
    expect(r.stderr).not.toMatch(/TRUNCATED/);
  });
});

describe('tensorgraft export --format graph_model', () => {
  const tiny = join(DEPLOY, 'tiny', 'model.ckpt');
  interface Manifest {
    weightsManifest: { weights: { name: string; quantization?: { dtype: string } }[] }[];
    signature: { outputs: Record<string, { name: string }> };
  }
  const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;

  it('from a meta graph + checkpoint, a frozen GraphDef, and a SavedModel directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-gm-'));
    const fromMeta = await runCli(
      'export',
      `${tiny}.meta`,
      tiny,
      '--format',
      'graph_model',
      '--signature',
      'ids=ids:0,probs=probs:0',
      '-o',
      join(root, 'a'),
      '--json',
    );
    expect(fromMeta.code).toBe(0);
    const fromFrozen = await runCli(
      'export',
      join(DEPLOY, 'tiny', 'frozen.pb'),
      '--format',
      'graph_model',
      '--signature',
      'ids=ids:0,probs=probs:0',
      '-o',
      join(root, 'b'),
    );
    expect(fromFrozen.code).toBe(0);
    // the frozen file is TensorFlow's freeze of the same model: the same weights come out
    expect(
      readFileSync(join(root, 'a', 'group1-shard1of1.bin')).equals(
        readFileSync(join(root, 'b', 'group1-shard1of1.bin')),
      ),
    ).toBe(true);
    const fromSaved = await runCli(
      'export',
      join(DEPLOY, 'saved_model_tf1'),
      '--format',
      'graph_model',
      '--quantize',
      'uint8',
      '-o',
      join(root, 'c'),
    );
    expect(fromSaved.code).toBe(0);
    const m = manifest(join(root, 'c'));
    expect(m.signature.outputs.probs?.name).toBe('probs:0');
    expect(m.weightsManifest[0]!.weights.find((w) => w.name === 'dense1/kernel')?.quantization?.dtype).toBe('uint8');
  });

  it("from a TF2 SavedModel (function calls inlined), with the signature's own keys", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tg-gm-')), 'tf2');
    const r = await runCli('export', join(DEPLOY, 'saved_model_tf2'), '--format', 'graph_model', '-o', out, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      signature: { inputs: Record<string, string>; outputs: Record<string, string> };
    };
    expect(doc.signature).toEqual({
      inputs: { x: 'serving_default_x:0' },
      outputs: { y: 'StatefulPartitionedCall:0' },
    });
    expect(
      manifest(out)
        .weightsManifest[0]!.weights.map((w) => w.name)
        .sort(),
    ).toEqual(['b', 'scale', 'w']);
  });

  it('exits 2 for a bad --quantize or a meta graph without its checkpoint', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tg-gm-')), 'x');
    expect(
      (
        await runCli(
          'export',
          `${tiny}.meta`,
          tiny,
          '--format',
          'graph_model',
          '--signature',
          'p=probs:0',
          '--quantize',
          'int4',
          '-o',
          out,
        )
      ).code,
    ).toBe(2);
    expect(
      (await runCli('export', `${tiny}.meta`, '--format', 'graph_model', '--signature', 'p=probs:0', '-o', out)).code,
    ).toBe(2);
  });
});
