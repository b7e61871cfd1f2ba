// `tensorgraft graph` says which op types @tensorgraft/graph's Session can run, without running anything.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', '..', 'fixtures', 'graphs', name);

describe('tensorgraft graph: op support', () => {
  it('lists the op types without a kernel here', async () => {
    const cnn = JSON.parse((await runCli('graph', fixture('cnn.meta'), '--json')).stdout);
    expect(cnn.runtime.unsupported).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'MaxPoolGrad',
      'ReluGrad',
      'ResourceApplyGradientDescent',
    ]);
    const mlp = JSON.parse((await runCli('graph', fixture('mlp.pb'), '--json')).stdout);
    expect(mlp.runtime).toEqual({ supportedNodes: mlp.nodes, unsupported: [] });
    const text = await runCli('graph', fixture('cnn.pb'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ ReluGrad {2}\(no kernel here\)/);
    expect(text.stdout).toMatch(
      /runtime: \d+ of \d+ nodes have kernels in @tensorgraft\/graph; no kernel for Conv2DBackpropFilter, /,
    );
  });
});
