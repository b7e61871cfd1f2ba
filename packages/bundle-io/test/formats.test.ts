// Big-endian bundles, snappy-compressed table blocks, and finding checkpoints from CLI-style arguments.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BundleReader,
  bytesSource,
  latestFromState,
  openCheckpoint,
  resolveCheckpoint,
  TableBuilder,
  TableReader,
} from '@tensorgraft/bundle-io';
import { crc32c, maskCrc, printText, tensorflow } from '@tensorgraft/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { expected, fixture, tensorToJson } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'formats-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Rebuilds a table from entries, with every value rewritten by `edit`. */
function rewriteTable(bytes: Uint8Array, edit: (key: Uint8Array, value: Uint8Array) => Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  const b = new TableBuilder({ append: (c) => chunks.push(c.slice()) });
  for (const { key, value } of new TableReader(bytesSource(bytes)).entries()) b.add(key, edit(key, value));
  b.finish();
  return new Uint8Array(Buffer.concat(chunks));
}

describe('big-endian bundles', () => {
  it('reads a byte-swapped copy of a TensorFlow bundle whose header says BIG', async () => {
    // No big-endian machine here: swap every POD tensor of the real fixture, fix its crc, and set endianness = BIG.
    const exp = expected('dtypes');
    const src = BundleReader.open(fixture('dtypes', exp.prefix));
    const data = new Uint8Array(readFileSync(fixture('dtypes', 'model.ckpt.data-00000-of-00001')));
    const { tensorflow, decodeMessage, encodeMessage, dtypeInfo } = await import('@tensorgraft/proto');
    const index = rewriteTable(new Uint8Array(readFileSync(fixture('dtypes', 'model.ckpt.index'))), (key, value) => {
      if (key.length === 0) {
        const h = decodeMessage(tensorflow.BundleHeaderProto, value);
        h.endianness = 1;
        return encodeMessage(tensorflow.BundleHeaderProto, h);
      }
      const e = decodeMessage(tensorflow.BundleEntryProto, value);
      if (e.slices?.length || !e.size) return value;
      const info = dtypeInfo(e.dtype!);
      if (info.kind === 'string') return value;
      const width = info.kind === 'complex' ? info.itemSize / 2 : info.itemSize;
      const off = Number(e.offset ?? 0);
      const part = data.subarray(off, off + Number(e.size));
      for (let i = 0; i < part.length; i += width) part.subarray(i, i + width).reverse();
      e.crc32c = maskCrc(crc32c(part));
      return encodeMessage(tensorflow.BundleEntryProto, e);
    });
    const r = new BundleReader({ prefix: 'be', index: bytesSource(index), openShard: () => bytesSource(data) });
    expect(r.header.endianness).toBe('big');
    for (const name of r.names()) expect(tensorToJson(r.get(name))).toEqual(exp.tensors[name]);
    src.close();
  });
});

describe('snappy-compressed table blocks', () => {
  it('reads an index whose blocks are snappy-compressed', () => {
    const exp = expected('saver');
    const raw = new Uint8Array(readFileSync(fixture('saver', `${exp.prefix}.index`)));
    const chunks: Uint8Array[] = [];
    const b = new TableBuilder({ append: (c) => chunks.push(c.slice()) }, { compression: 'snappy' });
    for (const { key, value } of new TableReader(bytesSource(raw)).entries()) b.add(key, value);
    b.finish();
    const compressed = new Uint8Array(Buffer.concat(chunks));
    expect(compressed.length).toBeLessThan(raw.length);
    // Smaller only if blocks were stored with type 1.
    const dir = join(tmp, 'snappy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'm.index'), compressed);
    cpSync(fixture('saver', `${exp.prefix}.data-00000-of-00001`), join(dir, 'm.data-00000-of-00001'));
    const r = BundleReader.open(join(dir, 'm'));
    for (const n of r.names()) expect(tensorToJson(r.get(n))).toEqual(exp.tensors[n]);
    r.close();
  });
});

describe('resolveCheckpoint / openCheckpoint', () => {
  it('accepts a prefix, its .index or data file, a V1 file, and a directory with a checkpoint state file', () => {
    const exp = expected('saver');
    const prefix = fixture('saver', exp.prefix);
    expect(resolveCheckpoint(prefix)).toEqual({ format: 'v2', path: prefix });
    expect(resolveCheckpoint(`${prefix}.index`)).toEqual({ format: 'v2', path: prefix });
    expect(resolveCheckpoint(`${prefix}.data-00000-of-00001`)).toEqual({ format: 'v2', path: prefix });
    expect(resolveCheckpoint(fixture('v1', 'model.ckpt')).format).toBe('v1');
    const dir = join(tmp, 'state');
    cpSync(fixture('saver'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'checkpoint'),
      `model_checkpoint_path: "${exp.prefix}"\nall_model_checkpoint_paths: "${exp.prefix}"\n`,
    );
    const r = openCheckpoint(dir);
    expect(r.format).toBe('v2');
    expect(r.names()).toEqual(Object.keys(exp.tensors).sort());
    r.close();
    expect(() => resolveCheckpoint(join(tmp, 'nothing-here'))).toThrow(/no checkpoint/);
  });

  it('reads the state file with the text format parser: quotes, apostrophes and UTF-8 in the path', () => {
    const exp = expected('saver');
    const dir = join(tmp, 'state-escapes');
    const name = `bob's "best" mödel`;
    mkdirSync(dir);
    for (const suffix of ['.index', '.data-00000-of-00001']) {
      cpSync(fixture('saver', exp.prefix + suffix), join(dir, name + suffix));
    }
    // printText writes what TensorFlow's text_format writes (\' and \" escapes), checked in @tensorgraft/proto
    writeFileSync(join(dir, 'checkpoint'), printText(tensorflow.CheckpointState, { model_checkpoint_path: name }));
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toContain('bob\\\'s \\"best\\"');
    expect(latestFromState(dir)).toBe(join(dir, name));
    expect(openCheckpoint(dir).names()).toEqual(Object.keys(exp.tensors).sort());
  });

  it('names a state file that does not parse or has no model path (BAD_STATE_FILE)', () => {
    const dir = join(tmp, 'state-bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "unterminated\n');
    expect(() => latestFromState(dir)).toThrow(
      expect.objectContaining({ code: 'BAD_STATE_FILE', path: join(dir, 'checkpoint') }),
    );
    writeFileSync(join(dir, 'checkpoint'), 'all_model_checkpoint_paths: "a"\n');
    expect(() => latestFromState(dir)).toThrow(/names no model_checkpoint_path/);
  });
});
