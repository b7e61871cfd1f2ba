// tsc does not copy the generated .js/.d.ts files: put them beside the compiled code.
import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
cpSync(join(pkg, 'src', 'gen'), join(pkg, 'dist', 'gen'), { recursive: true });
