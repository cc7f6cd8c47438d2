/**
 * Where the telemetry service learns the grid: each zone's feeder limits and the sensors that
 * measure the grid itself (a feeder's head per zone, the community's connection point). The limits
 * come from the utility's grid model on the ledger (`grid:getModel`, docs/grid.md) when the
 * community has one; the sensors, and the limits of a community without a model, from
 * `<stateDir>/telemetry/grid.json` (docs/telemetry.md, "Zones and limits"), read again whenever the
 * file changes.
 */
import { readFileSync, statSync } from 'node:fs';
import { ErrorCodes, GridLedgerError, type GridZone, type TelemetryDevice, type ZoneLimit } from '@gridledger/core';

export interface GridModel {
  limits: ZoneLimit[];
  /** Sensors by id: kind `feeder` (in its zone) or `connection` (zone: the community's id). */
  sensors: Map<string, TelemetryDevice>;
}

export interface GridModelSource {
  /** The model as it is now (cheap: called on every tick and for every sensor sample). */
  current(): GridModel;
}

const EMPTY: GridModel = { limits: [], sensors: new Map() };
const ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The file's shape: `{ "zones": [{ "zone", "importLimitW", "exportLimitW", "feederSensorId"? }],
 * "connectionSensorId"? }`. Throws TELEMETRY_MALFORMED naming the field.
 */
export function parseGridModel(value: unknown, communityId: string): GridModel {
  const bad = (field: string) => new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, `grid model: bad ${field}`, { field });
  if (typeof value !== 'object' || value === null) throw bad('document');
  const doc = value as { zones?: unknown; connectionSensorId?: unknown };
  if (!Array.isArray(doc.zones)) throw bad('zones');
  const limits: ZoneLimit[] = [];
  const sensors = new Map<string, TelemetryDevice>();
  for (const [i, z] of doc.zones.entries()) {
    const { zone, importLimitW, exportLimitW, feederSensorId } = (z ?? {}) as Record<string, unknown>;
    if (typeof zone !== 'string' || !ID.test(zone)) throw bad(`zones[${i}].zone`);
    for (const [name, v] of [
      ['importLimitW', importLimitW],
      ['exportLimitW', exportLimitW],
    ] as const)
      if (!Number.isSafeInteger(v) || (v as number) <= 0) throw bad(`zones[${i}].${name}`);
    limits.push({ zone, importLimitW: importLimitW as number, exportLimitW: exportLimitW as number });
    if (feederSensorId !== undefined) {
      if (typeof feederSensorId !== 'string' || !ID.test(feederSensorId)) throw bad(`zones[${i}].feederSensorId`);
      sensors.set(feederSensorId, { deviceId: feederSensorId, zone, kind: 'feeder' });
    }
  }
  if (doc.connectionSensorId !== undefined) {
    if (typeof doc.connectionSensorId !== 'string' || !ID.test(doc.connectionSensorId)) throw bad('connectionSensorId');
    sensors.set(doc.connectionSensorId, { deviceId: doc.connectionSensorId, zone: communityId, kind: 'connection' });
  }
  return { limits, sensors };
}

/** The file source: read again when its modification time or size changes; a bad file keeps the last good model (onError says why). */
export function fileGridModel(path: string, communityId: string, onError: (e: Error) => void = () => {}): GridModelSource {
  let model = EMPTY;
  let seen = '';
  return {
    current() {
      let stamp: string;
      try {
        const st = statSync(path);
        stamp = `${st.mtimeMs}:${st.size}`;
      } catch {
        stamp = 'none';
      }
      if (stamp === seen) return model;
      seen = stamp;
      if (stamp === 'none') return (model = EMPTY);
      try {
        model = parseGridModel(JSON.parse(readFileSync(path, 'utf8')), communityId);
      } catch (e) {
        onError(e instanceof Error ? e : new Error(String(e)));
      }
      return model;
    },
  };
}

/** The limits of the ledger's zones: every zone but the connection point (the root has no feeder of its own). */
export function limitsOf(zones: readonly GridZone[]): ZoneLimit[] {
  return zones
    .filter((z) => z.parentZoneId !== null)
    .map((z) => ({ zone: z.zoneId, importLimitW: z.importLimitW, exportLimitW: z.exportLimitW }));
}

/**
 * The ledger's grid model in force (read by `read`: undefined when the community has none) for the
 * limits, the file's sensors beside them; read again every `refreshMs` in the background, so that
 * `current()` stays cheap. Until the first read answers, or when the community has no model on the
 * ledger, the file's limits stand; a failed read keeps the last good model (onError says why).
 */
export function ledgerGridModel(
  read: () => Promise<readonly GridZone[] | undefined>,
  file: GridModelSource,
  refreshMs: number,
  onError: (e: Error) => void = () => {},
): GridModelSource & { refresh(): Promise<void>; stop(): void } {
  let limits: ZoneLimit[] | undefined;
  const refresh = async () => {
    try {
      const zones = await read();
      limits = zones === undefined ? undefined : limitsOf(zones);
    } catch (e) {
      onError(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();
  void refresh();
  return {
    current() {
      const fromFile = file.current();
      return limits === undefined ? fromFile : { limits, sensors: fromFile.sensors };
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}
