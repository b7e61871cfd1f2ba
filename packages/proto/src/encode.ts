// encodeMessage's engine: the generated encoders (src/gen/encoders.js, from scripts/gen-encoders.mjs) writing into a
// BackwardWriter, and the policy for the writer's buffer between calls.
import { BackwardWriter } from './codec/backward-writer.js';
import { encoders } from './gen/encoders.js';

/**
 * One writer kept between calls, so its buffer is not grown again (a new, page-faulting allocation at each doubling)
 * for every message. Kept while its buffer is up to SCRATCH_MAX bytes; a call that throws, or one made while another
 * is encoding, uses a writer of its own.
 */
let scratch: BackwardWriter | undefined;
const SCRATCH_MAX = 16 << 20;

/** `message` encoded with the generated encoder for `type`, or undefined when `type` is not a generated class. */
export function encodeGenerated(type: unknown, message: unknown): Uint8Array | undefined {
  const encode = encoders.get(type);
  if (encode === undefined) return undefined;
  let writer = scratch;
  scratch = undefined;
  if (writer === undefined) writer = new BackwardWriter();
  writer.reset();
  encode(message, writer, 0);
  // Always a copy: a caller may keep it while later encodes reuse the writer.
  const bytes = writer.finish();
  if (writer.buf.length <= SCRATCH_MAX) scratch = writer;
  return bytes;
}
