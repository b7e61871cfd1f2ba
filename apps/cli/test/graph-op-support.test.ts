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
});
