// `@tensorgraft/proto/lite`: the package minus the generated messages, loaded without protobufjs, with the same
// functions as the full entry point.
import { spawnSync } from 'node:child_process';
import * as full from '@tensorgraft/proto';
import * as lite from '@tensorgraft/proto/lite';
import { describe, expect, it } from 'vitest';

describe('@tensorgraft/proto/lite', () => {
  it('exports the same functions as the full entry point', () => {
    const names = Object.keys(lite);
    for (const name of ['crc32c', 'dtypeInfo', 'escapeControls', 'ProtoError', 'readVarint64']) {
      expect(names).toContain(name);
    }
    // copied into plain records: every export compared by name
    const [l, f]: Record<string, unknown>[] = [{ ...lite }, { ...full }];
    for (const name of names) expect(l[name]).toBe(f[name]);
    expect(lite.dtypeInfo('bfloat16').enumValue).toBe(full.tensorflow.DataType.DT_BFLOAT16);
  });

  it('loads neither protobufjs nor the generated classes', () => {
    const script = `
      import { createRequire } from 'node:module';
      const lite = await import('@tensorgraft/proto/lite');
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ crc: lite.crc32c(new TextEncoder().encode('abcd')), protobufjs: loaded.filter((f) => f.includes('protobufjs')) }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    // crc32c("abcd"), the known answer tensorboardX tests with
    expect(JSON.parse(run.stdout)).toEqual({ crc: 0x92c80a31, protobufjs: [] });
  });

  it('loads the native crc32c only after a MiB was checksummed in JS, with the same results', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { crc32c, crc32cJs } = await import('@tensorgraft/proto/lite');
      const cache = createRequire(import.meta.url).cache;
      const native = () => Object.keys(cache).some((f) => f.includes('@node-rs') || f.endsWith('crc32c.node'));
      const big = Uint8Array.from({ length: 3 << 20 }, (_, i) => (i * 7919) & 0xff);
      const small = big.subarray(0, 4096);
      const steps = [];
      for (const input of [small, big, small]) steps.push({ same: crc32c(input) === crc32cJs(input), native: native() });
      console.log(JSON.stringify(steps));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      { same: true, native: false },
      { same: true, native: true },
      { same: true, native: true },
    ]);
  });
});
