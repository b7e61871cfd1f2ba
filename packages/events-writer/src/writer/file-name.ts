// Event file names: events.out.tfevents.<10-digit seconds>.<hostname>.<pid>.<counter><suffix>, the form TensorFlow's
// EventsWriter and TF2's create_file_writer use (".<pid>.<counter>" keeps two writers of one process apart within
// the same second; the pid keeps processes apart). TensorBoard takes any file with "tfevents" in its name.
import { hostname } from 'node:os';

let counter = 0;

/** The next file name for this process; each call advances the counter. */
export function nextEventFileName(nowSeconds: number, suffix = ''): string {
  const secs = String(Math.floor(nowSeconds)).padStart(10, '0');
  return `events.out.tfevents.${secs}.${safeHostname()}.${process.pid}.${counter++}${suffix}`;
}

function safeHostname(): string {
  // A '/' in a host name would make a path; keep the name one path component.
  return hostname().replace(/[/\\]/g, '_') || 'localhost';
}
