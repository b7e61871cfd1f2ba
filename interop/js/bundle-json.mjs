// Tensors <-> the JSON value encoding the checkpoint sidecars use (interop/fixtures/make_checkpoints.py): values
// flattened row-major; floats as numbers or "NaN"/"Infinity"/"-Infinity"; float16/bfloat16 as `bits`; (u)int64 as
// decimal strings; complex as [re, im]; bool as 0/1; strings as base64.
import { bits16ToFloat32, dtypeInfo } from '@tensorgraft/proto';

const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const jnum = (x) => (Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x);

export function tensorFromJson(j) {
  const info = dtypeInfo(j.dtype);
  const shape = j.shape;
  switch (info.kind) {
    case 'string':
      return { dtype: j.dtype, shape, data: j.values.map((v) => new Uint8Array(Buffer.from(v, 'base64'))) };
    case 'half':
    case 'bfloat16':
      return { dtype: j.dtype, shape, data: Uint16Array.from(j.bits) };
    case 'complex':
      return { dtype: j.dtype, shape, data: info.arrayType.from(j.values.flat().map(num)) };
    case 'bigint':
      return { dtype: j.dtype, shape, data: info.arrayType.from(j.values.map((v) => BigInt(v))) };
    default:
      return { dtype: j.dtype, shape, data: info.arrayType.from(j.values.map(num)) };
  }
}

export function tensorToJson(t) {
  const info = dtypeInfo(t.dtype);
  const out = { dtype: t.dtype, shape: t.shape, values: [] };
  const d = t.data;
  switch (info.kind) {
    case 'string':
      out.values = d.map((v) => Buffer.from(v).toString('base64'));
      break;
    case 'half':
    case 'bfloat16':
      out.bits = Array.from(d);
      out.values = Array.from(bits16ToFloat32(d, info.kind === 'half' ? 'float16' : 'bfloat16'), jnum);
      break;
    case 'complex':
      for (let i = 0; i < d.length; i += 2) out.values.push([jnum(d[i]), jnum(d[i + 1])]);
      break;
    case 'bigint':
      out.values = Array.from(d, (v) => v.toString());
      break;
    case 'bool':
      out.values = Array.from(d, (v) => (v ? 1 : 0));
      break;
    default:
      out.values = Array.from(d, jnum);
  }
  return out;
}

/** SaveV2's shape_and_slice string (`6 4 2,3:-`) as a full shape and extents. */
export function parseShapeAndSlice(spec) {
  const parts = spec.split(' ');
  const slice = parts.pop();
  return {
    fullShape: parts.map(Number),
    extents: slice.split(':').map((e) => {
      if (e === '-') return { start: 0, length: -1 };
      const [s, l] = e.split(',').map(Number);
      return { start: s, length: l };
    }),
  };
}
