/**
 * What the OpenADR 3 VTN keeps off the ledger (docs/openadr.md, "Where things are kept"): programs
 * created through it, VENs and their resources, subscriptions, reports, and the index of the ledger's
 * demand-response events it knows (their ids and programs; the events themselves are read from the
 * ledger). One SQLite file per gateway (node:sqlite, as the Beckn inbox and the telemetry store),
 * one table of JSON objects by kind and id, each with its owner (the API key's user that created it),
 * and the checkpoint of the VTN's event listener (event-follower.ts), so that the index and the
 * position it covers are kept and lost together.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EventCheckpoints } from '../event-follower';

export type ObjectKind = 'program' | 'ven' | 'resource' | 'subscription' | 'report' | 'event';

export interface StoredObject {
  kind: ObjectKind;
  id: string;
  /** The wallet user that created it (for VENs: the household whose VEN it is). */
  owner: string;
  /** For a resource: its VEN; for an event: its program. */
  parent: string;
  /** Unique within the parent (a VEN's name, a resource's name within its VEN); '' when none. */
  name: string;
  createdDateTime: string;
  /** When it was last changed (PUT); its creation until then. */
  modificationDateTime?: string;
  body: Record<string, unknown>;
}

interface Row {
  kind: string;
  id: string;
  owner: string;
  parent: string;
  name: string;
  created: string;
  modified: string | null;
  body: string;
}

const toObject = (r: Row): StoredObject => ({
  kind: r.kind as ObjectKind,
  id: r.id,
  owner: r.owner,
  parent: r.parent,
  name: r.name,
  createdDateTime: r.created,
  modificationDateTime: r.modified ?? r.created,
  body: JSON.parse(r.body) as Record<string, unknown>,
});

export class VtnStore {
  private readonly db: DatabaseSync;
  /** Where the VTN's listener of the ledger's events is (its name: VTN_LISTENER). */
  readonly checkpoints: EventCheckpoints;

  /** `path` ':memory:' keeps nothing across restarts (tests, a gateway without a state directory). */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL, parent TEXT NOT NULL,
        name TEXT NOT NULL, created TEXT NOT NULL, body TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, UNIQUE (kind, id));
      CREATE INDEX IF NOT EXISTS objects_by_parent ON objects (kind, parent, name);`);
    // A store made before objects could change has no modification time: the column is added once.
    const columns = this.db.prepare('PRAGMA table_info(objects)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'modified')) this.db.exec('ALTER TABLE objects ADD COLUMN modified TEXT');
    this.checkpoints = new EventCheckpoints(this.db);
  }

  /** Adds an object; false when one of that kind and id is kept already (nothing changes). */
  add(o: StoredObject): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO objects (kind, id, owner, parent, name, created, body) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(o.kind, o.id, o.owner, o.parent, o.name, o.createdDateTime, JSON.stringify(o.body));
    return Number(r.changes) === 1;
  }

  /** Replaces an object's name and body (PUT); false when there is none of that kind and id. */
  replace(kind: ObjectKind, id: string, name: string, body: Record<string, unknown>, modified: string): boolean {
    const r = this.db
      .prepare('UPDATE objects SET name = ?, body = ?, modified = ? WHERE kind = ? AND id = ?')
      .run(name, JSON.stringify(body), modified, kind, id);
    return Number(r.changes) === 1;
  }

  /** Deletes an object and, for a VEN, its resources, in one transaction; false when there is none. */
  remove(kind: ObjectKind, id: string): boolean {
    this.db.exec('BEGIN');
    try {
      const r = this.db.prepare('DELETE FROM objects WHERE kind = ? AND id = ?').run(kind, id);
      if (kind === 'ven') this.db.prepare("DELETE FROM objects WHERE kind = 'resource' AND parent = ?").run(id);
      this.db.exec('COMMIT');
      return Number(r.changes) === 1;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  get(kind: ObjectKind, id: string): StoredObject | undefined {
    const r = this.db.prepare('SELECT * FROM objects WHERE kind = ? AND id = ?').get(kind, id) as Row | undefined;
    return r && toObject(r);
  }

  /** The object of that kind, parent and name, if any. */
  named(kind: ObjectKind, parent: string, name: string): StoredObject | undefined {
    const r = this.db.prepare('SELECT * FROM objects WHERE kind = ? AND parent = ? AND name = ?').get(kind, parent, name) as
      Row | undefined;
    return r && toObject(r);
  }

  /** Every object of a kind in the order they were added, optionally of one parent. */
  list(kind: ObjectKind, parent?: string): StoredObject[] {
    const rows =
      parent === undefined
        ? this.db.prepare('SELECT * FROM objects WHERE kind = ? ORDER BY seq').all(kind)
        : this.db.prepare('SELECT * FROM objects WHERE kind = ? AND parent = ? ORDER BY seq').all(kind, parent);
    return (rows as unknown as Row[]).map(toObject);
  }

  close(): void {
    this.db.close();
  }
}
