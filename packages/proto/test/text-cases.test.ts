// The text format against Python protobuf on the cases in fixtures/graphs/text-cases.json (written by
// interop/fixtures/make_graphs.py): number formatting, maps, oneofs, Any, proto2 presence, accepted syntax, errors.
import { join } from 'node:path';
import {
  decodeMessage,
  encodeMessage,
  formatDouble,
  formatFloat,
  type MessageType,
  ProtoError,
  parseText,
  printText,
  tensorflow,
} from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { equalBytes, fromBase64, GRAPHS, jsonOf } from './fixtures.js';

interface Cases {
  floats: [number, string][];
  doubles: [string, string][];
  messages: { name: string; type: string; binary: string; text: string }[];
  parses: { type: string; text: string; binary: string; printed: string }[];
  errors: { type: string; text: string; code: string; line: number | null; column: number | null; message: string }[];
}
const cases = jsonOf<Cases>(join(GRAPHS, 'text-cases.json'));

/** The generated class for a full name such as `tensorflow.GraphDef`. */
function typeOf(fullName: string): MessageType<unknown> {
  let node: unknown = { tensorflow };
  for (const part of fullName.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`no generated class ${fullName}`);
  return node as MessageType<unknown>;
}

/** A double from Python's float.hex() text. */
function fromHex(hex: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(hex);
  if (!m) {
    if (hex === 'inf') return Infinity;
    if (hex === '-inf') return -Infinity;
    if (/^-?0x0\.0p\+0$/.test(hex)) return hex.startsWith('-') ? -0 : 0;
    throw new Error(`bad hex float ${hex}`);
  }
  const mantissa =
    Number.parseInt(m[2] as string, 10) + Number.parseInt(m[3] as string, 16) / 16 ** (m[3] as string).length;
  const v = mantissa * 2 ** Number(m[4]);
  return m[1] ? -v : v;
}

describe('number formatting', () => {
  it(`prints ${cases.floats.length} float32 values as Python does`, () => {
    const view = new DataView(new ArrayBuffer(4));
    const wrong: string[] = [];
    for (const [bits, text] of cases.floats) {
      view.setUint32(0, bits, true);
      const got = formatFloat(view.getFloat32(0, true));
      if (got !== text) wrong.push(`${bits}: ${got} != ${text}`);
    }
    expect(wrong).toEqual([]);
  });

  it(`prints ${cases.doubles.length} doubles as Python's repr does`, () => {
    const wrong = cases.doubles.filter(([hex, text]) => formatDouble(fromHex(hex)) !== text);
    expect(wrong).toEqual([]);
  });

  it('prints non-finite values and signed zero', () => {
    expect([
      formatFloat(Number.NaN),
      formatFloat(Infinity),
      formatFloat(-Infinity),
      formatFloat(-0),
      formatFloat(0),
    ]).toEqual(['nan', 'inf', '-inf', '-0.0', '0.0']);
    expect([formatDouble(Number.NaN), formatDouble(-Infinity), formatDouble(-0)]).toEqual(['nan', '-inf', '-0.0']);
  });
});

describe.each(cases.messages)('message $name', ({ type, binary, text }) => {
  const T = typeOf(type);
  const bytes = fromBase64(binary);

  it("prints Python's text", () => {
    expect(printText(T, decodeMessage(T, bytes))).toBe(text);
  });

  it("parses Python's text back to Python's bytes", () => {
    expect(equalBytes(encodeMessage(T, parseText(T, text)), bytes)).toBe(true);
  });
});

describe.each(cases.parses.map((c, i) => ({ ...c, i })))(
  'accepted syntax #$i ($type)',
  ({ type, text, binary, printed }) => {
    const T = typeOf(type);

    it('parses to what Python parses', () => {
      const parsed = parseText(T, text);
      expect(printText(T, parsed)).toBe(printed);
      expect(equalBytes(encodeMessage(T, parsed), fromBase64(binary))).toBe(true);
    });
  },
);

describe.each(cases.errors.map((c, i) => ({ ...c, i })))(
  'rejected text #$i ($code)',
  ({ type, text, code, line, column }) => {
    it('throws ProtoError with the code and, where Python gives one, its line and column', () => {
      let error: unknown;
      try {
        parseText(typeOf(type), text, { path: 'case.pbtxt' });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ProtoError);
      const e = error as ProtoError;
      expect(e.code).toBe(code);
      expect(e.path).toBe('case.pbtxt');
      expect(e.type).toBe(type);
      expect(e.line).toBeGreaterThanOrEqual(1);
      if (line !== null) expect([e.line, e.column]).toEqual([line, column]);
    });
  },
);
