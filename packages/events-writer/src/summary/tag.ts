// Tag checks: the tags TensorBoard would choke on are refused at the call, not discovered in the UI.
import { EventsError } from '../errors.js';

/** Longest tag accepted, in UTF-16 code units (TensorBoard puts tags in URLs and run-tag tables). */
export const MAX_TAG_LENGTH = 4096;

/** Tags starting with this prefix belong to the hparams plugin and are written only by `hparams()`. */
export const RESERVED_TAG_PREFIX = '_hparams_/';

/**
 * Throws INVALID_TAG unless `tag` is a non-empty string of well-formed UTF-16 (a lone surrogate has no UTF-8 form:
 * Python's protobuf then refuses the whole event), with no control characters, at most MAX_TAG_LENGTH long, and not
 * in the hparams plugin's reserved namespace.
 */
export function checkTag(tag: unknown, options: { allowReserved?: boolean } = {}): asserts tag is string {
  if (typeof tag !== 'string') throw new EventsError('INVALID_TAG', `a tag must be a string, got ${typeof tag}`);
  if (tag.length === 0) throw new EventsError('INVALID_TAG', 'a tag must not be empty', { tag });
  if (tag.length > MAX_TAG_LENGTH) {
    throw new EventsError('INVALID_TAG', `a tag must be at most ${MAX_TAG_LENGTH} characters, got ${tag.length}`, {
      tag: tag.slice(0, 64),
    });
  }
  if (/[\u0000-\u001f\u007f]/.test(tag)) {
    throw new EventsError('INVALID_TAG', 'a tag must not contain control characters', { tag });
  }
  if (!isWellFormed(tag)) throw new EventsError('INVALID_TAG', 'a tag must not contain lone surrogates', { tag });
  if (!options.allowReserved && tag.startsWith(RESERVED_TAG_PREFIX)) {
    throw new EventsError('INVALID_TAG', `tags starting with ${RESERVED_TAG_PREFIX} are reserved for hparams()`, {
      tag,
    });
  }
}

/** True when `s` has no unpaired surrogate (String.prototype.isWellFormed needs ES2024 typings and newer runtimes). */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}
