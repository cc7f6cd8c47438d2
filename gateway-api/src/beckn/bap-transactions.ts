import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { BecknErrorObject, CallbackAction } from './schemas';

/**
 * Our BAP's transactions (docs/beckn.md, "The BAP's REST API"), kept in the participant's SQLite
 * file beside the inbox and outbox, so that a restart of the gateway loses none: who started each,
 * the message_ids we sent in it (a callback answering none of them is unsolicited), the BPPs met in
 * it and every callback received. A transaction is kept `KEEP_MS` after its last activity, or
 * `KEEP_ORDERED_MS` once a BPP has answered with an order (a contract lives up to 31 days and is
 * settled after its window).
 */
export interface Callback {
  action: CallbackAction;
  bppId: string;
  messageId: string;
  receivedAt: string;
  /** Sent by the BPP on its own (an on_status after a change), not in answer to our request. */
  unsolicited: boolean;
  error?: BecknErrorObject;
  message?: unknown;
}

export interface BapTransaction {
  transactionId: string;
  /** Who started it (an API key's user): only they see and continue it. */
  owner: string;
  startedAt: number;
  sent: Set<string>;
  callbacks: Callback[];
  bpps: Map<string, string>;
}

/** A transaction without an order: an hour after its last activity. */
export const KEEP_MS = 3_600_000;
/** A transaction with an order: 45 days after its last activity. */
export const KEEP_ORDERED_MS = 45 * 86_400_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS beckn_bap_transactions (
  transaction_id TEXT PRIMARY KEY, owner TEXT NOT NULL, started_at INTEGER NOT NULL,
  active_at INTEGER NOT NULL, ordered INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS beckn_bap_transactions_age ON beckn_bap_transactions (ordered, active_at);
CREATE TABLE IF NOT EXISTS beckn_bap_sent (
  transaction_id TEXT NOT NULL, message_id TEXT NOT NULL, PRIMARY KEY (transaction_id, message_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS beckn_bap_bpps (
  transaction_id TEXT NOT NULL, bpp_id TEXT NOT NULL, bpp_uri TEXT NOT NULL, PRIMARY KEY (transaction_id, bpp_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS beckn_bap_callbacks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, transaction_id TEXT NOT NULL, action TEXT NOT NULL, bpp_id TEXT NOT NULL,
  message_id TEXT NOT NULL, received_at TEXT NOT NULL, unsolicited INTEGER NOT NULL, error TEXT, message TEXT
);
CREATE INDEX IF NOT EXISTS beckn_bap_callbacks_tx ON beckn_bap_callbacks (transaction_id, id);
`;

interface CallbackRow {
  action: string;
  bpp_id: string;
  message_id: string;
  received_at: string;
  unsolicited: number;
  error: string | null;
  message: string | null;
}

const hasOrder = (message: unknown) => (message as { order?: { id?: unknown } } | undefined)?.order?.id !== undefined;

export class BapTransactions {
  private readonly statements: Record<
    'insert' | 'one' | 'touch' | 'sent' | 'sentOf' | 'wasSent' | 'bpp' | 'bppsOf' | 'callback' | 'callbacksOf',
    StatementSync
  >;
  private readonly drops: StatementSync[];

  constructor(private readonly db: DatabaseSync) {
    db.exec(SCHEMA);
    const p = (sql: string) => db.prepare(sql);
    this.statements = {
      insert: p('INSERT INTO beckn_bap_transactions (transaction_id, owner, started_at, active_at) VALUES (?, ?, ?, ?)'),
      one: p('SELECT owner, started_at FROM beckn_bap_transactions WHERE transaction_id = ?'),
      touch: p('UPDATE beckn_bap_transactions SET active_at = ?, ordered = MAX(ordered, ?) WHERE transaction_id = ?'),
      sent: p('INSERT INTO beckn_bap_sent (transaction_id, message_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      sentOf: p('SELECT message_id FROM beckn_bap_sent WHERE transaction_id = ?'),
      wasSent: p('SELECT 1 AS one FROM beckn_bap_sent WHERE transaction_id = ? AND message_id = ?'),
      bpp: p(
        `INSERT INTO beckn_bap_bpps (transaction_id, bpp_id, bpp_uri) VALUES (?, ?, ?)
         ON CONFLICT DO UPDATE SET bpp_uri = excluded.bpp_uri`,
      ),
      bppsOf: p('SELECT bpp_id, bpp_uri FROM beckn_bap_bpps WHERE transaction_id = ? ORDER BY bpp_id'),
      callback: p(
        `INSERT INTO beckn_bap_callbacks (transaction_id, action, bpp_id, message_id, received_at, unsolicited, error, message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      callbacksOf: p(
        `SELECT action, bpp_id, message_id, received_at, unsolicited, error, message FROM beckn_bap_callbacks
         WHERE transaction_id = ? ORDER BY id`,
      ),
    };
    const old = `SELECT transaction_id FROM beckn_bap_transactions
      WHERE (ordered = 0 AND active_at < ?1) OR (ordered = 1 AND active_at < ?2)`;
    // Children first, the transactions last (their rows name what to drop).
    this.drops = [...['beckn_bap_callbacks', 'beckn_bap_bpps', 'beckn_bap_sent'], 'beckn_bap_transactions'].map((table) =>
      p(`DELETE FROM ${table} WHERE transaction_id IN (${old})`),
    );
  }

  /** A new transaction; older ones past their keeping time are dropped first. */
  open(transactionId: string, owner: string, nowMs: number): void {
    this.prune(nowMs);
    this.statements.insert.run(transactionId, owner, nowMs, nowMs);
  }

  /** Who started a kept transaction, or undefined. */
  ownerOf(transactionId: string): string | undefined {
    return (this.statements.one.get(transactionId) as { owner: string } | undefined)?.owner;
  }

  /** A message we sent in the transaction, to a BPP (its endpoint kept for the next request). */
  sent(transactionId: string, messageId: string, bpp: { bppId: string; bppUri: string }, nowMs: number): void {
    this.inOne(() => {
      this.statements.sent.run(transactionId, messageId);
      this.statements.bpp.run(transactionId, bpp.bppId, bpp.bppUri);
      this.statements.touch.run(nowMs, 0, transactionId);
    });
  }

  /** A callback received in the transaction; `unsolicited` when it answers no message we sent. */
  received(transactionId: string, c: Omit<Callback, 'unsolicited'>, bppUri: string, nowMs: number): void {
    this.inOne(() => {
      const sent = this.statements.wasSent.get(transactionId, c.messageId) !== undefined;
      this.statements.bpp.run(transactionId, c.bppId, bppUri);
      this.statements.callback.run(
        transactionId,
        c.action,
        c.bppId,
        c.messageId,
        c.receivedAt,
        sent ? 0 : 1,
        c.error === undefined ? null : JSON.stringify(c.error),
        c.message === undefined ? null : JSON.stringify(c.message),
      );
      this.statements.touch.run(nowMs, hasOrder(c.message) ? 1 : 0, transactionId);
    });
  }

  /** A kept transaction with its messages sent, BPPs met and callbacks, or undefined. */
  get(transactionId: string): BapTransaction | undefined {
    const row = this.statements.one.get(transactionId) as { owner: string; started_at: number } | undefined;
    if (row === undefined) return undefined;
    const bpps = this.statements.bppsOf.all(transactionId) as { bpp_id: string; bpp_uri: string }[];
    const callbacks = (this.statements.callbacksOf.all(transactionId) as unknown as CallbackRow[]).map((r): Callback => ({
      action: r.action as CallbackAction,
      bppId: r.bpp_id,
      messageId: r.message_id,
      receivedAt: r.received_at,
      unsolicited: r.unsolicited === 1,
      ...(r.error === null ? {} : { error: JSON.parse(r.error) as BecknErrorObject }),
      ...(r.message === null ? {} : { message: JSON.parse(r.message) as unknown }),
    }));
    return {
      transactionId,
      owner: row.owner,
      startedAt: row.started_at,
      sent: new Set((this.statements.sentOf.all(transactionId) as { message_id: string }[]).map((r) => r.message_id)),
      bpps: new Map(bpps.map((b) => [b.bpp_id, b.bpp_uri])),
      callbacks,
    };
  }

  /** Drops the transactions past their keeping time, with their messages and callbacks. */
  prune(nowMs: number): void {
    this.inOne(() => {
      for (const drop of this.drops) drop.run(nowMs - KEEP_MS, nowMs - KEEP_ORDERED_MS);
    });
  }

  private inOne(f: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      f();
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }
}
