// Runs every extracted code block (code-blocks.mjs) as a program, each in its own copy of the sandbox (the files the
// documents name: model.ckpt-1000, frozen.pb, cnn/ and mlp/ models, all written by TensorFlow), and fails on the
// first block that exits non-zero. COMMAND is a template: {name} is the block's name.
// Usage: node run-blocks.mjs BLOCKS_JSON SANDBOX WORK_DIR COMMAND...
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [blocksJson, sandbox, work, ...command] = process.argv.slice(2);
if (!blocksJson || !sandbox || !work || command.length === 0)
  throw new Error('usage: node run-blocks.mjs BLOCKS_JSON SANDBOX WORK_DIR COMMAND...');
const blocks = JSON.parse(readFileSync(blocksJson, 'utf8'));
for (const { file, line, name } of blocks) {
  const cwd = join(work, name);
  cpSync(sandbox, cwd, { recursive: true });
  const argv = command.map((a) => a.replaceAll('{name}', name));
  const t0 = Date.now();
  const run = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) {
    console.error(`${file}:${line} (${name}) failed with ${run.status ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
    process.exit(1);
  }
  if (run.stdout.trim() === '') throw new Error(`${file}:${line} (${name}) printed nothing`);
  console.log(`  ${file}:${line} ran (${Date.now() - t0} ms)`);
}
console.log(`code blocks: ${blocks.length} ran with: ${command.join(' ')}`);
