// node bundle-write.mjs SPEC.json OUT: writes the tensors listed in SPEC.json ([{name, dtype, shape, values|bits,
// shape_and_slice?}], in that order) as a V2 checkpoint with prefix OUT, or as safetensors when OUT ends in
// .safetensors.
import { readFileSync } from 'node:fs';
import { BundleWriter, writeSafetensors } from '@tensorgraft/bundle-io';
import { parseShapeAndSlice, tensorFromJson } from './bundle-json.mjs';

const [specPath, out] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
if (out.endsWith('.safetensors')) {
  writeSafetensors(
    out,
    spec.map((item) => [item.name, tensorFromJson(item)]),
    { metadata: { writer: 'tensorgraft' } },
  );
} else {
  const w = new BundleWriter(out);
  for (const item of spec) {
    const t = tensorFromJson(item);
    if (item.shape_and_slice) {
      const { fullShape, extents } = parseShapeAndSlice(item.shape_and_slice);
      w.addSlice(item.name, fullShape, extents, t);
    } else {
      w.add(item.name, t);
    }
  }
  w.finish();
}
process.stdout.write(JSON.stringify({ written: spec.length, out }));
