import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Context } from './schemas';

/**
 * The storage contracts a BPP confirmed over Beckn, with the transaction each belongs to and the
 * state last told to its BAP (docs/beckn.md, "Unsolicited on_status"). Kept in the participant's
 * SQLite file beside the inbox and outbox, so that a restarted gateway still knows whom to tell.
 * A contract belongs to the BAP that confirmed it: another BAP's status or cancel of it is refused.
 */
export interface WatchedContract {
  contractId: string;
  context: Context;
  status: string;
}

/** States after which a contract changes no more. */
const FINAL = ['completed', 'cancelled'];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS beckn_storage_contracts (
  contract_id TEXT PRIMARY KEY, bap_id TEXT NOT NULL, context TEXT NOT NULL, status TEXT NOT NULL
) WITHOUT ROWID;
`;

interface Row {
  contract_id: string;
  context: string;
  status: string;
}

const watched = (r: Row): WatchedContract => ({ contractId: r.contract_id, context: JSON.parse(r.context) as Context, status: r.status });

export class ContractWatch {
  private readonly insert: StatementSync;
  private readonly bap: StatementSync;
  private readonly update: StatementSync;
  private readonly live: StatementSync;
  private readonly one: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    this.insert = db.prepare(
      'INSERT INTO beckn_storage_contracts (contract_id, bap_id, context, status) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.bap = db.prepare('SELECT bap_id FROM beckn_storage_contracts WHERE contract_id = ?');
    this.one = db.prepare('SELECT contract_id, context, status FROM beckn_storage_contracts WHERE contract_id = ?');
    this.update = db.prepare('UPDATE beckn_storage_contracts SET status = ? WHERE contract_id = ?');
    this.live = db.prepare(
      `SELECT contract_id, context, status FROM beckn_storage_contracts WHERE status NOT IN (${FINAL.map(() => '?').join(', ')})
       ORDER BY contract_id`,
    );
  }

  /** A contract confirmed in this transaction (a second confirm of it keeps the first row). */
  add(contractId: string, context: Context, status: string): void {
    this.insert.run(contractId, context.bap_id, JSON.stringify(context), status);
  }

  bapOf(contractId: string): string | undefined {
    return (this.bap.get(contractId) as { bap_id: string } | undefined)?.bap_id;
  }

  /** The BAP has been told this state (by a callback or an unsolicited on_status). */
  seen(contractId: string, status: string): void {
    this.update.run(status, contractId);
  }

  /** The contracts that may still change, by id. */
  open(): WatchedContract[] {
    return (this.live.all(...FINAL) as unknown as Row[]).map(watched);
  }

  /** The contract if it is watched and may still change. */
  get(contractId: string): WatchedContract | undefined {
    const r = this.one.get(contractId) as Row | undefined;
    return r === undefined || FINAL.includes(r.status) ? undefined : watched(r);
  }
}
