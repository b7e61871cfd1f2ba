// Error messages are one inert line: control characters from the input are escaped, and no more than 40 bytes of
// unparsed input are echoed (a token of a secrets file handed to the wrong command must not come back whole).
import { escapeControls, ProtoError, parseText, quoteInput, tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';

function parseError(text: string): ProtoError {
  try {
    parseText(tensorflow.GraphDef, text, { path: 'secrets.txt' });
  } catch (err) {
    expect(err).toBeInstanceOf(ProtoError);
    return err as ProtoError;
  }
  throw new Error('expected a ProtoError');
}

describe('error message text', () => {
  it('an unknown field: its name quoted, cut at 40 bytes, with line and column', () => {
    const secret = `secret_token_ABC123_${'x'.repeat(200)}`;
    const e = parseError(`${secret}: "hunter2"\n`);
    expect(e.code).toBe('TEXT_FIELD');
    expect([e.line, e.column]).toEqual([1, 1]);
    expect(e.message).toBe(
      `Message type "tensorflow.GraphDef" has no field named "${secret.slice(0, 40)}"… (220 bytes). (secrets.txt, line 1, column 1, tensorflow.GraphDef)`,
    );
    expect(e.message).not.toContain('hunter2');
  });

  it('an unterminated string echoes at most 40 bytes of it', () => {
    const e = parseError(`node { name: "${'s'.repeat(5000)}\n`);
    expect(e.message.length).toBeLessThan(200);
    expect(e.message).toContain(`"\\"${'s'.repeat(39)}"… (5001 bytes)`);
  });

  it('NULs and control characters in the input come out escaped', () => {
    const e = parseError('node { name: "a" }\n\u0000\u001b[31mred');
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(e.message).toContain('\\u0000');
    expect(escapeControls('a\u0000b\u001b[0m\nc\u007f\u0085')).toBe('a\\u0000b\\u001b[0m\\nc\\u007f\\u0085');
    expect(quoteInput('é'.repeat(30))).toBe(`"${'é'.repeat(20)}"… (60 bytes)`);
  });
});
