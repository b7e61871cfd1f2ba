import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EventsError,
  eventValues,
  frameRecord,
  frameRecords,
  iterateFileRecords,
  parseEvents,
  RECORD_OVERHEAD,
  readRecords,
  scanRecords,
} from '@tensorgraft/events-writer';
import { maskedCrc32c } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { fixtureFile, tempDir } from './helpers.js';

const tf2 = readFileSync(fixtureFile('tf2').path);
const tf1 = readFileSync(fixtureFile('tf1').path);

describe('TFRecord framing', () => {
  it('re-frames every record of TensorFlow files byte for byte', () => {
    for (const file of [tf1, tf2]) {
      const scan = scanRecords(file);
      expect(scan.torn).toBeUndefined();
      expect(scan.corrupt).toBeUndefined();
      expect(scan.end).toBe(file.length);
      expect(scan.records.length).toBeGreaterThan(5);
      const again = frameRecords(scan.records.map((r) => r.data));
      expect(Buffer.compare(Buffer.from(again), file)).toBe(0);
    }
  });

  it('lays out length, masked crc of the length, data, masked crc of the data', () => {
    const data = new TextEncoder().encode('abcd');
    const rec = frameRecord(data);
    const view = new DataView(rec.buffer);
    expect(rec.length).toBe(4 + RECORD_OVERHEAD);
    expect(view.getBigUint64(0, true)).toBe(4n);
    expect(view.getUint32(8, true)).toBe(maskedCrc32c(rec.subarray(0, 8)));
    expect(Buffer.from(rec.subarray(12, 16)).toString()).toBe('abcd');
    expect(view.getUint32(16, true)).toBe(maskedCrc32c(data));
  });

  it('round-trips empty and large records', () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
    const records = [new Uint8Array(0), big, new Uint8Array([7])];
    const out = readRecords(frameRecords(records), { strict: true });
    expect(out.map((r) => r.data.length)).toEqual([0, 300_000, 1]);
    expect(Buffer.compare(Buffer.from(out[1]!.data), Buffer.from(big))).toBe(0);
    expect(out[2]!.offset).toBe(RECORD_OVERHEAD + RECORD_OVERHEAD + 300_000);
  });

  it('reports every truncation of a real file as a torn tail, never as corruption', () => {
    const full = scanRecords(tf2).records;
    for (let cut = 0; cut < tf2.length; cut++) {
      const scan = scanRecords(tf2.subarray(0, cut));
      expect(scan.corrupt).toBeUndefined();
      const complete = full.filter((r) => r.offset + r.data.length + RECORD_OVERHEAD <= cut);
      expect(scan.records.length).toBe(complete.length);
      if (scan.end < cut) {
        expect(scan.torn).toBeDefined();
        expect(scan.torn!.offset).toBe(scan.end);
        expect(scan.torn!.available).toBe(cut - scan.end);
        expect(scan.torn!.needed).toBeGreaterThan(scan.torn!.available);
      } else {
        expect(scan.torn).toBeUndefined();
      }
    }
    // The lenient reader returns the complete records; the strict one names the offset.
    const cut = tf2.subarray(0, tf2.length - 3);
    expect(readRecords(cut).length).toBe(full.length - 1);
    expect(() => readRecords(cut, { strict: true, path: 'f' })).toThrow(
      expect.objectContaining({ code: 'TRUNCATED_RECORD', offset: full[full.length - 1]!.offset, path: 'f' }),
    );
  });

  it('reports every flipped byte as corruption of the record holding it', () => {
    const records = scanRecords(tf1).records;
    for (let i = 0; i < tf1.length; i++) {
      const bad = Uint8Array.from(tf1);
      bad[i]! ^= 0x5a;
      const scan = scanRecords(bad);
      const owner = [...records].reverse().find((r) => r.offset <= i)!;
      expect(scan.corrupt, `byte ${i}`).toBeDefined();
      expect(scan.corrupt!.offset).toBe(owner.offset);
      expect(scan.corrupt!.reason).toBe(i < owner.offset + 12 ? 'length-crc' : 'data-crc');
      expect(scan.records.length).toBe(records.indexOf(owner));
    }
    const bad = Uint8Array.from(tf1);
    bad[tf1.length - 1]! ^= 1;
    expect(() => readRecords(bad, { path: 'x' })).toThrow(EventsError);
    expect(() => parseEvents(bad, 'x')).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD' }));
  });

  it('survives random mutations of a real file with typed errors only', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const outcomes = { ok: 0, torn: 0, corrupt: 0 };
    for (let n = 0; n < 2000; n++) {
      const bad = Uint8Array.from(tf2);
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      const len = rand() < 0.3 ? Math.floor(rand() * bad.length) : bad.length;
      const input = bad.subarray(0, len);
      try {
        const r = parseEvents(input, 'mut');
        // Whatever decoded must also list without throwing.
        const plugins = new Map<string, string>();
        for (const e of r.events) eventValues(e.event, plugins);
        if (r.torn) outcomes.torn++;
        else outcomes.ok++;
      } catch (err) {
        expect(err).toBeInstanceOf(EventsError);
        expect(['CORRUPT_RECORD', 'BAD_EVENT']).toContain((err as EventsError).code);
        outcomes.corrupt++;
      }
    }
    expect(outcomes.corrupt).toBeGreaterThan(1000);
    expect(outcomes.ok + outcomes.torn).toBeGreaterThan(0);
  });

  it('decodes or refuses (BAD_EVENT) damaged events behind valid checksums, and lists what decodes', () => {
    const records = scanRecords(tf2).records.map((r) => r.data);
    let seed = 777;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const outcomes = { listed: 0, bad: 0 };
    for (let n = 0; n < 1500; n++) {
      const data = Uint8Array.from(records[1 + Math.floor(rand() * (records.length - 1))]!);
      for (let e = 0; e < 1 + Math.floor(rand() * 3); e++)
        data[Math.floor(rand() * data.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? data.subarray(0, Math.floor(rand() * data.length)) : data;
      try {
        const parsed = parseEvents(frameRecord(cut), 'fuzz');
        for (const e of parsed.events) eventValues(e.event);
        outcomes.listed++;
      } catch (err) {
        expect(err).toBeInstanceOf(EventsError);
        expect((err as EventsError).code).toBe('BAD_EVENT');
        expect((err as EventsError).offset).toBe(0);
        outcomes.bad++;
      }
    }
    expect(outcomes.listed).toBeGreaterThan(100);
    expect(outcomes.bad).toBeGreaterThan(100);
  });

  it('treats a checksummed but huge length as a torn tail without allocating it', () => {
    const rec = frameRecord(new Uint8Array([1, 2, 3]));
    const view = new DataView(rec.buffer);
    view.setBigUint64(0, 1n << 60n, true);
    view.setUint32(8, maskedCrc32c(rec.subarray(0, 8)), true);
    const scan = scanRecords(rec);
    expect(scan.torn).toEqual({ offset: 0, available: rec.length, needed: Number.MAX_SAFE_INTEGER });
  });

  it('reads a file in chunks smaller than its records, with the same records, torn tail and corruption offsets', () => {
    const path = join(tempDir(), 'events.out.tfevents.x');
    const full = scanRecords(tf2);
    const collect = (chunk: number) => {
      const it = iterateFileRecords(path, chunk);
      const out: { offset: number; hex: string }[] = [];
      for (;;) {
        const n = it.next();
        if (n.done) return { out, torn: n.value.torn };
        out.push({ offset: n.value.offset, hex: Buffer.from(n.value.data).toString('hex') });
      }
    };
    for (const cut of [tf2.length, tf2.length - 1, tf2.length - 100, 30, 0]) {
      writeFileSync(path, tf2.subarray(0, cut));
      const want = scanRecords(tf2.subarray(0, cut));
      for (const chunk of [7, 64, 1000, 1 << 20]) {
        const got = collect(chunk);
        expect(
          got.out.map((r) => r.offset),
          `cut ${cut} chunk ${chunk}`,
        ).toEqual(want.records.map((r) => r.offset));
        expect(got.out.map((r) => r.hex)).toEqual(want.records.map((r) => Buffer.from(r.data).toString('hex')));
        expect(got.torn).toEqual(want.torn);
      }
    }
    const bad = Uint8Array.from(tf2);
    const victim = full.records[5]!;
    bad[victim.offset + 20]! ^= 1;
    writeFileSync(path, bad);
    for (const chunk of [7, 64, 1 << 20]) {
      expect(() => collect(chunk)).toThrow(
        expect.objectContaining({ code: 'CORRUPT_RECORD', offset: victim.offset, path }),
      );
    }
    expect(() => collect(64)).toThrow(new RegExp(`offset ${victim.offset}:`));
    expect(() => iterateFileRecords(join(path, 'nope')).next()).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
