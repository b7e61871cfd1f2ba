// Text that goes into error messages. A message may be printed to a terminal or a log: it must be one inert line
// (no NUL, no escape sequences, no line breaks from the input), and it must not reproduce the content of a file it
// could not parse beyond a short, quoted snippet (a token of a secrets file handed to the wrong command, say).

/** The most bytes of unparsed input an error message shows. */
export const SNIPPET_BYTES = 40;

/** Control characters (C0, DEL, C1) and the line and paragraph separators, which terminals and logs act on. */
const utf8 = new TextEncoder();
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with every control character written as an escape (`\n`, `\u0000`), so it prints as one inert line. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * Input text for an error message: double-quoted, escaped, at most SNIPPET_BYTES bytes (UTF-8) of it, and "…" plus
 * the full length when it was cut.
 */
export function quoteInput(text: string, maxBytes = SNIPPET_BYTES): string {
  let shown = '';
  let bytes = 0;
  for (const ch of text) {
    const n = utf8.encode(ch).length;
    if (bytes + n > maxBytes) break;
    shown += ch;
    bytes += n;
  }
  const quoted = `"${escapeControls(shown.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
  return shown.length === text.length ? quoted : `${quoted}… (${utf8.encode(text).length} bytes)`;
}
