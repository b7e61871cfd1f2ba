// `tensorgraft freeze` on TensorFlow's tiny model (fixtures/deploy/tiny): the file equals TensorFlow's own
// convert_variables_to_constants output; the usual exit codes and --json.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGraphDef } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const TINY = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'deploy', 'tiny');
const META = join(TINY, 'model.ckpt.meta');
const CKPT = join(TINY, 'model.ckpt');

describe('tensorgraft freeze', () => {
  it("writes TensorFlow's frozen GraphDef bytes and reports the converted variables as JSON", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tg-freeze-')), 'frozen.pb');
    const r = await runCli('freeze', META, CKPT, '--outputs', 'probs', '-o', out, '--json');
    expect(r.code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(TINY, 'frozen.pb')))).toBe(true);
    const doc = JSON.parse(r.stdout) as { nodes: number; converted: { variable: string; key: string }[] };
    expect(doc.nodes).toBe(parseGraphDef(readFileSync(join(TINY, 'frozen.pb'))).node.length);
    expect(doc.converted).toContainEqual({ variable: 'dense2/kernel', key: 'renamed/w2' });
  });

  it('--strip-training writes what remove_training_nodes gives', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tg-freeze-')), 'frozen.pb');
    const r = await runCli('freeze', META, CKPT, '--outputs', 'probs', '-o', out, '--strip-training');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dense2\/kernel -> Const \(checkpoint key renamed\/w2\)/);
    expect(readFileSync(out).equals(readFileSync(join(TINY, 'frozen_stripped.pb')))).toBe(true);
  });

  it('exits 2 on bad usage and 1 on a problem in the input', async () => {
    expect((await runCli('freeze', META, CKPT, '-o', '/tmp/x.pb')).code).toBe(2);
    expect((await runCli('freeze', META, CKPT, '--outputs', 'probs')).code).toBe(2);
    const missing = await runCli('freeze', META, CKPT, '--outputs', 'nope', '-o', '/tmp/tg-never.pb');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NOT_FOUND: output node 'nope' is not in the graph/);
    const noCkpt = await runCli('freeze', META, join(TINY, 'absent'), '--outputs', 'probs', '-o', '/tmp/tg-never.pb');
    expect(noCkpt.code).toBe(1);
  });
});

describe('tensorgraft freeze SAVED_MODEL_DIR', () => {
  const DEPLOY = join(TINY, '..');
  it('freezes a TF1 SavedModel signature, and a TF2 one with no call or variable left', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-freeze-sm-'));
    const r = await runCli(
      'freeze',
      join(DEPLOY, 'saved_model_tf1'),
      '--signature',
      'logits_only',
      '-o',
      join(root, 'a.pb'),
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outputs).toEqual({ logits: 'logits:0' });
    const r2 = await runCli('freeze', join(DEPLOY, 'saved_model_tf2'), '-o', join(root, 'b.pb'));
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/x=serving_default_x:0 -> y=StatefulPartitionedCall:0/);
    const ops = parseGraphDef(readFileSync(join(root, 'b.pb'))).node.map((n) => n.op);
    expect(ops.filter((o) => /VarHandleOp|PartitionedCall/.test(o ?? ''))).toEqual([]);
    expect((await runCli('freeze', join(DEPLOY, 'saved_model_tf1'), CKPT, '-o', join(root, 'c.pb'))).code).toBe(2);
  });
});
