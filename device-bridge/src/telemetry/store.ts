/**
 * The telemetry store (docs/telemetry.md, "Storage"): raw samples and 1-minute aggregates in one
 * SQLite file, through Node's built-in `node:sqlite` (no native build, nothing to download; the
 * driver ships with the pinned Node.js). WAL mode, one writer (the telemetry service), inserts in
 * one transaction per batch. Raw samples are kept `rawRetentionSeconds`, minute aggregates
 * `minuteRetentionSeconds`; downsample() folds the minutes that received samples into aggregates
 * and deletes what is past retention. Times are epoch seconds.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export interface StoredSample {
  deviceId: string;
  zone: string;
  at: number;
  powerW: number;
  /** Absent (NULL in the table) when the device does not measure it. */
  frequencyMHz?: number;
  voltageMv?: number;
}

/** One device's minute: count and power mean, extremes of power, frequency and voltage. */
export interface MinuteAggregate {
  deviceId: string;
  zone: string;
  minute: number;
  samples: number;
  meanPowerW: number;
  minPowerW: number;
  maxPowerW: number;
  /** null when none of the minute's samples carried it. */
  minFrequencyMHz: number | null;
  maxFrequencyMHz: number | null;
  minVoltageMv: number | null;
  maxVoltageMv: number | null;
}

/** A zone's minute: the sum over its devices of each device's mean power, and the extremes. */
export interface ZoneMinute {
  minute: number;
  devices: number;
  powerW: number;
  minFrequencyMHz: number | null;
  maxFrequencyMHz: number | null;
  minVoltageMv: number | null;
  maxVoltageMv: number | null;
}

