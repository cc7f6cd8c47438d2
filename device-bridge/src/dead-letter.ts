import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignedReading } from '@gridledger/core';

/**
 * Readings the ledger refuses whatever the bridge does (a poison reading: see failureAction's
 * `isolate`), kept in `<stateDir>/bridge/dead-letter.log`, one JSON line each:
 *
 *   {"id":7,"at":"2026-11-21T12:15:03.120Z","parkedAt":"...","code":"INTERNAL","message":"...","reading":{...}}
 *
 * `id` and `at` are the reading's journal id and intake time. A line is on disk (fdatasync) before
 * the journal marks the reading done, so a reading is always in one of the two files; a crash in
 * between parks it again on the next start (the same id twice: `parked()` keeps the last).
 */
export interface ParkedReading {
  id: number;
  at: string;
  parkedAt: string;
  code: string;
  message: string;
  reading: SignedReading;
}

export class DeadLetters {
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static file(dir: string): string {
    return join(dir, 'dead-letter.log');
  }

  static async open(dir: string): Promise<DeadLetters> {
    const path = DeadLetters.file(dir);
    return new DeadLetters(path, await open(path, 'a', 0o600));
  }

  /** Appends one parked reading; resolves once it is on disk. Appends run one after the other. */
  park(entry: ParkedReading): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    const next = this.tail.then(async () => {
      await this.handle.write(line);
      await this.handle.datasync();
    });
    this.tail = next.catch(() => {});
    return next;
  }

  /** The parked readings by journal id (a torn last line is skipped). */
  async parked(): Promise<Map<number, ParkedReading>> {
    return readDeadLetters(await readFile(this.path));
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle.close();
  }
}

/** Pure reading of a dead-letter file's bytes. */
export function readDeadLetters(content: Buffer): Map<number, ParkedReading> {
  const out = new Map<number, ParkedReading>();
  for (const line of content.toString('utf8').split('\n')) {
    if (line === '') continue;
    try {
      const entry = JSON.parse(line) as ParkedReading;
      if (Number.isSafeInteger(entry.id) && typeof entry.code === 'string' && typeof entry.reading === 'object') out.set(entry.id, entry);
    } catch {
      // a torn last line after a crash
    }
  }
  return out;
}
