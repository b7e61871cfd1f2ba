#!/usr/bin/env node
import { main } from './main.js';

// A reader that stops early (`tensorgraft ls big.ckpt | head`) closes the pipe: stop quietly, as Unix tools do,
// instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  progressStream: process.stderr,
});
process.exitCode = code;
