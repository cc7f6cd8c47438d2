import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * The messages a participant has ACKed (docs/beckn.md#never-twice): one row per sender, action and
 * message_id, kept until the message's own expiry (timestamp + ttl) has passed, after which the
 * context check refuses it anyway. So a message_id is processed once: a sender's retry of the same
 * bytes is ACKed again without processing; other content under a used message_id is refused. The
 * row keeps the message until its handler has run, so an ACKed message survives a crash.
 */
export type InboxOutcome = 'new' | 'repeat' | 'conflict';

export interface InboxKey {
  sender: string;
  action: string;
  messageId: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS beckn_inbox (
  sender TEXT NOT NULL, action TEXT NOT NULL, message_id TEXT NOT NULL,
  digest TEXT NOT NULL, payload TEXT NOT NULL, expires_at INTEGER NOT NULL, handled INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (sender, action, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS beckn_inbox_expiry ON beckn_inbox (expires_at);
`;

export class Inbox {
  private readonly insert: StatementSync;
  private readonly digestOf: StatementSync;
  private readonly done: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    db.exec(SCHEMA);
    this.insert = db.prepare(
      'INSERT INTO beckn_inbox (sender, action, message_id, digest, payload, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.digestOf = db.prepare('SELECT digest FROM beckn_inbox WHERE sender = ? AND action = ? AND message_id = ?');
    this.done = db.prepare('UPDATE beckn_inbox SET handled = 1, payload = ? WHERE sender = ? AND action = ? AND message_id = ?');
  }

  /** Records a message (its body digest and the payload its handler needs) unless that sender's message_id is known. */
  record(key: InboxKey, digest: string, payload: string, expiresAt: number, nowSeconds: number): InboxOutcome {
    this.prune(nowSeconds);
    const { changes } = this.insert.run(key.sender, key.action, key.messageId, digest, payload, expiresAt);
    if (changes === 1) return 'new';
    const known = this.digestOf.get(key.sender, key.action, key.messageId) as { digest: string } | undefined;
    return known?.digest === digest ? 'repeat' : 'conflict';
  }

  /** The handler has run: the payload is no longer needed. */
  markHandled(key: InboxKey): void {
    this.done.run('', key.sender, key.action, key.messageId);
  }

  /** Payloads ACKed but not handled (after a crash): to hand to their handlers again. */
  unhandled(): string[] {
    return (this.db.prepare('SELECT payload FROM beckn_inbox WHERE handled = 0 ORDER BY expires_at').all() as { payload: string }[]).map(
      (r) => r.payload,
    );
  }

  private prune(nowSeconds: number): void {
    this.db.prepare('DELETE FROM beckn_inbox WHERE expires_at < ? AND handled = 1').run(nowSeconds);
  }
}
