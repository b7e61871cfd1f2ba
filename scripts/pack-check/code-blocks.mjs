// Extracts every ```ts block of the user-facing Markdown (the root README, each package's README and SPEC.md) into
// OUT_DIR/<file>-<n>.ts and writes OUT_DIR/blocks.json ([{file, line, name}]), so the pack check can type-check and
// run them against the packed packages. A block whose info string says `no-run` (```ts no-run: a signature, not a
// program) is left out; the count of those is printed so it stays small.
// Usage: node code-blocks.mjs REPO OUT_DIR
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [repo, outDir] = process.argv.slice(2);
if (!repo || !outDir) throw new Error('usage: node code-blocks.mjs REPO OUT_DIR');

const docs = [join(repo, 'README.md')];
for (const group of ['packages', 'apps']) {
  for (const dir of readdirSync(join(repo, group)).sort()) {
    const pkg = join(repo, group, dir);
    if (!existsSync(join(pkg, 'package.json'))) continue;
    if (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).private) continue;
    for (const doc of ['README.md', 'SPEC.md']) if (existsSync(join(pkg, doc))) docs.push(join(pkg, doc));
  }
}

mkdirSync(outDir, { recursive: true });
const blocks = [];
let skipped = 0;
for (const doc of docs) {
  const file = relative(repo, doc);
  const lines = readFileSync(doc, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`${file}:${i + 1}: a code block that never closes`);
    if (open[1] === 'ts' || open[1] === 'typescript') {
      if (/\bno-run\b/.test(open[2])) skipped++;
      else {
        const name = `${file.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-${i + 1}`.toLowerCase();
        // `export {}` makes each block its own module, as a user's file is
        writeFileSync(join(outDir, `${name}.ts`), `${lines.slice(i + 1, end).join('\n')}\nexport {};\n`);
        blocks.push({ file, line: i + 1, name });
      }
    }
    i = end;
  }
}
writeFileSync(join(outDir, 'blocks.json'), `${JSON.stringify(blocks, null, 2)}\n`);
console.log(`code blocks: ${blocks.length} from ${docs.length} documents (${skipped} marked no-run)`);
