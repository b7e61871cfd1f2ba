// Strings for the generated encoders (scripts/generate.mjs puts `$writeString(w, tag, s)` where protobufjs wrote
// `w.uint32(tag).string(s)`). Layout written: the field's tag varint, the UTF-8 byte length varint, the bytes.
//
// Why: names, ops, inputs and attr keys are short ASCII. For those the tag, the length and the bytes go into the
// writer's buffer in one step (one reserve, no length placeholder to fix up). Anything else (a tag or length over one
// byte, a character >= 0x80) is written by protobufjs as before. This relies on protobufjs 8's Writer keeping its
// bytes in `buf` up to `pos` and growing them with `_reserve(n)`; a self-check at load falls back to plain protobufjs
// if that ever changes.
import protobuf from 'protobufjs/minimal.js';

interface WriterInternals {
  buf: Uint8Array;
  pos: number;
  _reserve(n: number): void;
}

function writeShortAscii(w: protobuf.Writer, tag: number, s: string): protobuf.Writer {
  const n = s.length;
  if (n > 127 || tag > 127) return w.uint32(tag).string(s);
  const iw = w as unknown as WriterInternals;
  iw._reserve(n + 2);
  const buf = iw.buf;
  const at = iw.pos + 2;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // Nothing is committed until `pos` moves, so the plain path can start over.
    if (c >= 0x80) return w.uint32(tag).string(s);
    buf[at + i] = c;
  }
  buf[at - 2] = tag;
  buf[at - 1] = n;
  iw.pos = at + n;
  return w;
}

function plain(w: protobuf.Writer, tag: number, s: string): protobuf.Writer {
  return w.uint32(tag).string(s);
}

function selfCheck(): boolean {
  try {
    const w = protobuf.Writer.create();
    writeShortAscii(w.fork(), 10, 'ab').ldelim();
    writeShortAscii(w, 18, 'é');
    writeShortAscii(w, 26, 'x'.repeat(300));
    const got = w.finish();
    const want = protobuf.Writer.create();
    want.fork().uint32(10).string('ab').ldelim().uint32(18).string('é').uint32(26).string('x'.repeat(300));
    const expected = want.finish();
    return got.length === expected.length && got.every((b, i) => b === expected[i]);
  } catch {
    return false;
  }
}

export const writeString: (w: protobuf.Writer, tag: number, s: string) => protobuf.Writer = selfCheck()
  ? writeShortAscii
  : plain;
