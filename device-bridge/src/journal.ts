import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignedReading } from '@gridledger/core';

/**
 * The bridge's durable queue: an append-only file of JSON lines in `<stateDir>/bridge/journal.log`.
 *
 *   {"t":"r","id":7,"at":"2026-11-21T12:15:03.120Z","reading":{...the signed reading...}}
 *   {"t":"d","ids":[5,6,7],"txId":"ab12..."}
 *
 * An `r` record is a reading taken from the broker; the broker gets its PUBACK only after the
 * record has been written and fdatasync'ed. A `d` record marks readings as finished (a receipt
 * was published for each). Replay = every `r` without a later `d`, in file order. A crash can
 * leave only the last line torn (each write completes before the next starts); replay stops at
 * the first line that is not a complete record and the journal truncates that tail on open.
 * Compaction rewrites the file with the pending records only (temp file, fsync, rename, fsync of
 * the directory), so it is atomic: either the old or the new file is there after a crash.
 */

export interface JournalEntry {
  id: number;
  /** When the bridge took the reading from the broker (ISO 8601). */
  at: string;
  reading: SignedReading;
}

export type JournalRecord = { t: 'r'; id: number; at: string; reading: SignedReading } | { t: 'd'; ids: number[]; txId?: string };

export function encodeRecord(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

export interface ReplayResult {
  /** Readings not yet finished, in the order they were journaled. */
  pending: JournalEntry[];
  /** The id the next appended reading gets. */
  nextId: number;
  /** Bytes of complete records at the head of the file; anything after is a torn tail. */
  validBytes: number;
  /** How many `d` records the file holds (compaction removes them). */
  doneRecords: number;
}

function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  if (r.t === 'r') return Number.isSafeInteger(r.id) && typeof r.at === 'string' && typeof r.reading === 'object' && r.reading !== null;
  if (r.t === 'd') return Array.isArray(r.ids) && r.ids.every((id) => Number.isSafeInteger(id));
  return false;
}

/** Pure replay of a journal's bytes. */
export function replayJournal(content: Buffer): ReplayResult {
  const pending = new Map<number, JournalEntry>();
  let nextId = 1;
  let offset = 0;
  let doneRecords = 0;
  while (offset < content.length) {
    const newline = content.indexOf(0x0a, offset);
    if (newline < 0) break; // torn tail: no newline yet
    let parsed: unknown;
    try {
      parsed = JSON.parse(content.subarray(offset, newline).toString('utf8'));
    } catch {
      break;
    }
    if (!isRecord(parsed)) break;
    if (parsed.t === 'r') {
      pending.set(parsed.id, { id: parsed.id, at: parsed.at, reading: parsed.reading });
      nextId = Math.max(nextId, parsed.id + 1);
    } else {
      doneRecords += 1;
      for (const id of parsed.ids) pending.delete(id);
    }
    offset = newline + 1;
  }
  const ordered = [...pending.values()].sort((a, b) => a.id - b.id);
  return { pending: ordered, nextId, validBytes: offset, doneRecords };
}

type Op = { kind: 'write'; data: string; resolve: () => void; reject: (e: unknown) => void };

export interface JournalOptions {
  /** Compact once the file holds this many `d` records (default 1,000). */
  compactAfterDoneRecords?: number;
  /**
   * Or once it has grown this many bytes since it was opened or compacted (default 32 MiB): at 200
   * readings a transaction, 1,000 done records follow 200,000 readings, ~150 MB a restart would
   * read back.
   */
  compactAfterBytes?: number;
}

/** The file shell around replayJournal: appends with group commit, done marks, compaction. */
export class Journal {
  private queue: Op[] = [];
  private flushing = false;
  private closed = false;
  /** Set by a failed write: the file may now end in a torn line, so nothing more may follow it. */
  private broken: unknown = undefined;
  private readonly pendingById = new Map<number, JournalEntry>();
  /** Bytes written since the journal was opened or last compacted. */
  private grownBytes = 0;

  private constructor(
    private readonly dir: string,
    private handle: FileHandle,
    private nextId: number,
    private doneRecords: number,
    pending: JournalEntry[],
    private readonly compactAfter: number,
    private readonly compactAfterBytes: number,
  ) {
    for (const e of pending) this.pendingById.set(e.id, e);
  }

