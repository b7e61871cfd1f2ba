import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'graphs');
const fixture = (name: string) => join(FIXTURES, name);
interface Sidecar {
  node_count: number;
  op_types: string[];
  meta: { node_count: number; collection_keys: string[]; saver_def: { restore_op_name: string; max_to_keep: number } };
}
const sidecar = (name: string) => JSON.parse(readFileSync(fixture(`${name}.json`), 'utf8')) as Sidecar;

describe('tensorgraft graph', () => {
  for (const name of ['mlp', 'cnn', 'cond', 'while']) {
    it(`summarises ${name}.pb and ${name}.meta with TensorFlow's node count and op types`, async () => {
      const pb = await runCli('graph', fixture(`${name}.pb`), '--json');
      expect(pb.code).toBe(0);
      const graph = JSON.parse(pb.stdout);
      expect(graph.kind).toBe('GraphDef');
      expect(graph.format).toBe('binary');
      const expected = sidecar(name);
      expect(graph.nodes).toBe(expected.node_count);
      expect(Object.keys(graph.ops).sort()).toEqual([...expected.op_types].sort());
      const ops = Object.values(graph.ops as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(ops).toBe(expected.node_count);

      const meta = JSON.parse((await runCli('graph', fixture(`${name}.meta`), '--json')).stdout);
      expect(meta.kind).toBe('MetaGraphDef');
      expect(meta.meta.tensorflowVersion).toBe('2.21.0');
      expect(meta.nodes).toBe(expected.meta.node_count);
      expect(meta.meta.saver.restore).toBe(expected.meta.saver_def.restore_op_name);
      expect(meta.meta.saver.maxToKeep).toBe(expected.meta.saver_def.max_to_keep);
      expect(Object.keys(meta.meta.collections)).toEqual(expected.meta.collection_keys);
    });
  }

  it('reads text files too, deciding GraphDef or MetaGraphDef from the content', async () => {
    const text = JSON.parse((await runCli('graph', fixture('cnn.pbtxt'), '--json')).stdout);
    const binary = JSON.parse((await runCli('graph', fixture('cnn.pb'), '--json')).stdout);
    expect(text.format).toBe('text');
    expect(text.ops).toEqual(binary.ops);
    const metaText = JSON.parse((await runCli('graph', fixture('cnn.meta.pbtxt'), '--json')).stdout);
    expect(metaText.kind).toBe('MetaGraphDef');
    expect(metaText.meta.collections).toEqual(
      JSON.parse((await runCli('graph', fixture('cnn.meta'), '--json')).stdout).meta.collections,
    );
  });

  it("converts binary to TensorFlow's own text and back, byte for byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cli-graph-'));
    for (const [from, to, format, expected] of [
      ['cnn.pb', 'out.pbtxt', 'pbtxt', 'cnn.pbtxt'],
      ['cnn.pbtxt', 'out.pb', 'pb', 'cnn.pb'],
      ['while.meta', 'out.meta.pbtxt', 'pbtxt', 'while.meta.pbtxt'],
      ['while.meta.pbtxt', 'out.meta', 'pb', 'while.meta'],
    ] as const) {
      const r = await runCli('graph', fixture(from), '--to', format, '-o', join(dir, to));
      expect(r.code).toBe(0);
      expect(Buffer.compare(readFileSync(join(dir, to)), readFileSync(fixture(expected)))).toBe(0);
    }
  });

  it('converts to lossless JSON (int64 as strings, enums by name)', async () => {
    const r = await runCli('graph', fixture('mlp.pb'), '--to', 'json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const x = json.node.find((n: { name: string }) => n.name === 'x');
    expect(x.op).toBe('Placeholder');
    expect(x.attr.dtype.type).toBe('DT_FLOAT');
    expect(x.attr.shape.shape.dim[0].size).toBe('-1');
  });

  it('exits 1 with the file and offset on a truncated binary graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cli-graph-'));
    const bytes = readFileSync(fixture('mlp.pb'));
    const path = join(dir, 'cut.pb');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await runCli('graph', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toMatch(/offset \d+/);
  });

  it('exits 1 with line and column on malformed text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-cli-graph-'));
    const path = join(dir, 'bad.pbtxt');
    writeFileSync(path, 'node {\n  name: "x"\n  op: Placeholder\n}\n');
    const r = await runCli('graph', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 3, column \d+/);
  });

  it('exits 1 for a missing file and 2 for bad usage', async () => {
    expect((await runCli('graph', '/nonexistent/graph.pb')).code).toBe(1);
    expect((await runCli('graph')).code).toBe(2);
    expect((await runCli('graph', fixture('mlp.pb'), '--to', 'yaml')).code).toBe(2);
    expect((await runCli('graph', fixture('mlp.pb'), '-o', '/tmp/x')).code).toBe(2);
    expect((await runCli('graph', fixture('mlp.pb'), '--bogus')).code).toBe(2);
  });
});
