// `@tensorgraft/bundle-io/lite` reads V2 and safetensors checkpoints without loading protobufjs or the generated
// message code (what `tensorgraft ls` relies on to start fast), and its classes are the full entry point's own.
import { spawnSync } from 'node:child_process';
import * as full from '@tensorgraft/bundle-io';
import * as lite from '@tensorgraft/bundle-io/lite';
import { describe, expect, it } from 'vitest';
import { expected, fixture } from './fixtures.js';

describe('@tensorgraft/bundle-io/lite', () => {
  it('exports the same functions and classes as the full entry point', () => {
    const names = Object.keys(lite);
    expect(names).toContain('BundleReader');
    expect(names).toContain('resolveCheckpointFile');
    // copied into plain records: every export compared by name
    const [l, f]: Record<string, unknown>[] = [{ ...lite }, { ...full }];
    for (const name of names) expect(l[name]).toBe(f[name]);
  });

  it('lists a TensorFlow checkpoint without loading protobufjs or the generated messages', () => {
    const prefix = fixture('dtypes', expected('dtypes').prefix);
    const script = `
      import { createRequire } from 'node:module';
      const { BundleReader, resolveCheckpointFile } = await import('@tensorgraft/bundle-io/lite');
      const r = BundleReader.open(resolveCheckpointFile(process.argv[1]).path);
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ tensors: r.entries().length, protobufjs: loaded.filter((f) => f.includes('protobufjs')) }));
      r.close();`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, prefix], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ tensors: Object.keys(expected('dtypes').tensors).length, protobufjs: [] });
  });
});
