// Live checks for @tensorgraft/saver (interop/tests/test_saver.py): name -> tensor maps.
//   node saver-values.mjs save <prefix> <spec.json> [step] [devices.json]   saves the spec's tensors with a Saver
//                                                           (sharded by device when devices are given), prints {path}
//   node saver-values.mjs restore <prefix> <spec.json> [map.json]  restores tensors of the spec's names/shapes/dtypes
//                                                           (map: checkpoint name -> variable name), prints values
// spec.json: {name: {dtype, shape, values}}; int64 values as decimal strings, strings as UTF-8 text.
import { readFileSync } from 'node:fs';
import { Saver } from '@tensorgraft/saver';

const [cmd, prefix, specPath, extra, devicesPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const utf8 = new TextEncoder();

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  bool: Uint8Array,
  int64: BigInt64Array,
};

function tensor({ dtype, shape, values }) {
  if (dtype === 'string') return { dtype, shape, data: values.map((s) => utf8.encode(s)) };
  const A = ARRAYS[dtype];
  if (!A) throw new Error(`no array type for ${dtype}`);
  return {
    dtype,
    shape,
    data: dtype === 'int64' ? BigInt64Array.from(values.map(BigInt)) : A.from(values.map(Number)),
  };
}

function json(t) {
  if (t.dtype === 'string') return t.data.map((b) => new TextDecoder().decode(b));
  if (t.dtype === 'int64') return Array.from(t.data, String);
  if (t.dtype === 'bool') return Array.from(t.data, Boolean);
  return Array.from(t.data);
}

const vars = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, tensor(v)]));
if (cmd === 'save') {
  const devices = devicesPath === undefined ? undefined : JSON.parse(readFileSync(devicesPath, 'utf8'));
  const saver = new Saver(vars, devices === undefined ? {} : { sharded: true, devices });
  const path = await saver.save(prefix, extra === undefined ? {} : { globalStep: Number(extra) });
  console.log(JSON.stringify({ path }));
} else if (cmd === 'restore') {
  const map = extra === undefined ? undefined : JSON.parse(readFileSync(extra, 'utf8'));
  const report = await new Saver(vars).restore(prefix, map === undefined ? {} : { map });
  console.log(
    JSON.stringify({
      values: Object.fromEntries(Object.entries(vars).map(([k, t]) => [k, json(t)])),
      assignments: report.assignments,
      unexpected: report.unexpected,
    }),
  );
} else {
  throw new Error(`unknown command ${cmd}`);
}
