// Our summary values against TensorFlow's own (fixtures/events): byte for byte where TensorFlow's bytes are
// deterministic, value for value where they are not (PNG encoders differ; hparams maps have no fixed order).

import {
  EventsError,
  eventValues,
  histogramBuckets,
  histogramValue,
  imageValue,
  legacyHistogram,
  readEventFile,
  scalarValue,
  textValue,
} from '@tensorgraft/events-writer';
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import { decode as decodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { fixtureFile, hex, num } from './helpers.js';

const tf2 = fixtureFile('tf2');
const tf1 = fixtureFile('tf1');
const raw2: Record<string, string> = tf2.expect.summary_value_hex;
const raw1: Record<string, string> = tf1.expect.summary_value_hex;
const encodeValue = (v: tensorflow.Summary.Value.$Properties) => hex(encodeMessage(tensorflow.Summary.Value, v));

describe('summary values match TensorFlow byte for byte', () => {
  it('TF2 scalars, NaN and infinities included', () => {
    for (const s of tf2.expect.scalars) {
      expect(encodeValue(scalarValue(s.tag, num(s.value))), `${s.tag}@${s.step}`).toBe(raw2[`${s.tag}@${s.step}`]);
    }
  });

  it('legacy simple_value scalars', () => {
    for (const s of tf1.expect.scalars) {
      expect(encodeValue(scalarValue(s.tag, s.value, true))).toBe(raw1[`${s.tag}@${s.step}`]);
    }
  });

  it('TF2 histograms: 4 buckets, the default 30, and a single repeated value', () => {
    const data = tf2.expect.histogram_data as number[];
    expect(encodeValue(histogramValue('weights', data, { buckets: 4 }))).toBe(raw2['weights@5']);
    expect(encodeValue(histogramValue('weights_default', data))).toBe(raw2['weights_default@5']);
    expect(encodeValue(histogramValue('single', [7, 7, 7], { buckets: 3 }))).toBe(raw2['single@6']);
    expect(Array.from(histogramBuckets(Float64Array.from(data), 4))).toEqual(tf2.expect.histograms.weights.flat());
  });

  it("legacy histograms: TensorFlow's C++ buckets, and the empty histogram", () => {
    const data = Float64Array.from(tf1.expect.histogram_data as number[]);
    expect(encodeValue({ tag: 'legacy_hist', histo: legacyHistogram(data) })).toBe(raw1['legacy_hist@4']);
    expect(encodeValue(histogramValue('legacy_hist', [], { legacy: true }))).toBe(raw1['legacy_hist@5']);
  });

  it('text', () => {
    const t = tf2.expect.text;
    expect(encodeValue(textValue(t.tag, t.value))).toBe(raw2[`${t.tag}@${t.step}`]);
  });

  it('images: same tensor layout, PNGs that decode to the same pixels', () => {
    const img = tf2.expect.image;
    const [n, h, w, c] = img.shape as number[];
    const ours = imageValue(img.tag, Uint8Array.from(img.pixels), { height: h!, width: w!, channels: c! });
    const theirs = tensorflow.Summary.Value.decode(Buffer.from(raw2[`${img.tag}@${img.step}`]!, 'hex'));
    expect(ours.tensor!.dtype).toBe(theirs.tensor!.dtype);
    expect(ours.tensor!.string_val!.length).toBe(2 + n!);
    expect(ours.tensor!.string_val!.slice(0, 2).map(hex)).toEqual(theirs.tensor!.string_val!.slice(0, 2).map(hex));
    expect(hex(encodeMessage(tensorflow.SummaryMetadata, ours.metadata!))).toBe(
      hex(encodeMessage(tensorflow.SummaryMetadata, theirs.metadata!)),
    );
    for (let i = 0; i < n!; i++) {
      const a = decodePng(ours.tensor!.string_val![2 + i]!);
      const b = decodePng(theirs.tensor!.string_val![2 + i]!);
      expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(Array.from(a.data)).toEqual(img.pixels.slice(i * h! * w! * c!, (i + 1) * h! * w! * c!));
    }
  });

  it('images from floats in [0, 1] convert like tf.image.convert_image_dtype(saturate=True)', () => {
    const v = imageValue('f', [0, 0.5, 1, -0.2, 1.7, Number.NaN], { height: 1, width: 2, channels: 3 });
    expect(Array.from(decodePng(v.tensor!.string_val![2]!).data)).toEqual([0, 127, 255, 0, 255, 0]);
  });
});

describe('reading TensorFlow event files', () => {
  it('reads every TF2 value', () => {
    const file = readEventFile(tf2.path);
    expect(file.torn).toBeUndefined();
    const plugins = new Map<string, string>();
    const values = file.events.flatMap((e) => eventValues(e.event, plugins));
    expect(values[0]).toMatchObject({ kind: 'file_version', value: 'brain.Event:2' });
    const scalars = values
      .filter((v) => v.kind === 'scalar')
      .map((v) => ({ tag: v.tag, step: v.step, value: v.value }));
    expect(scalars).toEqual(tf2.expect.scalars.map((s: { value: number | string }) => ({ ...s, value: num(s.value) })));
    for (const [tag, buckets] of Object.entries(tf2.expect.histograms as Record<string, number[][]>)) {
      const h = values.find((v) => v.kind === 'histogram' && v.tag === tag)!;
      expect(
        (h.value as { left: number; right: number; count: number }[]).map((b) => [b.left, b.right, b.count]),
      ).toEqual(buckets);
    }
    const image = values.find((v) => v.kind === 'image')!;
    expect(image.value).toMatchObject({ width: 4, height: 3 });
    expect((image.value as { images: Uint8Array[] }).images.length).toBe(2);
    expect(values.find((v) => v.kind === 'text')).toMatchObject({
      tag: 'notes',
      step: 8,
      value: tf2.expect.text.value,
    });
    const graph = values.find((v) => v.kind === 'graph')!;
    const nodes = tensorflow.GraphDef.decode(graph.value as Uint8Array).node.map((n) => n.name);
    expect(nodes).toEqual(tf2.expect.graph_nodes);
    const start = values.find((v) => v.tag === '_hparams_/session_start_info')!;
    expect(start.value).toMatchObject({
      sessionStart: { hparams: { lr: 0.01, optimizer: 'adam', dropout_on: true }, groupName: 'trial-1' },
    });
    const exp = values.find((v) => v.tag === '_hparams_/experiment')!;
    expect(exp.value).toMatchObject({ experiment: { hparams: ['lr', 'optimizer', 'dropout_on'], metrics: ['loss'] } });
  });

  it('reads every TF1 value: simple_value, legacy histogram, graph, session log', () => {
    const values = readEventFile(tf1.path).events.flatMap((e) => eventValues(e.event));
    const scalars = values
      .filter((v) => v.kind === 'scalar')
      .map((v) => ({ tag: v.tag, step: v.step, value: v.value }));
    expect(scalars).toEqual(tf1.expect.scalars);
    const hist = values.find((v) => v.kind === 'histogram' && v.step === 4)!;
    const buckets = hist.value as { left: number; right: number; count: number }[];
    expect(buckets.reduce((a, b) => a + b.count, 0)).toBe(tf1.expect.histogram_data.length);
    expect(buckets[0]!.left).toBe(-1.25);
    expect(buckets[buckets.length - 1]!.right).toBe(10);
    const graph = values.find((v) => v.kind === 'graph')!;
    expect(tensorflow.GraphDef.decode(graph.value as Uint8Array).node.map((n) => n.name)).toEqual(
      tf1.expect.graph_nodes,
    );
    expect(values.find((v) => v.kind === 'session_log')).toMatchObject({ step: 2, value: 'START' });
  });
});

describe('bad summary input', () => {
  it('refuses non-finite histogram data, bad bucket counts and non-numbers', () => {
    expect(() => histogramValue('h', [1, Number.NaN])).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE', tag: 'h' }),
    );
    expect(() => histogramValue('h', [1, Number.POSITIVE_INFINITY], { legacy: true })).toThrow(EventsError);
    expect(() => histogramValue('h', [1], { buckets: 0 })).toThrow(/buckets must be an integer/);
    expect(() => histogramValue('h', [1], { buckets: 1.5 })).toThrow(/buckets/);
    expect(() => histogramValue('h', ['1'] as unknown as number[])).toThrow(/not a number/);
    expect(() => histogramValue('h', 5 as unknown as number[])).toThrow(/array/);
  });

  it('refuses images whose size does not match their data', () => {
    const px = new Uint8Array(12);
    expect(() => imageValue('i', px, { height: 2, width: 2, channels: 3 })).not.toThrow();
    expect(() => imageValue('i', px, { height: 2, width: 3, channels: 3 })).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE', message: expect.stringContaining('not a multiple') }),
    );
    expect(() => imageValue('i', new Uint8Array(0), { height: 1, width: 1, channels: 1 })).toThrow(/not a multiple/);
    expect(() => imageValue('i', px, { height: 2, width: 2, channels: 5 })).toThrow(/channels/);
    expect(() => imageValue('i', px, { height: 0, width: 2, channels: 3 })).toThrow(/height/);
    expect(() => imageValue('i', ['x'] as unknown as number[], { height: 1, width: 1, channels: 1 })).toThrow(
      /pixel 0/,
    );
  });

  it('writes at most maxOutputs images of a batch', () => {
    const v = imageValue('i', new Uint8Array(5 * 4), { height: 2, width: 2, channels: 1 });
    expect(v.tensor!.string_val!.length).toBe(2 + 3);
    const all = imageValue('i', new Uint8Array(5 * 4), { height: 2, width: 2, channels: 1, maxOutputs: 10 });
    expect(all.tensor!.string_val!.length).toBe(2 + 5);
  });

  it('refuses a scalar that is not a number and text with lone surrogates', () => {
    expect(() => scalarValue('s', '1' as unknown as number)).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
    expect(() => textValue('t', 'a\ud800b')).toThrow(/surrogate/);
    expect(() => textValue('t', [1] as unknown as string[])).toThrow(/not a string/);
  });
});
