import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { silentLogger, type Logger } from '@gridledger/network';
import { BecknSigner, signMessage } from './signing';

/**
 * Outgoing Beckn messages (requests and callbacks), never lost and never duplicated
 * (docs/beckn.md#callbacks-are-never-lost). A message is stored before any attempt, under a key of
 * action, message_id and target, so storing it twice keeps one. Each attempt signs the stored
 * bytes anew (a fresh created/expires window). The peer's ACK delivers it; a refusal of the message
 * itself (HTTP 400, 404, 409, 413, 422, or a NACK with 200) dead-letters it at once; anything else
 * (no answer, a timeout, 5xx, 401, 429) is tried again after `backoffMs`, doubled per attempt up to `maxBackoffMs`, and
 * dead-lettered after `maxAttempts`. The receiver's inbox turns a delivery whose ACK was lost
 * into one processing.
 */
export interface OutboxOptions {
  signer: BecknSigner;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs?: number;
  /** How long each attempt's signature lives. */
  signatureSeconds?: number;
  attemptTimeoutMs?: number;
  /** How often due messages are looked for. */
  tickMs?: number;
  /** Attempts at once. */
  concurrency?: number;
  nowMs?: () => number;
  log?: Logger;
}

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface OutboxEntry {
  id: number;
  url: string;
  action: string;
  messageId: string;
  state: OutboxState;
  attempts: number;
  nextAt: number;
  lastError: string;
  body: Buffer;
}

