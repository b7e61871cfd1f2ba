// Every source map the installed @tensorgraft packages ship names sources that shipped with it (a debugger or
// go-to-definition lands in the real TypeScript file, not on a missing path). Run in a project that installed them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const scope = join('node_modules', '@tensorgraft');
let maps = 0;
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.map')) {
      const { sources } = JSON.parse(readFileSync(path, 'utf8'));
      for (const source of sources)
        if (!existsSync(resolve(dirname(path), source))) throw new Error(`${path} names ${source}, not shipped`);
      maps++;
    }
  }
}
for (const pkg of readdirSync(scope)) walk(join(scope, pkg, 'dist'));
if (maps === 0) throw new Error('no source maps found');
console.log(`source maps: ${maps}, every source they name is in the package`);
