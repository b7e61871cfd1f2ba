// Number and bool literals as Python protobuf's text parser reads them (text_format.py):
//   integers  Python int(text, 0): decimal, 0x / 0o / 0b prefixes, `_` between digits, optional sign; a C-style
//             octal `0755` is read as octal for integer fields (not for enum numbers).
//   floats    Python float(text): [sign] digits [. digits] [e [sign] digits] (underscores allowed), inf, infinity,
//             nan; then `-?inf(inity)?f?` and `nanf?` in any case; then the text with trailing f/F removed.
//             A leading `0` followed by digits (`01.5`) is refused as an octal float.
//   bools     true t 1 True / false f 0 False.

const SIMPLE_INT = /^-?(?:0|[1-9]\d{0,14})$/;
const INT = /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*)$/;
const C_OCTAL = /^(-?)0(\d+)$/;

/** The integer `text` denotes, or undefined when it is not an integer literal. */
export function parseInteger(text: string, cOctal: boolean): bigint | number | undefined {
  if (SIMPLE_INT.test(text)) return Number(text);
  let s = text;
  if (cOctal) {
    const m = C_OCTAL.exec(s);
    if (m) s = `${m[1]}0o${m[2]}`;
  }
  const m = INT.exec(s);
  if (!m) return undefined;
  const v = BigInt((m[2] as string).replace(/_/g, ''));
  return m[1] === '-' ? -v : v;
}

const SIMPLE_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const PY_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const FLOAT_OCTAL_PREFIX = /^-?0[0-9]+/;
const FLOAT_INFINITY = /^-?inf(?:inity)?f?$/i;
const FLOAT_NAN = /^nanf?$/i;

function pythonFloat(text: string): number | undefined {
  if (SIMPLE_FLOAT.test(text)) return Number(text);
  if (PY_FLOAT.test(text)) return Number(text.replace(/_/g, ''));
  const m = PY_SPECIAL.exec(text);
  if (m) {
    if ((m[2] as string).toLowerCase() === 'nan') return Number.NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  return undefined;
}

/** The float `text` denotes; undefined when it is not a float literal, 'octal' for a refused octal-looking one. */
export function parseFloatText(text: string): number | 'octal' | undefined {
  if (FLOAT_OCTAL_PREFIX.test(text)) return 'octal';
  const v = pythonFloat(text);
  if (v !== undefined) return v;
  if (FLOAT_INFINITY.test(text)) return text.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (FLOAT_NAN.test(text)) return Number.NaN;
  return pythonFloat(text.replace(/[fF]+$/, ''));
}

/** The bool `text` denotes, or undefined. */
export function parseBool(text: string): boolean | undefined {
  switch (text) {
    case 'true':
    case 't':
    case '1':
    case 'True':
      return true;
    case 'false':
    case 'f':
    case '0':
    case 'False':
      return false;
    default:
      return undefined;
  }
}
