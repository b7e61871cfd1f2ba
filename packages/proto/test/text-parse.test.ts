// parseText: the JavaScript shapes it builds (the same as decodeMessage's), the syntax TensorFlow's parser accepts,
// and error positions on multi-line input.
import { decodeMessage, encodeMessage, ProtoError, parseText, printText, tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';

function parseError(text: string, type: Parameters<typeof parseText>[0] = tensorflow.GraphDef): ProtoError {
  try {
    parseText(type, text, { path: 'g.pbtxt' });
  } catch (err) {
    expect(err).toBeInstanceOf(ProtoError);
    return err as ProtoError;
  }
  throw new Error('parsed without error');
}

describe('parseText values', () => {
  it('builds instances of the generated classes, like decodeMessage', () => {
    const g = parseText(
      tensorflow.GraphDef,
      'node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } }',
    );
    expect(g).toBeInstanceOf(tensorflow.GraphDef);
    const node = g.node[0] as tensorflow.NodeDef;
    expect(node).toBeInstanceOf(tensorflow.NodeDef);
    expect(node.attr.dtype).toBeInstanceOf(tensorflow.AttrValue);
    expect(node.attr.dtype?.type).toBe(tensorflow.DataType.DT_FLOAT);
    expect(node.attr.dtype?.value).toBe('type'); // the oneof getter sees the member that was set
    const again = decodeMessage(tensorflow.GraphDef, encodeMessage(tensorflow.GraphDef, g));
    expect(printText(tensorflow.GraphDef, again)).toBe(printText(tensorflow.GraphDef, g));
  });

  it('gives int64 as Long (signed or unsigned by field), bytes as Uint8Array, floats rounded to float32', () => {
    const t = parseText(
      tensorflow.TensorProto,
      'int64_val: -5 uint64_val: 18446744073709551615 string_val: "a\\001" float_val: 0.1 double_val: 0.1',
    );
    const i = t.int64_val[0] as { toString(): string; unsigned: boolean };
    expect([i.toString(), i.unsigned]).toEqual(['-5', false]);
    const u = t.uint64_val[0] as { toString(): string; unsigned: boolean };
    expect([u.toString(), u.unsigned]).toEqual(['18446744073709551615', true]);
    expect(t.string_val[0]).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.string_val[0] as Uint8Array)).toEqual([97, 1]);
    expect(t.float_val[0]).toBe(Math.fround(0.1));
    expect(t.double_val[0]).toBe(0.1);
  });

  it('merges a repeated singular message and lets the last scalar win, as text_format.Merge does', () => {
    const s = parseText(
      tensorflow.MetaGraphDef,
      'saver_def { max_to_keep: 1 } saver_def { version: V2 max_to_keep: 3 }',
    );
    expect([s.saver_def?.max_to_keep, s.saver_def?.version]).toEqual([3, 2]);
  });

  it('clears the other members of a oneof when one is set', () => {
    const a = parseText(tensorflow.AttrValue, 'i: 4 s: "x"');
    expect(a.value).toBe('s');
    expect(Object.hasOwn(a, 'i')).toBe(false);
    expect(printText(tensorflow.AttrValue, a)).toBe('s: "x"\n');
  });

  it('keeps a map key "__proto__" as an ordinary entry', () => {
    const n = parseText(tensorflow.NodeDef, 'attr { key: "__proto__" value { i: 1 } }');
    expect(Object.keys(n.attr)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(n.attr)).toBe(Object.prototype);
    expect(printText(tensorflow.NodeDef, n)).toBe('attr {\n  key: "__proto__"\n  value {\n    i: 1\n  }\n}\n');
  });

  it('reads a CRLF file and a file without a final newline', () => {
    const s = parseText(tensorflow.CheckpointState, 'model_checkpoint_path: "a"\r\nall_model_checkpoint_paths: "a"');
    expect([s.model_checkpoint_path, s.all_model_checkpoint_paths]).toEqual(['a', ['a']]);
  });
});

describe('parseText errors', () => {
  it('reports the line and column of the bad token in a multi-line file', () => {
    const e = parseError('node {\n  name: "a"\n  op: "B"\n  inptu: "c"\n}\n');
    expect([e.code, e.line, e.column, e.path]).toEqual(['TEXT_FIELD', 4, 3, 'g.pbtxt']);
    expect(e.message).toContain('inptu');
  });

  it('counts columns in code points, as Python does', () => {
    const e = parseError('node { name: "\u{1F600}\u{1F600}" op: ! }');
    expect([e.line, e.column]).toEqual([1, 23]);
  });

  it('points a missing closing brace at the last token', () => {
    const e = parseError('node {\n  name: "a"\n');
    expect([e.code, e.line, e.column]).toEqual(['TEXT_SYNTAX', 2, 9]);
  });

  it('refuses nesting deeper than 100 messages with a typed error', () => {
    const deep = `${'list { func { attr { key: "k" value { '.repeat(40)}${'} } } } '.repeat(40)}`;
    const e = parseError(deep, tensorflow.AttrValue);
    expect(e.code).toBe('TEXT_SYNTAX');
    expect(e.message).toContain('too deep');
  });

  it('refuses a message type it has no schema for', () => {
    const fake = { getTypeUrl: () => 'type.googleapis.com/nowhere.Nothing' } as unknown as Parameters<
      typeof parseText
    >[0];
    expect(() => parseText(fake, '')).toThrow(ProtoError);
  });
});
