// Weight quantization as the TensorFlow.js converter does it (tensorflowjs/quantization.py), applied to float32
// weights only; TensorFlow.js dequantizes uint8/uint16 as `q * scale + min` and float16 by widening.
// - uint8 / uint16 (affine): min and max of the data in float64; equal → all zeros with scale 1 and min = that value;
//   else scale = (max - min) / qmax, and when 0 lies in [min, max] the range is nudged so 0 is exact
//   (zero point = round((0 - min) / scale), min = -zero point * scale, max = qmax * scale + min); values are clipped to
//   the range and q = round((x - min) / scale), rounding half to even as numpy does. Error per value ≤ scale / 2.
// - float16: IEEE half, round to nearest even.
import { float32ToBits16 } from '@tensorgraft/proto';

export type QuantizationDtype = 'uint8' | 'uint16' | 'float16';

export interface Quantized {
  bytes: Uint8Array;
  /** The manifest's `quantization` entry (without original_dtype). */
  meta: { dtype: QuantizationDtype; min?: number; scale?: number };
}

/** numpy's np.round: to the nearest integer, halves to the even one. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function quantize(data: Float32Array, dtype: QuantizationDtype): Quantized {
  if (dtype === 'float16') {
    const bits = float32ToBits16(data, 'float16');
    return { bytes: new Uint8Array(bits.buffer), meta: { dtype } };
  }
  const qmax = dtype === 'uint8' ? 255 : 65535;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = dtype === 'uint8' ? new Uint8Array(data.length) : new Uint16Array(data.length);
  if (min === max || data.length === 0) {
    return { bytes: new Uint8Array(out.buffer), meta: { dtype, min: data.length ? min : 0, scale: 1 } };
  }
  const scale = (max - min) / qmax;
  let lo = min;
  let hi = max;
  if (min <= 0 && 0 <= max) {
    const zeroPoint = roundHalfEven((0 - min) / scale);
    lo = -zeroPoint * scale;
    hi = qmax * scale + lo;
  }
  for (let i = 0; i < data.length; i++) {
    const x = Math.min(Math.max(data[i]!, lo), hi);
    out[i] = roundHalfEven((x - lo) / scale);
  }
  return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), meta: { dtype, min: lo, scale } };
}
