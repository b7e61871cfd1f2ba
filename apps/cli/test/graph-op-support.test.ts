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
    const loop = await runCli('graph', fixture('while.pb'));
    expect(loop.code).toBe(0);
    expect(loop.stdout).toMatch(/ StatelessWhile {2}\(no kernel here\)/);
    expect(loop.stdout).toMatch(
      /runtime: \d+ of \d+ nodes have kernels in @tensorgraft\/graph; no kernel for StatelessWhile\n/,
    );
  });
});
