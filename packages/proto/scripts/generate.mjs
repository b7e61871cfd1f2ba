// Generates src/gen/ from ../../proto with protobufjs-cli:
//   messages.js + messages.d.ts   static encode/decode code and its TypeScript types
//   descriptors.js                the same schema as JSON, for reflection (text format, field tables)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { encodersDts, generateEncoders } from './gen-encoders.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const protoRoot = join(pkg, '..', '..', 'proto');
const out = join(pkg, 'src', 'gen');
mkdirSync(out, { recursive: true });

function listProtos(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listProtos(path);
    return name.endsWith('.proto') ? [path] : [];
  });
}
const files = listProtos(protoRoot).sort();
const bin = (name) => join(pkg, 'node_modules', '.bin', name);
const run = (cmd, args) =>
  execFileSync(cmd, args, { cwd: protoRoot, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });

// Static code and its types. --keep-case: fields keep TensorFlow's names (tensor_shape, not tensorShape), as in Python
// and in the text format. protobufjs 8 keeps unknown fields in `$unknowns` and re-emits them after the known fields.
const staticPath = join(out, 'messages.js');
run(bin('pbjs'), [
  '-t',
  'static-module',
  '-w',
  'esm',
  '--dependency',
  'protobufjs/minimal.js',
  '--keep-case',
  '--force-long',
  '--no-verify',
  '--no-delimited',
  '--no-beautify',
  '--no-service',
  '-d',
  '-p',
  protoRoot,
  '-o',
  staticPath,
  ...files,
]);

// Maps with 32-bit integer keys (FunctionDef.arg_attr, resource_arg_unique_id): JavaScript enumerates integer-like keys
// in ascending order whatever the insertion order, while TensorFlow's writer (Python upb, deterministic) puts them in
// descending order. Encode them in descending order so decode -> encode reproduces TensorFlow's bytes.
{
  const code = readFileSync(staticPath, 'utf8');
  const intKeyLoop =
    /\$Object\.keys\((m\.\w+)\)(, i = 0; i < ks\.length; \+\+i\) \{\n\s*w\.uint32\(\/\* id \d+, wireType 2 =\*\/\d+\)\.fork\(\)\.uint32\(\/\* id 1, wireType 0 =\*\/8\)\.(?:u?int32|sint32|fixed32|sfixed32)\(ks\[i\]\))/g;
  writeFileSync(staticPath, speedUpDecoders(code.replace(intKeyLoop, '$$Object.keys($1).reverse()$2')));
}

// --no-verify leaves the encoders' doc comments linking to verify methods that are not generated: the types get the
// plain word, so the API reference (TypeDoc, which fails on a broken link) has none.
{
  const dtsPath = join(out, 'messages.d.ts');
  writeFileSync(dtsPath, readFileSync(dtsPath, 'utf8').replace(/\{@link [\w.]+\.verify\|verify\}/g, 'verify'));
}

// Decoding speed (a 50k-node GraphDef spent most of its time in garbage collection and in these spots); the decoded
// objects are exactly what protobufjs builds.
// - oneof members: protobufjs writes `m.value = "s"` after each member, a setter that `delete`s every other member
//   (ten runtime calls per AttrValue). A message decode creates has no member set yet, so a local remembers which
//   member this decode set and the setter runs only when a second member replaces it, or when decoding merges into a
//   message passed in (`g`), which may hold a member already.
// - strings: `$readString` (src/codec/read-string.ts) makes flat strings of short ASCII without intermediate garbage
//   and keeps protobufjs's strict UTF-8 check for everything else.
// (Encoding needs nothing here: encodeMessage runs the encoders of scripts/gen-encoders.mjs, not `X.encode`.)
function speedUpDecoders(code) {
  const decodeFn = /^( *)(\S+)\.decode = function \(r, l, z, q, g\) \{\n[\s\S]*?\n\1\};$/gm;
  const withOneofs = code.replace(decodeFn, (fn) => {
    const oneofs = new Set();
    const body = fn.replace(/^( *)m\.(\w+) = "(\w+)";$/gm, (_, indent, oneof, member) => {
      oneofs.add(oneof);
      const seen = `o$${oneof}`;
      return `${indent}if (${seen} !== "${member}") {\n${indent}    if (${seen} !== $undefined)\n${indent}        m.${oneof} = "${member}";\n${indent}    ${seen} = "${member}";\n${indent}}`;
    });
    if (oneofs.size === 0) return fn;
    const init = [...oneofs].map((o) => `o$${o} = g ? "" : $undefined`).join(', ');
    return body.replace(/^( *)(m = g \|\| new [\w.$]+\(\);)$/m, `$1$2\n$1var ${init};`);
  });
  const pushFirst = /^( *)if \(!\((m\.\w+) && \2\.length\)\)\n\1 {4}\2 = \[\];\n\1\2\.push\((.*)\);$/gm;
  const withArrays = withOneofs.replace(
    pushFirst,
    '$1if ($2 && $2.length)\n$1    $2.push($3);\n$1else\n$1    $2 = [$3];',
  );
  const stringReads = withArrays.split('r.stringVerify()').length - 1;
  const out = withArrays
    .replaceAll('r.stringVerify()', '$readString(r)')
    .replace(
      'import $protobuf from "protobufjs/minimal.js";\n',
      '$&import { readString as $readString } from "../codec/read-string.js";\n',
    );
  if (!out.includes('$readString }') || stringReads === 0 || !out.includes('var o$value = g ? "" : $undefined;'))
    throw new Error('generate: the generated code no longer looks as speedUpDecoders expects');
  return out;
}

// Reflection descriptors (field numbers, names, types) for the text format.
const json = run(bin('pbjs'), ['-t', 'json', '--keep-case', '-p', protoRoot, ...files]).toString('utf8');
writeFileSync(
  join(out, 'descriptors.js'),
  `// Generated by scripts/generate.mjs: do not edit.\nexport default ${json.trim()};\n`,
);
writeFileSync(
  join(out, 'descriptors.d.ts'),
  'import type { INamespace } from "protobufjs";\ndeclare const descriptors: INamespace;\nexport default descriptors;\n',
);

// encodeMessage's encoders (scripts/gen-encoders.mjs), from those same descriptors.
writeFileSync(join(out, 'encoders.js'), generateEncoders(protobuf.Root.fromJSON(JSON.parse(json))));
writeFileSync(join(out, 'encoders.d.ts'), encodersDts);
console.log(`generated ${files.length} schemas into ${relative(pkg, out)}`);
