import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * The SQLite file of one Beckn participant's inbox and outbox (node:sqlite, as the telemetry store):
 * WAL and FULL sync, since an ACK given or a callback accepted must survive a crash. One process
 * owns the file.
 */
export function openBecknDatabase(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  return db;
}
