/**
 * Where the telemetry service learns the grid: each zone's feeder limits and the sensors that
 * measure the grid itself (a feeder's head per zone, the community's connection point). One
 * interface, so that it switches to the ledger's grid model (issue 22 item 1) without touching the
 * service; until then the operator keeps it in `<stateDir>/telemetry/grid.json` (docs/telemetry.md,
 * "Zones and limits"), read again whenever the file changes.
 */
import { readFileSync, statSync } from 'node:fs';
import { ErrorCodes, GridLedgerError, type TelemetryDevice, type ZoneLimit } from '@gridledger/core';

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