  static file(dir: string): string {
    return join(dir, 'journal.log');
  }

  static async open(dir: string, options: JournalOptions = {}): Promise<Journal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = Journal.file(dir);
    const handle = await open(path, 'a+', 0o600);
    const content = await handle.readFile();
    const replay = replayJournal(content);
    if (replay.validBytes < content.length) {
      await handle.truncate(replay.validBytes);
      await handle.sync();
    }
    return new Journal(
      dir,
      handle,
      replay.nextId,
      replay.doneRecords,
      replay.pending,
      options.compactAfterDoneRecords ?? 1000,
      options.compactAfterBytes ?? 32 * 2 ** 20,
    );
  }

  /** Readings not yet finished, in journal order. */
  pending(): JournalEntry[] {
    // Ids are inserted in increasing order (replay is sorted, appends count up): Map order is id order.
    return [...this.pendingById.values()];
  }

  /** The same, without copying: valid until the next append or done mark. */
  pendingEntries(): IterableIterator<JournalEntry> {
    return this.pendingById.values();
  }

  /** The pending entries of one meter and interval (normally none or one). */
  pendingFor(meterId: string, intervalStart: string): JournalEntry[] {
    return this.pending().filter((e) => e.reading.meterId === meterId && e.reading.intervalStart === intervalStart);
  }

  get pendingCount(): number {
    return this.pendingById.size;
  }

  /** Appends a reading and resolves once it is on disk (fdatasync). */
  async append(reading: SignedReading, at = new Date()): Promise<JournalEntry> {
    const { entry, written } = this.begin(reading, at);
    await written;
    return entry;
  }

  /**
   * The same in two steps: the reading gets its id (journal order) now, and `written` resolves once
   * it is on disk; it is pending (replayed, handed out) only from then on. Readings begun while a
   * write is under way go out together in the next one (group commit).
   */
  begin(reading: SignedReading, at = new Date()): { entry: JournalEntry; written: Promise<void> } {
    const entry: JournalEntry = { id: this.nextId++, at: at.toISOString(), reading };
    const written = this.write(encodeRecord({ t: 'r', ...entry })).then(() => {
      this.pendingById.set(entry.id, entry);
    });
    return { entry, written };
  }

  /** Marks readings finished; they are not replayed after this resolves. */
  async markDone(ids: number[], txId?: string): Promise<void> {
    if (ids.length === 0) return;
    await this.write(encodeRecord(txId === undefined ? { t: 'd', ids } : { t: 'd', ids, txId }));
    for (const id of ids) this.pendingById.delete(id);
    this.doneRecords += 1;
    if (this.doneRecords >= this.compactAfter || this.grownBytes >= this.compactAfterBytes) await this.compact();
  }

  /** Rewrites the file with the pending readings only; atomic by rename. */
  async compact(): Promise<void> {
    await this.exclusive(async () => {
      const tmp = join(this.dir, 'journal.compact.tmp');
      const out = await open(tmp, 'w', 0o600);
      try {
        const body = this.pending()
          .map((e) => encodeRecord({ t: 'r', ...e }))
          .join('');
        await out.writeFile(body);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tmp, Journal.file(this.dir));
      const dirHandle = await open(this.dir, 'r');
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
      await this.handle.close();
      this.handle = await open(Journal.file(this.dir), 'a+', 0o600);
      this.doneRecords = 0;
      this.grownBytes = 0;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async () => {
      this.closed = true;
      await this.handle.close();
    });
  }

  private write(data: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'write', data, resolve, reject });
      void this.flush();
    });
  }

  /** Runs fn with no write in progress (compaction, close). */
  private async exclusive(fn: () => Promise<void>): Promise<void> {
    while (this.flushing) await new Promise((r) => setImmediate(r));
    this.flushing = true;
    try {
      await fn();
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) void this.flush();
    }
  }

  /** Group commit: every write queued meanwhile goes out in one write and one fdatasync. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          if (this.closed) throw new Error('journal is closed');
          const data = batch.map((op) => op.data).join('');
          await this.handle.write(data);
          this.grownBytes += Buffer.byteLength(data);
          await this.handle.datasync();
          for (const op of batch) op.resolve();
        } catch (error) {
          this.broken = error;
          for (const op of [...batch, ...this.queue.splice(0)]) op.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
