// Number formatting exactly as Python protobuf's text printer (protobuf 7.x, text_format.py) writes it.
//   double: str(value), i.e. Python's repr: shortest round-trip digits; exponent form when the decimal exponent is
//           below -4 or at least 16 ('1e-05', '1e+16'), else fixed with at least one fractional digit ('10000.0').
//   float:  str(type_checkers.ToShortestFloat(v)): the fewest significant digits, from 6 upwards, that '%.{p}g'
//           (round half to even) needs to get the same float32 back, then that double's repr.
//   Non-finite values print as 'nan', 'inf', '-inf'; negative zero as '-0.0'.

/** Python's repr() of a double. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const s = v.toExponential(); // shortest round-trip digits, "d.ddde±x"
  const e = s.indexOf('e');
  const neg = s.charCodeAt(0) === 45;
  const mantissa = s.slice(neg ? 1 : 0, e);
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  return (neg ? '-' : '') + layout(digits, Number(s.slice(e + 1)));
}

/** Python's str(ToShortestFloat(v)) for a float32 field (v is rounded to float32 first, as the wire does). */
export function formatFloat(value: number): string {
  const v = Math.fround(value);
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  for (let p = 6; p < 17; p++) {
    const rounded = roundHalfEven(v, p);
    if (Math.fround(rounded) === v) return formatDouble(rounded);
  }
  return formatDouble(v); // 17 digits always round-trip; not reached for float32 values
}

/** The double nearest to v rounded to p significant digits, ties to even (Python's '%.{p}g'). */
function roundHalfEven(v: number, p: number): number {
  const up = v.toPrecision(p); // ties away from zero
  // A tie needs an exact decimal expansion of at most p + 1 <= 17 digits, so at most ~56 fraction bits: a float32
  // with more than 14 of its bits after the binary point (v * 2^14 not an integer) never has one.
  if (!Number.isInteger(v * 16384)) return Number(up);
  // A tie needs v's exact decimal expansion to end in a 5 right after digit p; toPrecision(p + 1) is then exact.
  const longer = v.toPrecision(p + 1);
  const eAt = longer.indexOf('e');
  const mant = eAt < 0 ? longer : longer.slice(0, eAt);
  if (mant.charCodeAt(mant.length - 1) !== 53 /* '5' */) return Number(up);
  const exact = v.toPrecision(100);
  const exactDigits = significantDigits(exact);
  if (exactDigits.length !== p + 1) return Number(up); // more digits follow the 5: not a tie
  const kept = exactDigits.slice(0, p);
  if ((kept.charCodeAt(p - 1) - 48) % 2 === 0) {
    // Even last digit: round down, i.e. truncate the exact expansion after p digits.
    const exp = decimalExponent(exact);
    return Number(`${v < 0 ? '-' : ''}${kept[0]}.${kept.slice(1)}e${exp}`);
  }
  return Number(up);
}

/** Significant digits of a toPrecision() string with trailing zeros removed. */
function significantDigits(s: string): string {
  const eAt = s.indexOf('e');
  let m = eAt < 0 ? s : s.slice(0, eAt);
  m = m.replace('-', '').replace('.', '');
  let start = 0;
  while (start < m.length && m.charCodeAt(start) === 48) start++;
  let end = m.length;
  while (end > start && m.charCodeAt(end - 1) === 48) end--;
  return m.slice(start, end);
}

/** Decimal exponent of the first significant digit of a (non-zero) number written by toPrecision(). */
function decimalExponent(s: string): number {
  return Number(Number(s).toExponential().split('e')[1]);
}

/** Python repr layout of digits d1d2d3... times 10^exp (exp = exponent of d1). */
function layout(digits: string, exp: number): string {
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const a = Math.abs(exp);
    return `${m}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  if (exp < 0) return `0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}