export interface TelemetryStoreOptions {
  rawRetentionSeconds: number;
  minuteRetentionSeconds: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS samples (
  device_id TEXT NOT NULL, zone TEXT NOT NULL, at INTEGER NOT NULL,
  power_w INTEGER NOT NULL, frequency_mhz INTEGER, voltage_mv INTEGER,
  PRIMARY KEY (device_id, at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_zone_at ON samples (zone, at);
CREATE INDEX IF NOT EXISTS samples_at ON samples (at);
CREATE TABLE IF NOT EXISTS minutes (
  device_id TEXT NOT NULL, zone TEXT NOT NULL, minute INTEGER NOT NULL, samples INTEGER NOT NULL,
  power_sum INTEGER NOT NULL, power_min INTEGER NOT NULL, power_max INTEGER NOT NULL,
  frequency_min INTEGER, frequency_max INTEGER, voltage_min INTEGER, voltage_max INTEGER,
  PRIMARY KEY (device_id, minute)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS minutes_zone_minute ON minutes (zone, minute);
CREATE TABLE IF NOT EXISTS dirty_minutes (minute INTEGER PRIMARY KEY);
`;

const minuteOf = (at: number) => at - (at % 60);

export class TelemetryStore {
  private readonly db: DatabaseSync;
  private readonly insertSample: StatementSync;
  private readonly markDirty: StatementSync;

  constructor(
    path: string,
    private readonly options: TelemetryStoreOptions,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    // WAL: readers (the HTTP queries) do not wait for the writer; NORMAL sync is durable at each checkpoint, enough for telemetry.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    migrateNotNull(this.db);
    this.db.exec(SCHEMA);
    // A redelivered sample (same device and second) replaces the first: storing is idempotent.
    this.insertSample = this.db.prepare(
      'INSERT OR REPLACE INTO samples (device_id, zone, at, power_w, frequency_mhz, voltage_mv) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.markDirty = this.db.prepare('INSERT OR IGNORE INTO dirty_minutes (minute) VALUES (?)');
  }

  /** Stores the samples in one transaction; the minutes they fall in are marked for downsampling. */
  insert(samples: readonly StoredSample[]): void {
    if (samples.length === 0) return;
    const minutes = new Set<number>();
    this.db.exec('BEGIN');
    try {
      for (const s of samples) {
        this.insertSample.run(s.deviceId, s.zone, s.at, s.powerW, s.frequencyMHz ?? null, s.voltageMv ?? null);
        minutes.add(minuteOf(s.at));
      }
      for (const m of minutes) this.markDirty.run(m);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /**
   * Folds every marked minute that has ended by `nowSeconds` into the minute aggregates (again, when
   * a late sample marked it anew), then deletes raw samples and aggregates past their retention.
   * Returns the number of minutes folded.
   */
  downsample(nowSeconds: number): number {
    const current = minuteOf(nowSeconds);
    const due = this.db.prepare('SELECT minute FROM dirty_minutes WHERE minute < ? ORDER BY minute').all(current) as { minute: number }[];
    const fold = this.db.prepare(
      `INSERT OR REPLACE INTO minutes
       SELECT device_id, zone, ?, COUNT(*), SUM(power_w), MIN(power_w), MAX(power_w),
              MIN(frequency_mhz), MAX(frequency_mhz), MIN(voltage_mv), MAX(voltage_mv)
       FROM samples WHERE at >= ? AND at < ? GROUP BY device_id, zone`,
    );
    const done = this.db.prepare('DELETE FROM dirty_minutes WHERE minute = ?');
    this.db.exec('BEGIN');
    try {
      for (const { minute } of due) {
        fold.run(minute, minute, minute + 60);
        done.run(minute);
      }
      this.db.prepare('DELETE FROM samples WHERE at < ?').run(nowSeconds - this.options.rawRetentionSeconds);
      this.db.prepare('DELETE FROM minutes WHERE minute < ?').run(nowSeconds - this.options.minuteRetentionSeconds);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    return due.length;
  }

  /** A device's raw samples in [from, to), oldest first, at most `limit`. */
  deviceSamples(deviceId: string, from: number, to: number, limit = 10_000): StoredSample[] {
    const rows = this.db
      .prepare(
        `SELECT device_id, zone, at, power_w, frequency_mhz, voltage_mv FROM samples
         WHERE device_id = ? AND at >= ? AND at < ? ORDER BY at LIMIT ?`,
      )
      .all(deviceId, from, to, limit) as Record<string, number | string | null>[];
    return rows.map(sampleOf);
  }

  /** A device's minute aggregates in [from, to). */
  deviceMinutes(deviceId: string, from: number, to: number, limit = 10_000): MinuteAggregate[] {
    const rows = this.db
      .prepare('SELECT * FROM minutes WHERE device_id = ? AND minute >= ? AND minute < ? ORDER BY minute LIMIT ?')
      .all(deviceId, from, to, limit) as Record<string, number | string | null>[];
    return rows.map((r) => ({
      deviceId: String(r.device_id),
      zone: String(r.zone),
      minute: Number(r.minute),
      samples: Number(r.samples),
      meanPowerW: Math.trunc(Number(r.power_sum) / Number(r.samples)),
      minPowerW: Number(r.power_min),
      maxPowerW: Number(r.power_max),
      minFrequencyMHz: orNull(r.frequency_min),
      maxFrequencyMHz: orNull(r.frequency_max),
      minVoltageMv: orNull(r.voltage_min),
      maxVoltageMv: orNull(r.voltage_max),
    }));
  }

  /** A zone's raw samples in [from, to) (every device of it), oldest first. */
  zoneSamples(zone: string, from: number, to: number, limit = 10_000): StoredSample[] {
    const rows = this.db
      .prepare(
        `SELECT device_id, zone, at, power_w, frequency_mhz, voltage_mv FROM samples
         WHERE zone = ? AND at >= ? AND at < ? ORDER BY at, device_id LIMIT ?`,
      )
      .all(zone, from, to, limit) as Record<string, number | string | null>[];
    return rows.map(sampleOf);
  }

  /** A zone's minutes in [from, to): per minute, the sum of its devices' mean power (integer division per device). */
  zoneMinutes(zone: string, from: number, to: number, limit = 10_000): ZoneMinute[] {
    const rows = this.db
      .prepare(
        `SELECT minute, COUNT(*) AS devices, SUM(power_sum / samples) AS power,
                MIN(frequency_min) AS fmin, MAX(frequency_max) AS fmax, MIN(voltage_min) AS vmin, MAX(voltage_max) AS vmax
         FROM minutes WHERE zone = ? AND minute >= ? AND minute < ? GROUP BY minute ORDER BY minute LIMIT ?`,
      )
      .all(zone, from, to, limit) as Record<string, number | null>[];
    return rows.map((r) => ({
      minute: Number(r.minute),
      devices: Number(r.devices),
      powerW: Number(r.power),
      minFrequencyMHz: orNull(r.fmin),
      maxFrequencyMHz: orNull(r.fmax),
      minVoltageMv: orNull(r.vmin),
      maxVoltageMv: orNull(r.vmax),
    }));
  }

  /** Rows in each table (tests, metrics). */
  counts(): { samples: number; minutes: number } {
    const n = (table: string) => Number((this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
    return { samples: n('samples'), minutes: n('minutes') };
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

const orNull = (v: number | string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

function sampleOf(r: Record<string, number | string | null>): StoredSample {
  return {
    deviceId: String(r.device_id),
    zone: String(r.zone),
    at: Number(r.at),
    powerW: Number(r.power_w),
    ...(r.frequency_mhz === null ? {} : { frequencyMHz: Number(r.frequency_mhz) }),
    ...(r.voltage_mv === null ? {} : { voltageMv: Number(r.voltage_mv) }),
  };
}

/**
 * A store made before frequency and voltage became optional has them NOT NULL: its two tables are
 * rebuilt once with the columns nullable, rows kept (SQLite cannot drop a NOT NULL in place).
 */
function migrateNotNull(db: DatabaseSync): void {
  const notNull = (table: string, column: string) =>
    (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; notnull: number }[]).some(
      (c) => c.name === column && c.notnull === 1,
    );
  const old = [
    { table: 'samples', column: 'frequency_mhz' },
    { table: 'minutes', column: 'frequency_min' },
  ].filter((t) => notNull(t.table, t.column));
  if (old.length === 0) return;
  db.exec('BEGIN');
  try {
    for (const { table } of old) db.exec(`ALTER TABLE ${table} RENAME TO ${table}_before`);
    db.exec('DROP INDEX IF EXISTS samples_zone_at; DROP INDEX IF EXISTS samples_at; DROP INDEX IF EXISTS minutes_zone_minute;');
    db.exec(SCHEMA);
    for (const { table } of old) db.exec(`INSERT INTO ${table} SELECT * FROM ${table}_before; DROP TABLE ${table}_before;`);
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
