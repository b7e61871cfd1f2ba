// The oracle for the codec tests: protobufjs's own reflection decoder and encoder, built at run time from the same
// .proto files as the generated code, which neither the post-processing (scripts/generate.mjs) nor our encoders
// (scripts/gen-encoders.mjs) touch.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { FIXTURES } from './fixtures.js';

const PROTO_ROOT = join(FIXTURES, '..', 'proto');
function listProtos(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listProtos(path);
    return name.endsWith('.proto') ? [path] : [];
  });
}

export const oracleRoot = new protobuf.Root();
oracleRoot.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(PROTO_ROOT, target));
oracleRoot.loadSync(listProtos(PROTO_ROOT), { keepCase: true });
oracleRoot.resolveAll();

/** Every message type in the schemas. */
export function allOracleTypes(ns: protobuf.NamespaceBase = oracleRoot, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type) out.push(child);
    if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) allOracleTypes(child, out);
  }
  return out;
}
