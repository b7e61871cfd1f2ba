// tensorgraft merge on TensorFlow-written models (fixtures/models: cnn whose mean:0 is [N, 8], mlp whose x:0 is [N, 8]).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleReader } from '@tensorgraft/bundle-io';
import { parseMetaGraph } from '@tensorgraft/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const MODELS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'models');
const tmp = mkdtempSync(join(tmpdir(), 'cli-merge-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cnn = join(MODELS, 'cnn', 'model.ckpt');
const mlp = join(MODELS, 'mlp', 'model.ckpt');

describe('tensorgraft merge', () => {
  it('writes one meta graph and one checkpoint with the scoped keys, values byte for byte (--json)', async () => {
    const out = join(tmp, 'a', 'merged.ckpt');
    const r = await runCli(
      'merge',
      '--model',
      `backbone=${cnn}.meta`,
      '--model',
      `head=${mlp}`,
      '--wire',
      'head/x:0=backbone/mean:0',
      '--freeze',
      'backbone',
      '-o',
      out,
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      tensors: number;
      keys: string[];
      models: { scope: string; variables: number; wired: Record<string, string> }[];
      trainable: string[];
      boundaries: { tensor: string; stopGradient: string }[];
    };
    const src = { backbone: BundleReader.open(cnn), head: BundleReader.open(mlp) };
    const want = [
      ...src.backbone.names().map((k) => `backbone/${k}`),
      ...src.head.names().map((k) => `head/${k}`),
    ].sort();
    expect(doc.keys).toEqual(want);
    expect(doc.tensors).toBe(12);
    expect(doc.models.map((m) => [m.scope, m.variables, m.wired])).toEqual([
      ['backbone', 6, {}],
      ['head', 6, { 'x:0': 'backbone/mean:0' }],
    ]);
    expect(doc.trainable.every((v) => v.startsWith('head/'))).toBe(true);
    expect(doc.boundaries.map((b) => [b.tensor, b.stopGradient])).toEqual([['backbone/mean:0', 'head/stop_gradient']]);
    const merged = BundleReader.open(out);
    expect(merged.names()).toEqual(want);
    for (const key of want) {
      const [scope, ...rest] = key.split('/');
      const a = src[scope as 'head'].get(rest.join('/'));
      expect(Buffer.from((merged.get(key).data as Float32Array).buffer)).toEqual(
        Buffer.from((a.data as Float32Array).buffer),
      );
    }
    merged.close();
    src.backbone.close();
    src.head.close();
    const meta = parseMetaGraph(readFileSync(`${out}.meta`));
    expect(meta.saver_def?.restore_op_name).toBe('save/restore_all');
    expect(meta.graph_def?.node?.some((n) => n.name === 'head/stop_gradient' && n.op === 'StopGradient')).toBe(true);
  });

  it('takes a directory with a checkpoint state file (its latest checkpoint) and lists the restore map', async () => {
    const dir = join(tmp, 'mlp-dir');
    mkdirSync(dir);
    for (const ext of ['index', 'data-00000-of-00001', 'meta'])
      copyFileSync(`${mlp}.${ext}`, join(dir, `model.ckpt-7.${ext}`));
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "model.ckpt-7"\n');
    const r = await runCli('merge', '--model', `m=${dir}`, '-o', join(tmp, 'c', 'out'), '--json');
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as {
      restoreMap: Record<string, { model: string; checkpoint: string; key: string }>;
    };
    expect(doc.restoreMap['m/dense/kernel']).toEqual({
      model: 'm',
      checkpoint: join(dir, 'model.ckpt-7'),
      key: 'dense/kernel',
    });
    expect(Object.keys(doc.restoreMap)).toHaveLength(6);
  });

  it('prints a human summary', async () => {
    const out = join(tmp, 'b', 'merged.ckpt');
    const r = await runCli(
      'merge',
      '--model',
      `backbone=${cnn}`,
      '--model',
      `head=${mlp}`,
      '--wire',
      'head/x:0=backbone/mean:0',
      '-o',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`merged 2 models into ${out} (12 tensors,`);
    expect(r.stdout).toContain('head/x:0 <- backbone/mean:0');
  });

  it('bad usage exits 2; problems in the models exit 1 naming the model and node', async () => {
    expect((await runCli('merge', '--model', `backbone=${cnn}`)).code).toBe(2);
    expect((await runCli('merge', '-o', join(tmp, 'x'))).code).toBe(2);
    expect((await runCli('merge', '--model', cnn, '-o', join(tmp, 'x'))).code).toBe(2);
    const noScope = await runCli('merge', '--model', `a=${cnn}`, '--wire', 'zz/x:0=a/mean:0', '-o', join(tmp, 'x'));
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toContain("'zz/x:0' is under no --model scope");

    const dup = await runCli('merge', '--model', `a=${cnn}`, '--model', `a=${mlp}`, '-o', join(tmp, 'x'));
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('DUPLICATE_SCOPE');
    const unwired = await runCli(
      'merge',
      '--model',
      `a=${cnn}`,
      '--model',
      `b=${mlp}`,
      '--wire',
      'b/x:0=a/nothing:0',
      '-o',
      join(tmp, 'x'),
    );
    expect(unwired.code).toBe(1);
    expect(unwired.stderr).toContain('UNMAPPED_INPUT');
    expect(unwired.stderr).toContain('model b');
    expect(unwired.stderr).toContain('a/nothing:0');
    const missing = await runCli('merge', '--model', `a=${join(tmp, 'nope.ckpt')}`, '-o', join(tmp, 'x'));
    expect(missing.code).toBe(1);
  });
});
