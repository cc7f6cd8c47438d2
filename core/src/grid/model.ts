/**
 * A community's grid model as the utility sets it (docs/grid.md): a radial network of zones under
 * the community's connection point, each hanging off its parent zone by one feeder with export and
 * import limits in W and a loss factor in ppm. The market's zonal clearing works on the same
 * network with the limits in Wh per interval (networkOf). Pure: validation and conversion only.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds, ID_PATTERN, ID_RULE } from '../core/identity';
import { parseInstant } from '../core/units';
import { FeederZone, feederLimitWh, treeOf } from '../market/zonal-network';

/** A zone and its feeder, limits in W. The root (parentZoneId null) is the connection point: it has no feeder, its limits are ignored. */
export interface GridZone {
  zoneId: string;
  parentZoneId: string | null;
  /** Most power the feeder carries from the zone towards its parent (W). */
  exportLimitW: number;
  /** Most power the feeder carries from the parent into the zone (W). */
  importLimitW: number;
  /** Share of what the feeder carries that it loses, in parts per million. */
  lossPpm: number;
}

/** Most zones one model holds: the model is read whole by every zonal clearing page. */
export const MAX_GRID_ZONES = 200;
/** Largest feeder rating (1 TW): its Wh over a day stays far below 2^53. */
export const MAX_FEEDER_W = 1e12;

export const GRID_ZONE_FIELDS = ['zoneId', 'parentZoneId', 'exportLimitW', 'importLimitW', 'lossPpm'] as const;

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.GRID_MODEL_INVALID, message, { field });
}

function zoneOf(input: unknown, k: number): GridZone {
  const at = `zones[${k}]`;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(at, `${at} must be a JSON object`);
  const r = input as Record<string, unknown>;
  for (const f of Object.keys(r).sort())
    if (!(GRID_ZONE_FIELDS as readonly string[]).includes(f)) throw invalid(`${at}.${f}`, `${f} is not a field of a zone`);
  if (typeof r.zoneId !== 'string' || !ID_PATTERN.test(r.zoneId)) throw invalid(`${at}.zoneId`, `zoneId must be ${ID_RULE}`);
  if (r.parentZoneId !== null && (typeof r.parentZoneId !== 'string' || !ID_PATTERN.test(r.parentZoneId)))
    throw invalid(`${at}.parentZoneId`, `parentZoneId must be null (the connection point) or ${ID_RULE}`);
  const int = (f: 'exportLimitW' | 'importLimitW' | 'lossPpm', max: number): number => {
    const v = r[f];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max)
      throw invalid(`${at}.${f}`, `${f} must be an integer from 0 to ${max}`);
    return v;
  };
  return {
    zoneId: r.zoneId,
    parentZoneId: r.parentZoneId,
    exportLimitW: int('exportLimitW', MAX_FEEDER_W),
    importLimitW: int('importLimitW', MAX_FEEDER_W),
    lossPpm: int('lossPpm', 999_999),
  };
}

/**
 * The zones of a model, checked: 1 to MAX_GRID_ZONES objects of exactly the GridZone fields, one
 * root, every parent a zone of the model, no cycle; returned in zone id order. GRID_MODEL_INVALID
 * (details.field) otherwise.
 */
export function validateGridZones(input: unknown): GridZone[] {
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_GRID_ZONES)
    throw invalid('zones', `zones must be an array of 1 to ${MAX_GRID_ZONES} zones`);
  const zones = input.map(zoneOf).sort((a, b) => compareIds(a.zoneId, b.zoneId));
  try {
    treeOf(networkOf(zones, 3600));
  } catch (e) {
    if (e instanceof GridLedgerError) throw invalid('zones', e.message);
    throw e;
  }
  return zones;
}

/** The network the clearing of an interval of `intervalSeconds` works on: each limit in Wh over the interval (feederLimitWh). */
export function networkOf(zones: readonly GridZone[], intervalSeconds: number): FeederZone[] {
  return zones.map((z) => ({
    zoneId: z.zoneId,
    parentZoneId: z.parentZoneId,
    exportLimitWh: feederLimitWh(z.exportLimitW, intervalSeconds),
    importLimitWh: feederLimitWh(z.importLimitW, intervalSeconds),
    lossPpm: z.lossPpm,
  }));
}

/** The connection point of a checked model. */
export const rootZoneOf = (zones: readonly GridZone[]): string => zones.find((z) => z.parentZoneId === null)!.zoneId;

/**
 * When a change takes effect: `effectiveFrom`, a UTC instant on the market's interval grid whose
 * interval's gate has not closed at `nowSeconds` (so no interval that may already be closed or
 * cleared changes its network); GRID_MODEL_INVALID (field effectiveFrom) otherwise. Returns its epoch seconds.
 */
export function gridEffectiveFrom(
  text: unknown,
  nowSeconds: number,
  market: { intervalSeconds: number; gateClosureSeconds: number },
): number {
  const seconds = typeof text === 'string' ? parseInstant(text) : undefined;
  if (seconds === undefined || seconds % market.intervalSeconds !== 0)
    throw invalid('effectiveFrom', `effectiveFrom must be a UTC instant on the market's ${market.intervalSeconds} s interval grid`);
  if (seconds - market.gateClosureSeconds <= nowSeconds)
    throw invalid('effectiveFrom', 'effectiveFrom must be a future interval whose gate has not closed');
  return seconds;
}
