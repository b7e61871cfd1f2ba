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
/**
 * Outputs from this size up that fill at least 3/4 of the writer's buffer are returned as a view of that buffer
 * instead of a copy (copying megabytes costs more than the page faults of a fresh buffer), and the writer is dropped.
 * The view keeps at most 4/3 of its length allocated.
 */
const HANDOVER_MIN = 1 << 20;
/** Size of the last output handed over: the next large encode starts with room for it plus 1/8. */
let lastHandover = 0;

/** `message` encoded with the generated encoder for `type`, or undefined when `type` is not a generated class. */
export function encodeGenerated(type: unknown, message: unknown): Uint8Array | undefined {
  const encode = encoders.get(type);
  if (encode === undefined) return undefined;
  let writer = scratch;
  scratch = undefined;
  if (writer === undefined) writer = new BackwardWriter(lastHandover ? lastHandover + (lastHandover >> 3) : 1024);
  writer.reset();
  encode(message, writer, 0);
  const size = writer.buf.length - writer.pos;
  if (size >= HANDOVER_MIN && size * 4 >= writer.buf.length * 3) {
    lastHandover = size;
    return writer.buf.subarray(writer.pos);
  }
  const bytes = writer.finish();
  if (writer.buf.length <= SCRATCH_MAX) scratch = writer;
  return bytes;
}
