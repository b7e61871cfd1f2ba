#!/usr/bin/env node
// `tensorgraft-demo [options]`: runs the demo and prints where everything went. Exit 0 on success, 1 when the run
// fails (a bad checkpoint, a full disk), 2 on bad usage.
import { runDemo } from './demo.js';
import { parseOptions, USAGE, UsageError } from './options.js';
import { report } from './report.js';

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`tensorgraft-demo: ${err.message}\n(tensorgraft-demo --help lists the options)\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = options.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
  try {
    const result = await runDemo(options, log);
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else console.log(report(result));
    return result.backbone.unchanged ? 0 : 1;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    process.stderr.write(
      `tensorgraft-demo: ${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
