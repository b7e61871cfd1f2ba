// BundleError messages are one inert line and quote no more than a short snippet of a file they could not parse.
import { BundleError, bytesSource, SafetensorsReader } from '@tensorgraft/bundle-io';
import { describe, expect, it } from 'vitest';

function stError(header: string): BundleError {
  const json = Buffer.from(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  try {
    new SafetensorsReader(bytesSource(new Uint8Array(Buffer.concat([len, json])), 'x.safetensors'));
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    return err as BundleError;
  }
  throw new Error('expected a BundleError');
}

describe('BundleError message text', () => {
  it('escapes control characters in tensor names and messages', () => {
    const e = new BundleError('NOT_FOUND', 'no such tensor\u001b[2J', { tensor: 'a\u0000b\u007f\u009b', path: 'p' });
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(e.message).toBe('no such tensor\\u001b[2J (tensor "a\\u0000b\\u007f\\u009b", p)');
  });

  it('a safetensors header that is not JSON: the offset, not the header', () => {
    const e = stError('{"secret_token_ABC123": hunter2}');
    expect(e.code).toBe('CORRUPT_TABLE');
    expect(e.message).not.toContain('hunter2');
    expect(e.message).toBe('header is not JSON (x.safetensors, offset 8)');
  });

  it('an unknown safetensors dtype is quoted and cut at 40 bytes', () => {
    const e = stError(`{"w":{"dtype":"${'Q'.repeat(100)}","shape":[],"data_offsets":[0,0]}}`);
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toBe(
      `dtype "${'Q'.repeat(40)}"… (100 bytes) is not supported (tensor "w", x.safetensors, offset 8)`,
    );
  });
});
