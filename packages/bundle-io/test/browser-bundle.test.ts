// The browser entry point bundles for platform=browser without reaching any Node built-in, and reads a
// TensorFlow-written checkpoint by URL with TensorFlow's values (same code as in a page, here on Node's fetch).
import { BundleError, openCheckpointAt } from '@tensorgraft/bundle-io/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expected, FIXTURES, tensorToJson } from './fixtures.js';
import { type RangeServer, startRangeServer } from './range-server.js';

interface Check {
  bytes: number;
  reached: string[];
}
const script = new URL('../../../scripts/check-browser-bundles.mjs', import.meta.url).href;
const { checkBrowserBundle } = (await import(script)) as { checkBrowserBundle: (entry: string) => Promise<Check> };

let server: RangeServer;
beforeAll(async () => {
  server = await startRangeServer(FIXTURES);
});
afterAll(() => server.close());

describe('@tensorgraft/bundle-io/browser', () => {
  it('bundles for the browser with no Node built-in (and the check does catch the Node entry point)', async () => {
    const browser = await checkBrowserBundle('packages/bundle-io/dist/browser.js');
    expect(browser.reached).toEqual([]);
    expect(browser.bytes).toBeGreaterThan(10_000);
    const node = await checkBrowserBundle('packages/bundle-io/dist/index.js');
    expect(node.reached.some((r) => r.startsWith('node:fs'))).toBe(true);
  });

  it("reads a TensorFlow checkpoint by URL with TensorFlow's values", async () => {
    const exp = expected('sharded');
    const r = await openCheckpointAt(`${server.url}/sharded/${exp.prefix}`);
    const got: Record<string, unknown> = {};
    for (const [name, t] of await r.getAll()) got[name] = tensorToJson(t);
    await r.close();
    expect(got).toEqual(exp.tensors);
    await expect(openCheckpointAt(`${server.url}/sharded/missing`)).rejects.toBeInstanceOf(BundleError);
    await expect(openCheckpointAt('/a/local/path')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
