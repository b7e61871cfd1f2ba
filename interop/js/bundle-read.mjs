// node bundle-read.mjs CHECKPOINT [NAME...]: prints {name: tensor-json} for every tensor (or the named ones) of any
// checkpoint openCheckpoint accepts (V2 prefix, V1 file, .safetensors, directory with a state file).
import { openCheckpoint } from '@tensorgraft/bundle-io';
import { tensorToJson } from './bundle-json.mjs';

const [path, ...names] = process.argv.slice(2);
const r = openCheckpoint(path);
// Object.fromEntries, not out[n] = ...: a tensor named __proto__ must come out as a key like any other.
const out = Object.fromEntries((names.length ? names : r.names()).map((n) => [n, tensorToJson(r.get(n))]));
r.close();
process.stdout.write(JSON.stringify({ format: r.format, tensors: out }));
