// A crashed run resumed: the first writer logs steps 0..9 (value = step), the second resumes from step 5 and logs
// steps 5..7 (value = 100 + step). TensorBoard must drop the first run's steps 5..9.
// Usage: node events-resume.mjs LOGDIR
import { SummaryWriter } from '@tensorgraft/events-writer';

const logdir = process.argv[2];
const first = new SummaryWriter(logdir);
for (let s = 0; s < 10; s++) first.scalar('loss', s, s, { wallTime: 1000 + s });
first.scalar('legacy', 1, 9, { legacy: true, wallTime: 1009 });
await first.close();
const second = new SummaryWriter(logdir, { resumeFromStep: 5 });
for (let s = 5; s < 8; s++) second.scalar('loss', 100 + s, s, { wallTime: 2000 + s });
await second.close();
console.log(JSON.stringify({ files: [first.path, second.path] }));
