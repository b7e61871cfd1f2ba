// Writes N scalars (value = step / 2) and exits without close(): the exit hook must leave all N in the file.
// Usage: node events-no-close.mjs LOGDIR N
import { SummaryWriter } from '@tensorgraft/events-writer';

const [logdir, n] = process.argv.slice(2);
const w = new SummaryWriter(logdir);
for (let i = 0; i < Number(n); i++) w.scalar('loss', i / 2, i);
console.log(JSON.stringify({ path: w.path }));