export interface OutgoingMessage {
  /** The peer's endpoint for the action: `{bap_uri}/on_search`, `{bpp_uri}/select`, ... */
  url: string;
  action: string;
  messageId: string;
  body: Buffer;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS beckn_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_key TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL, action TEXT NOT NULL, message_id TEXT NOT NULL, body BLOB NOT NULL,
  state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS beckn_outbox_due ON beckn_outbox (state, next_at);
`;

/** HTTP statuses with which a peer refuses the message itself: another attempt would be refused too. */
const PERMANENT = new Set([400, 404, 409, 413, 422]);

interface Row {
  id: number;
  url: string;
  action: string;
  message_id: string;
  body: Uint8Array;
  state: OutboxState;
  attempts: number;
  next_at: number;
  last_error: string;
}

const entryOf = (r: Row): OutboxEntry => ({
  id: r.id,
  url: r.url,
  action: r.action,
  messageId: r.message_id,
  state: r.state,
  attempts: r.attempts,
  nextAt: r.next_at,
  lastError: r.last_error,
  body: Buffer.from(r.body),
});

export class Outbox {
  private readonly insert: StatementSync;
  private readonly due: StatementSync;
  private readonly settle: StatementSync;
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private kickAgain = false;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(
    private readonly db: DatabaseSync,
    private readonly options: OutboxOptions,
  ) {
    db.exec(SCHEMA);
    this.now = options.nowMs ?? Date.now;
    this.log = options.log ?? silentLogger;
    this.insert = db.prepare(
      `INSERT INTO beckn_outbox (dedupe_key, url, action, message_id, body, state, attempts, next_at, last_error, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, '', ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
    );
    this.due = db.prepare(`SELECT * FROM beckn_outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`);
    this.settle = db.prepare('UPDATE beckn_outbox SET state = ?, attempts = ?, next_at = ?, last_error = ?, updated_at = ? WHERE id = ?');
  }

  /** Stores a message for delivery; false when the same message (action, message_id, target) is stored already. */
  enqueue(m: OutgoingMessage): boolean {
    const now = this.now();
    const { changes } = this.insert.run(`${m.action}|${m.messageId}|${m.url}`, m.url, m.action, m.messageId, m.body, now, now, now);
    // A started outbox tries at once; one not started (or stopped) only stores.
    if (changes === 1 && this.timer) this.kick();
    return changes === 1;
  }

  /** Delivers what is due now, then every `tickMs`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.options.tickMs ?? 200);
    this.timer.unref();
    this.kick();
  }

  /** Stops looking for due messages and waits for the attempts under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Runs one pass now, or right after the pass that is running (a message enqueued meanwhile does not wait for a tick). */
  kick(): void {
    if (this.ticking) {
      this.kickAgain = true;
      return;
    }
    this.kickAgain = false;
    this.ticking = this.deliverDue()
      .then((attempted) => attempted)
      .finally(() => (this.ticking = undefined))
      // A full batch may have left more due, or a message came meanwhile: go on at once rather than a tick later.
      .then((attempted) => {
        if (this.timer && (this.kickAgain || attempted === (this.options.concurrency ?? 4))) this.kick();
      });
  }

  /** One pass over the messages due: each attempted once. Returns how many were attempted. */
  async deliverDue(): Promise<number> {
    const rows = (this.due.all(this.now(), this.options.concurrency ?? 4) as unknown as Row[]).filter((r) => !this.inFlight.has(r.id));
    await Promise.all(rows.map((r) => this.attempt(entryOf(r))));
    return rows.length;
  }

  entries(state?: OutboxState): OutboxEntry[] {
    const rows = (state === undefined
      ? this.db.prepare('SELECT * FROM beckn_outbox ORDER BY id').all()
      : this.db.prepare('SELECT * FROM beckn_outbox WHERE state = ? ORDER BY id').all(state)) as unknown as Row[];
    return rows.map(entryOf);
  }

  /** The dead letters: messages given up on, for an operator to look at (and re-send with retry()). */
  deadLetters(): OutboxEntry[] {
    return this.entries('dead');
  }

  /** Puts a dead letter back to pending with a fresh count of attempts. */
  retry(id: number): void {
    this.db
      .prepare(`UPDATE beckn_outbox SET state = 'pending', attempts = 0, next_at = ? WHERE id = ? AND state = 'dead'`)
      .run(this.now(), id);
    if (this.timer) this.kick();
  }

  private async attempt(e: OutboxEntry): Promise<void> {
    this.inFlight.add(e.id);
    const attempts = e.attempts + 1;
    try {
      const outcome = await this.post(e);
      const now = this.now();
      if (outcome.ok) {
        this.settle.run('delivered', attempts, now, '', now, e.id);
        return;
      }
      const give = outcome.permanent || attempts >= this.options.maxAttempts;
      const delay = Math.min(this.options.backoffMs * 2 ** (attempts - 1), this.options.maxBackoffMs ?? 300_000);
      this.settle.run(give ? 'dead' : 'pending', attempts, give ? now : now + delay, outcome.error, now, e.id);
      if (give)
        this.log.warn(
          { url: e.url, action: e.action, messageId: e.messageId, attempts, error: outcome.error },
          'beckn message dead-lettered',
        );
    } finally {
      this.inFlight.delete(e.id);
    }
  }

  private async post(e: OutboxEntry): Promise<{ ok: boolean; permanent: boolean; error: string }> {
    const created = Math.floor(this.now() / 1000);
    const authorization = signMessage(e.body, this.options.signer, created, created + (this.options.signatureSeconds ?? 60));
    try {
      const response = await fetch(e.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: e.body,
        signal: AbortSignal.timeout(this.options.attemptTimeoutMs ?? 10_000),
      });
      const text = await response.text();
      let status: unknown;
      try {
        status = (JSON.parse(text) as { message?: { ack?: { status?: unknown } } }).message?.ack?.status;
      } catch {
        status = undefined;
      }
      if (response.ok && status === 'ACK') return { ok: true, permanent: false, error: '' };
      // A NACK with 401 or 503 may pass later (a registry cache, a clock); one with 200 or a 4xx above will not.
      const permanent = PERMANENT.has(response.status) || (response.ok && status === 'NACK');
      return { ok: false, permanent, error: `HTTP ${response.status}: ${text.slice(0, 300)}` };
    } catch (err) {
      return { ok: false, permanent: false, error: (err as Error).message };
    }
  }
}
