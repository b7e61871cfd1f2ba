// @tensorgraft/events-writer/browser: bundles for the browser with no Node built-in, decodes a TensorFlow-written
// event file's bytes with TensorFlow's scalars, and builds an event file in memory that decodes back.
import { readFileSync } from 'node:fs';
import {
  encodeEvent,
  eventValues,
  FILE_VERSION,
  frameRecords,
  parseEvents,
  scalarValue,
} from '@tensorgraft/events-writer/browser';
import { describe, expect, it } from 'vitest';
import { fixtureFile, num } from './helpers.js';

const tf2 = fixtureFile('tf2');

describe('@tensorgraft/events-writer/browser', () => {
  it('bundles for the browser with no Node built-in', async () => {
    const script = new URL('../../../scripts/check-browser-bundles.mjs', import.meta.url).href;
    const { checkBrowserBundle } = (await import(script)) as {
      checkBrowserBundle: (entry: string) => Promise<{ reached: string[] }>;
    };
    expect((await checkBrowserBundle('packages/events-writer/dist/browser.js')).reached).toEqual([]);
  });

  it("decodes a TensorFlow event file's bytes with TensorFlow's scalars", () => {
    const file = parseEvents(new Uint8Array(readFileSync(tf2.path)), tf2.path);
    const scalars = file.events
      .flatMap((e) => eventValues(e.event))
      .filter((v) => v.kind === 'scalar')
      .map((v) => ({ tag: v.tag, step: v.step, value: v.value }));
    expect(scalars).toEqual(tf2.expect.scalars.map((s: { value: number | string }) => ({ ...s, value: num(s.value) })));
  });

  it('builds an event file in memory that decodes back', () => {
    const bytes = frameRecords([
      encodeEvent({ wall_time: 1, file_version: FILE_VERSION }),
      encodeEvent({ wall_time: 2, step: 3, summary: { value: [scalarValue('loss', 0.25)] } }),
    ]);
    const values = parseEvents(bytes).events.flatMap((e) => eventValues(e.event));
    expect(values.find((v) => v.kind === 'scalar')).toMatchObject({ tag: 'loss', step: 3, value: 0.25 });
  });
});
