// node bundle-read.mjs CHECKPOINT [NAME...]: prints {name: tensor-json} for every tensor (or the named ones) of any
// checkpoint openCheckpoint accepts (V2 prefix, V1 file, .safetensors, directory with a state file).
import { openCheckpoint } from '@tensorgraft/bundle-io';
import { tensorToJson } from './bundle-json.mjs';

const [path, ...names] = process.argv.slice(2);
const r = openCheckpoint(path);
const out = {};
for (const n of names.length ? names : r.names()) out[n] = tensorToJson(r.get(n));
r.close();
process.stdout.write(JSON.stringify({ format: r.format, tensors: out }));
