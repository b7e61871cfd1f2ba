// `tensorgraft graph` says which op types @tensorgraft/graph's Session can run, without running anything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', '..', 'fixtures', 'graphs', name);

describe('tensorgraft graph: op support', () => {
  it('lists the op types without a kernel here', async () => {
    // TensorFlow's training graphs run (gradient and optimizer kernels); queues do not
    const cnn = JSON.parse((await runCli('graph', fixture('cnn.meta'), '--json')).stdout);
    expect(cnn.runtime).toEqual({ supportedNodes: cnn.nodes, unsupported: [] });
    const mlp = JSON.parse((await runCli('graph', fixture('mlp.pb'), '--json')).stdout);
    expect(mlp.runtime).toEqual({ supportedNodes: mlp.nodes, unsupported: [] });
    const dir = mkdtempSync(join(tmpdir(), 'tg-op-support-'));
    try {
      const file = join(dir, 'queue.pbtxt');
      writeFileSync(
        file,
        'node { name: "q" op: "FIFOQueueV2" attr { key: "component_types" value { list { type: DT_FLOAT } } } }\n' +
          'node { name: "c" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }\n',
      );
      const q = JSON.parse((await runCli('graph', file, '--json')).stdout);
      expect(q.runtime).toEqual({ supportedNodes: 1, unsupported: ['FIFOQueueV2'] });
      const text = await runCli('graph', file);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/ FIFOQueueV2 {2}\(no kernel here\)/);
      expect(text.stdout).toMatch(
        /runtime: 1 of 2 nodes have kernels in @tensorgraft\/graph; no kernel for FIFOQueueV2/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--check: nothing missing on TensorFlow-written training and forward graphs (exit 0)', async () => {
    for (const file of [
      fixture('cnn.meta'),
      join(import.meta.dirname, '..', '..', '..', 'fixtures', 'gradients', 'minimize_rmsprop_ref.meta'),
      join(import.meta.dirname, '..', '..', '..', 'fixtures', 'gradients', 'slim_ops.pb'),
    ]) {
      const r = await runCli('graph', file, '--check');
      expect([r.code, r.stdout], file).toEqual([
        0,
        expect.stringMatching(/op types \(\d+ nodes\) run and differentiate here/),
      ]);
      const j = JSON.parse((await runCli('graph', file, '--check', '--json')).stdout);
      expect([j.ok, j.unsupported, j.notDifferentiable]).toEqual([true, [], []]);
    }
  });

  it('--check names the op types it cannot run or differentiate, and their nodes (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-op-check-'));
    try {
      const file = join(dir, 'check.pbtxt');
      const f = 'attr { key: "T" value { type: DT_FLOAT } }';
      writeFileSync(
        file,
        'node { name: "q" op: "FIFOQueueV2" attr { key: "component_types" value { list { type: DT_FLOAT } } } }\n' +
          'node { name: "w" op: "VariableV2" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: 3 } } } } }\n' +
          'node { name: "axis" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }\n' +
          `node { name: "cp" op: "Cumprod" input: "w" input: "axis" ${f} attr { key: "Tidx" value { type: DT_INT32 } } }\n` +
          `node { name: "angle" op: "Atan" input: "cp" ${f} }\n`,
      );
      const r = await runCli('graph', file, '--check');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('no kernel:   Atan  angle');
      expect(r.stdout).toContain('no kernel:   FIFOQueueV2  q');
      expect(r.stdout).toContain('no gradient: Atan  angle');
      expect(r.stdout).toContain('no gradient: Cumprod  cp');
      const j = JSON.parse((await runCli('graph', file, '--check', '--json')).stdout);
      expect(j).toMatchObject({
        ok: false,
        unsupported: [
          { op: 'Atan', count: 1, nodes: ['angle'] },
          { op: 'FIFOQueueV2', count: 1, nodes: ['q'] },
        ],
        notDifferentiable: [
          { op: 'Atan', nodes: ['angle'] },
          { op: 'Cumprod', nodes: ['cp'] },
        ],
      });
      expect((await runCli('graph', file, '--check', '--to', 'pb')).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
