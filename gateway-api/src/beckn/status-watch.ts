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
  /** The contract's battery (null for a row of an older file until the contract is next read). */
  batteryId: string | null;
  /** The transaction of the state of charge last told to the BAP (null: none told yet). */
  socTxId: string | null;
}

/** States after which a contract changes no more. */
const FINAL = ['completed', 'cancelled'];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS beckn_storage_contracts (
  contract_id TEXT PRIMARY KEY, bap_id TEXT NOT NULL, context TEXT NOT NULL, status TEXT NOT NULL,
  battery_id TEXT, soc_tx TEXT
) WITHOUT ROWID;
`;
/** Columns added after the table's first form: a file of an older gateway gets them at open. */
const ADDED = ['battery_id', 'soc_tx'];
const COLUMNS = 'contract_id, context, status, battery_id, soc_tx';

interface Row {
  contract_id: string;
  context: string;
  status: string;
  battery_id: string | null;
  soc_tx: string | null;
}

const watched = (r: Row): WatchedContract => ({
  contractId: r.contract_id,
  context: JSON.parse(r.context) as Context,
  status: r.status,
  batteryId: r.battery_id,
  socTxId: r.soc_tx,
});

export class ContractWatch {
  private readonly insert: StatementSync;
  private readonly bap: StatementSync;
  private readonly update: StatementSync;
  private readonly live: StatementSync;
  private readonly one: StatementSync;
  private readonly ofBattery: StatementSync;
  private readonly battery: StatementSync;
  private readonly soc: StatementSync;
  private readonly ofTransaction: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    const present = (db.prepare('PRAGMA table_info(beckn_storage_contracts)').all() as { name: string }[]).map((c) => c.name);
    for (const column of ADDED.filter((c) => !present.includes(c)))
      db.exec(`ALTER TABLE beckn_storage_contracts ADD COLUMN ${column} TEXT`);
    this.insert = db.prepare(
      `INSERT INTO beckn_storage_contracts (contract_id, bap_id, context, status, battery_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    this.bap = db.prepare('SELECT bap_id FROM beckn_storage_contracts WHERE contract_id = ?');
    this.ofTransaction = db.prepare(
      "SELECT contract_id FROM beckn_storage_contracts WHERE bap_id = ? AND json_extract(context, '$.transaction_id') = ?",
    );
    this.one = db.prepare(`SELECT ${COLUMNS} FROM beckn_storage_contracts WHERE contract_id = ?`);
    this.update = db.prepare('UPDATE beckn_storage_contracts SET status = ? WHERE contract_id = ?');
    this.battery = db.prepare('UPDATE beckn_storage_contracts SET battery_id = ? WHERE contract_id = ?');
    this.soc = db.prepare('UPDATE beckn_storage_contracts SET soc_tx = ? WHERE contract_id = ?');
    const open = `status NOT IN (${FINAL.map(() => '?').join(', ')})`;
    this.live = db.prepare(`SELECT ${COLUMNS} FROM beckn_storage_contracts WHERE ${open} ORDER BY contract_id`);
    this.ofBattery = db.prepare(
      `SELECT ${COLUMNS} FROM beckn_storage_contracts WHERE ${open} AND (battery_id = ? OR battery_id IS NULL) ORDER BY contract_id`,
    );
  }

  /** A contract confirmed in this transaction (a second confirm of it keeps the first row). */
  add(contractId: string, context: Context, status: string, batteryId: string): void {
    this.insert.run(contractId, context.bap_id, JSON.stringify(context), status, batteryId);
  }

  /** The battery of a row of an older file, once its contract is read. */
  setBattery(contractId: string, batteryId: string): void {
    this.battery.run(batteryId, contractId);
  }

  /** The BAP has been told the state of charge of this transaction. */
  seenSoc(contractId: string, txId: string): void {
    this.soc.run(txId, contractId);
  }

  /** The open contracts of a battery (and those whose battery is not known yet), by id. */
  openOf(batteryId: string): WatchedContract[] {
    return (this.ofBattery.all(...FINAL, batteryId) as unknown as Row[]).map(watched);
  }

  bapOf(contractId: string): string | undefined {
    return (this.bap.get(contractId) as { bap_id: string } | undefined)?.bap_id;
  }

  /** The contract a BAP confirmed in a transaction (in any state), if any. */
  contractOf(bapId: string, transactionId: string): string | undefined {
    return (this.ofTransaction.get(bapId, transactionId) as { contract_id: string } | undefined)?.contract_id;
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
