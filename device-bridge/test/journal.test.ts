import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord, Journal, replayJournal } from '../src/journal';
import { meterDay, meterKey, tempDir } from './support/helpers';

const { privateKey } = meterKey();
const readings = meterDay('home-01.main', 6, privateKey);

describe('journal replay (pure)', () => {
  it('returns the readings without a done record, in order, and the next id', () => {
    const text =
      encodeRecord({ t: 'r', id: 1, at: 'a', reading: readings[0] }) +
      encodeRecord({ t: 'r', id: 2, at: 'b', reading: readings[1] }) +
      encodeRecord({ t: 'd', ids: [1], txId: 'tx1' }) +
      encodeRecord({ t: 'r', id: 3, at: 'c', reading: readings[2] });
    const replay = replayJournal(Buffer.from(text));
    expect(replay.pending.map((e) => e.id)).toEqual([2, 3]);
    expect(replay.pending[0].reading).toEqual(readings[1]);
    expect(replay.nextId).toBe(4);
    expect(replay.doneRecords).toBe(1);
    expect(replay.validBytes).toBe(Buffer.byteLength(text));
  });

  it('stops at a torn last line and reports where the valid part ends', () => {
    const good = encodeRecord({ t: 'r', id: 1, at: 'a', reading: readings[0] });
    const torn = encodeRecord({ t: 'r', id: 2, at: 'b', reading: readings[1] }).slice(0, 40);
    const replay = replayJournal(Buffer.from(good + torn));
    expect(replay.pending.map((e) => e.id)).toEqual([1]);
    expect(replay.validBytes).toBe(Buffer.byteLength(good));
  });
});

describe('journal file', () => {
  it('gives begun readings their ids at once, holds them back until written, and writes those begun meanwhile together', async () => {
    const dir = tempDir('journal');
    const journal = await Journal.open(dir);
    const handle = (journal as unknown as { handle: { datasync(): Promise<void> } }).handle;
    const datasync = jest.spyOn(Object.getPrototypeOf(handle) as { datasync(): Promise<void> }, 'datasync');
    const begun = readings.map((r) => journal.begin(r));
    expect(begun.map((b) => b.entry.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(journal.pendingCount).toBe(0); // nothing handed out before it is on disk
    await Promise.all(begun.map((b) => b.written));
    expect(journal.pending().map((e) => e.reading)).toEqual(readings);
    // The first write starts alone; the five begun during it share the next fdatasync.
    expect(datasync.mock.calls.length).toBe(2);
    datasync.mockRestore();
    await journal.close();
    const again = await Journal.open(dir);
    expect(again.pending().map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    await again.close();
  });

  it('survives reopening, truncates a torn tail and keeps appending after it', async () => {
    const dir = tempDir('journal');
    const j1 = await Journal.open(dir);
    const a = await j1.append(readings[0]);
    const b = await j1.append(readings[1]);
    await j1.markDone([a.id], 'tx1');
    await j1.close();
    appendFileSync(Journal.file(dir), '{"t":"r","id":3,"at":"x","readi'); // a crash mid-write

    const j2 = await Journal.open(dir);
    expect(j2.pending().map((e) => e.id)).toEqual([b.id]);
    const c = await j2.append(readings[2]);
    expect(c.id).toBe(b.id + 1);
    await j2.close();

    const j3 = await Journal.open(dir);
    expect(j3.pending().map((e) => e.reading)).toEqual([readings[1], readings[2]]);
    await j3.close();
  });

  it('compaction keeps exactly the pending readings and shrinks the file', async () => {
    const dir = tempDir('journal');
    const j = await Journal.open(dir, { compactAfterDoneRecords: 1000 });
    const entries = [];
    for (const r of readings) entries.push(await j.append(r));
    await j.markDone([entries[0].id, entries[1].id]);
    await j.markDone([entries[3].id]);
    const before = statSync(Journal.file(dir)).size;
    await j.compact();
    expect(statSync(Journal.file(dir)).size).toBeLessThan(before);
    const after = await j.append(readings[0]);
    expect(after.id).toBe(entries[5].id + 1);
    await j.close();
    const replay = replayJournal(readFileSync(Journal.file(dir)));
    expect(replay.pending.map((e) => e.id)).toEqual([entries[2].id, entries[4].id, entries[5].id, after.id]);
    expect(replay.doneRecords).toBe(0);
  });

  it('compacts once it has grown past its byte limit, however few done records it holds', async () => {
    const dir = tempDir('journal');
    const j = await Journal.open(dir, { compactAfterDoneRecords: 1000, compactAfterBytes: 1000 });
    const entries = [];
    for (const r of readings) entries.push(await j.append(r)); // six records of ~300 bytes
    const grown = statSync(Journal.file(dir)).size;
    expect(grown).toBeGreaterThan(1000);
    await j.markDone([entries[0].id, entries[1].id, entries[2].id, entries[3].id]);
    // One done record, and the file already holds only the two readings still pending.
    expect(statSync(Journal.file(dir)).size).toBeLessThan(grown / 2);
    expect(replayJournal(readFileSync(Journal.file(dir))).pending.map((e) => e.id)).toEqual([entries[4].id, entries[5].id]);
    await j.close();
  });

  it('after a SIGKILL mid-append, replay holds every acknowledged reading that was not done', async () => {
    const dir = tempDir('journal-crash');
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'journal-writer.js'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked = new Set<number>();
    const done = new Set<number>();
    const marking = new Set<number>();
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, id] = line.split(' ');
        (({ acked, done, marking }) as Record<string, Set<number>>)[kind].add(Number(id));
      }
    });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (acked.size >= 400) {
          clearInterval(check);
          resolve();
        }
      }, 2);
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const journal = await Journal.open(dir);
    const pending = new Set(journal.pending().map((e) => e.id));
    await journal.close();
    const maxAcked = Math.max(...acked);
    for (const id of acked) {
      // A done mark that was being written at the kill may or may not have made it.
      if (done.has(id) || marking.has(id)) continue;
      expect(pending.has(id)).toBe(true);
    }
    expect([...marking].filter((id) => !done.has(id)).length).toBeLessThanOrEqual(1);
    for (const id of done) expect(pending.has(id)).toBe(false);
    // Beyond the acknowledged ones seen here, only later appends may have made it: the child acknowledges in order, and its
    // lines not yet read when the kill came (a loaded machine buffers many in the pipe) name only ids after the last one read.
    const unacked = [...pending].filter((id) => !acked.has(id));
    expect(unacked.filter((id) => id <= maxAcked)).toEqual([]);
  }, 30_000);
});
