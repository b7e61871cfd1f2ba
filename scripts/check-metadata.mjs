// The npm metadata that points at the project's home: every publishable package's `repository`, `homepage` and
// `bugs`, and the links of the READMEs, must derive from the one repository URL in the root package.json, which is
// where that home is stated (change it there, then make the packages agree). Links to a documentation site are
// refused: nothing publishes one (the API reference is built locally by `pnpm run docs`).
// Usage: node check-metadata.mjs REPO
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = process.argv[2];
if (!repo) throw new Error('usage: node check-metadata.mjs REPO');
const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const rootUrl = readJson(join(repo, 'package.json')).repository?.url ?? '';
const m = /^git\+(https:\/\/github\.com\/[^/]+\/[^/]+)\.git$/.exec(rootUrl);
if (!m)
  throw new Error(`root package.json: repository.url ${JSON.stringify(rootUrl)} is not git+https://github.com/O/N.git`);
const base = m[1];

const problems = [];
const docs = [join(repo, 'README.md')];
let count = 0;
for (const group of ['packages', 'apps']) {
  for (const dir of readdirSync(join(repo, group)).sort()) {
    const rel = `${group}/${dir}`;
    const file = join(repo, rel, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = readJson(file);
    if (pkg.private) continue;
    count++;
    const want = {
      repository: { type: 'git', url: rootUrl, directory: rel },
      homepage: `${base}/tree/main/${rel}#readme`,
      bugs: { url: `${base}/issues` },
    };
    for (const [key, value] of Object.entries(want)) {
      if (JSON.stringify(pkg[key]) !== JSON.stringify(value)) {
        problems.push(`${rel}/package.json: ${key} is ${JSON.stringify(pkg[key])}, expected ${JSON.stringify(value)}`);
      }
    }
    if (existsSync(join(repo, rel, 'README.md'))) docs.push(join(repo, rel, 'README.md'));
  }
}
for (const doc of docs) {
  for (const [url] of readFileSync(doc, 'utf8').matchAll(/https?:\/\/[^\s)>'"`]+/g)) {
    const ours = /tensorgraft/i.test(url) && !url.startsWith('https://www.npmjs.com/package/@tensorgraft/');
    if (ours && !(url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}#`))) {
      problems.push(`${doc.slice(repo.length + 1)}: ${url} is not under ${base}`);
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`metadata: ${count} packages and ${docs.length} READMEs point at ${base}`);
