// Converts a TensorFlow message between binary and text with @tensorgraft/proto, for the live interop checks
// (interop/tests/test_proto.py). Usage:
//   node proto-convert.mjs TYPE IN OUT [--rename OLD NEW] [--set-attr NODE KEY INT]
// TYPE is GraphDef, MetaGraphDef or CheckpointState. IN is read as text when it ends in .pbtxt or is named
// `checkpoint`, else as binary; OUT is written the same way. --rename renames a node (and every input naming it);
// --set-attr adds an int attr to a node. Prints one JSON line: {type, nodes, bytes}.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { decodeMessage, encodeMessage, parseText, printText, tensorflow } from '@tensorgraft/proto';

const [typeName, input, output, ...rest] = process.argv.slice(2);
const type = tensorflow[typeName];
if (!type || !input || !output) {
  console.error('usage: proto-convert.mjs GraphDef|MetaGraphDef|CheckpointState IN OUT [--rename OLD NEW]');
  process.exit(2);
}
const isText = (p) => p.endsWith('.pbtxt') || basename(p) === 'checkpoint';

const message = isText(input)
  ? parseText(type, readFileSync(input, 'utf8'), { path: input })
  : decodeMessage(type, readFileSync(input), { path: input });

const graph = typeName === 'GraphDef' ? message : typeName === 'MetaGraphDef' ? message.graph_def : undefined;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--rename') {
    const [from, to] = [rest[i + 1], rest[i + 2]];
    i += 2;
    for (const node of graph.node) {
      if (node.name === from) node.name = to;
      node.input = node.input.map((inp) => {
        const control = inp.startsWith('^');
        const bare = control ? inp.slice(1) : inp;
        const colon = bare.lastIndexOf(':');
        const name = colon >= 0 ? bare.slice(0, colon) : bare;
        if (name !== from) return inp;
        return (control ? '^' : '') + to + (colon >= 0 ? bare.slice(colon) : '');
      });
    }
  } else if (rest[i] === '--set-attr') {
    const [nodeName, key, value] = [rest[i + 1], rest[i + 2], rest[i + 3]];
    i += 3;
    const node = graph.node.find((n) => n.name === nodeName);
    node.attr[key] = tensorflow.AttrValue.create({ i: Number(value) });
  } else {
    console.error(`unknown option ${rest[i]}`);
    process.exit(2);
  }
}

const out = isText(output) ? Buffer.from(printText(type, message), 'utf8') : Buffer.from(encodeMessage(type, message));
writeFileSync(output, out);
console.log(JSON.stringify({ type: typeName, nodes: graph ? graph.node.length : null, bytes: out.length }));
