// printText on messages built in JavaScript: the value shapes it accepts, options, and misuse.
import {
  decodeMessage,
  encodeMessage,
  ProtoError,
  parseText,
  printText,
  tensorboard,
  tensorflow,
} from '@tensorgraft/proto';
import Long from 'long';
import { describe, expect, it } from 'vitest';

describe('printText', () => {
  it('prints a NodeDef built with create(), attrs sorted by key', () => {
    const node = tensorflow.NodeDef.create({
      name: 'x',
      op: 'Placeholder',
      attr: {
        shape: tensorflow.AttrValue.create({
          shape: tensorflow.TensorShapeProto.create({ dim: [{ size: Long.fromInt(-1) }] }),
        }),
        dtype: tensorflow.AttrValue.create({ type: tensorflow.DataType.DT_FLOAT }),
      },
    });
    expect(printText(tensorflow.NodeDef, node)).toBe(
      'name: "x"\nop: "Placeholder"\nattr {\n  key: "dtype"\n  value {\n    type: DT_FLOAT\n  }\n}\n' +
        'attr {\n  key: "shape"\n  value {\n    shape {\n      dim {\n        size: -1\n      }\n    }\n  }\n}\n',
    );
  });

  it('takes int64 as Long, number, bigint or decimal string', () => {
    const t = tensorflow.TensorProto.create({ int64_val: [Long.fromString('-9223372036854775808'), 7, '12'] });
    (t.int64_val as unknown[]).push(2n ** 62n);
    expect(printText(tensorflow.TensorProto, t)).toBe(
      'int64_val: -9223372036854775808\nint64_val: 7\nint64_val: 12\nint64_val: 4611686018427387904\n',
    );
  });

  it('escapes non-ASCII string characters only when asked (asUtf8: false)', () => {
    const s = tensorflow.CheckpointState.create({ model_checkpoint_path: 'm\u00f6del\t"1"' });
    expect(printText(tensorflow.CheckpointState, s)).toBe('model_checkpoint_path: "m\u00f6del\\t\\"1\\""\n');
    expect(printText(tensorflow.CheckpointState, s, { asUtf8: false })).toBe(
      'model_checkpoint_path: "m\\303\\266del\\t\\"1\\""\n',
    );
  });

  it('prints unknown enum numbers as numbers and skips proto3 zero values', () => {
    const t = tensorflow.TensorProto.create({ dtype: 250, version_number: 0, tensor_content: new Uint8Array(0) });
    expect(printText(tensorflow.TensorProto, t)).toBe('dtype: 250\n');
  });

  it('does not print unknown fields (as Python), while encode keeps them', () => {
    // name: "n" (field 1), then field 99 varint 5, which NodeDef does not have.
    const bytes = Uint8Array.from([0x0a, 0x01, 0x6e, 0x98, 0x06, 0x05]);
    const node = decodeMessage(tensorflow.NodeDef, bytes);
    expect(printText(tensorflow.NodeDef, node)).toBe('name: "n"\n');
    expect(Array.from(encodeMessage(tensorflow.NodeDef, node))).toEqual(Array.from(bytes));
  });

  it('refuses a non-message with a typed error', () => {
    expect(() => printText(tensorflow.GraphDef, null as unknown as tensorflow.GraphDef)).toThrow(ProtoError);
  });

  it('refuses a message that contains itself, with a typed error', () => {
    const list = tensorflow.AttrValue.ListValue.create();
    const attr = tensorflow.AttrValue.create({ list });
    (list.func as unknown[]).push({ name: 'f', attr: { loop: attr } });
    expect(() => printText(tensorflow.AttrValue, attr)).toThrow(ProtoError);
  });
});

describe('every generated message type', () => {
  /** Every generated class under tensorflow.* and tensorboard.*. */
  function classes(ns: Record<string, unknown>, out: { getTypeUrl(p?: string): string }[] = []) {
    for (const v of Object.values(ns)) {
      if (typeof v === 'function' && 'getTypeUrl' in v) {
        out.push(v as { getTypeUrl(p?: string): string });
        classes(v as unknown as Record<string, unknown>, out); // nested types hang off their parent class
      } else if (typeof v === 'object' && v !== null) classes(v as Record<string, unknown>, out); // sub-namespace
    }
    return out;
  }
  const all = classes({ tensorflow, tensorboard });

  it('has a text schema: an empty message prints as nothing and parses from nothing', () => {
    expect(all.length).toBeGreaterThan(110);
    for (const type of all) {
      const T = type as unknown as Parameters<typeof printText>[0];
      expect(printText(T, (T as unknown as { create(): unknown }).create())).toBe('');
      const parsed = parseText(T, '# nothing\n');
      expect(encodeMessage(T, parsed).length).toBe(0);
    }
  });
});
