// Lists a TF2 object-based checkpoint's variables (readObjectCheckpoint) and restores each by its full name.
//   node saver-object.mjs <prefix>   prints [{key, fullName, paths, dtype, shape, values}]
import { readObjectCheckpoint, Saver } from '@tensorgraft/saver';

const prefix = process.argv[2];
const vars = readObjectCheckpoint(prefix);
const out = [];
for (const v of vars) {
  const n = v.shape.reduce((a, d) => a * d, 1);
  const arrays = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, float64: Float64Array };
  const A = arrays[v.dtype];
  const target = { dtype: v.dtype, shape: v.shape, data: A ? new A(n) : [] };
  // Restore by full name when it is unique, else by key.
  const name = vars.filter((o) => o.fullName === v.fullName).length === 1 && v.fullName ? v.fullName : v.key;
  await new Saver({ [name]: target }).restore(prefix);
  out.push({
    key: v.key,
    fullName: v.fullName,
    paths: v.paths,
    dtype: v.dtype,
    shape: v.shape,
    values: Array.from(target.data, (x) => (typeof x === 'bigint' ? String(x) : x)),
  });
}
console.log(JSON.stringify(out));
