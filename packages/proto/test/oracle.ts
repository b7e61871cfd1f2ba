// protobufjs's reflection over the .proto files themselves, loaded at run time: an oracle independent of the generated
// code and of the package's own schema tables.
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
