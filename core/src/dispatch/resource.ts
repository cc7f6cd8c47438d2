/**
 * A flexible resource (docs/dispatch.md): a battery or an EV charger its owner registered with
 * limits the owner signed (their own Fabric transaction), and the parsing of a registration.
 * Energy in Wh, power in W, instants as the architecture spells them; integers only.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN } from '../core/identity';
import { formatInstant, parseInstant } from '../core/units';

export const RESOURCE_KINDS = ['battery', 'ev'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** What the owner allows: never more power than maxPowerW, never below minSocWh, an EV full enough by its departure. */
export interface FlexLimits {
  /** The most the device may be asked to change its power by, either way (W). */
  maxPowerW: number;
  /** The energy the device's battery holds when full (Wh). */
  capacityWh: number;
  /** A battery is never discharged below this (Wh); an EV's is 0. */
  minSocWh: number;
  /** An EV leaves at this instant (null for a battery); no setpoint reaches past it. */
  departureAt: string | null;
  /** An EV holds at least this much at departure (Wh; null for a battery). */
  targetWh: number | null;
}

export interface ResourceRegistration extends FlexLimits {
  resourceId: string;
  communityId: string;
  kind: ResourceKind;
  /** The owner's meter the device sits behind: its telemetry shows what the device delivered. */
  meterId: string;
  /** The battery's state of charge as the owner registers it (Wh); devices report it again with each acknowledgement. */
  socWh: number;
}

/** A resource as the ledger keeps it. */
export interface FlexResource extends ResourceRegistration {
  ownerId: string;
  /** The zone of its meter's site ('unzoned' without one), where it relieves a feeder. */
  zone: string;
  registeredAt: string;
  updatedAt: string;
  /** Acknowledgement timeouts in a row; a device that acknowledges again starts from 0. */
  missedAcks: number;
}

/** Bounds of every figure, so that products stay exact integers. */
export const MAX_RESOURCE_POWER_W = 10_000_000;
export const MAX_RESOURCE_CAPACITY_WH = 100_000_000;

const REGISTRATION_FIELDS = [
  'resourceId',
  'communityId',
  'kind',
  'meterId',
  'maxPowerW',
  'capacityWh',
  'minSocWh',
  'socWh',
  'departureAt',
  'targetWh',
] as const;

const invalid = (field: string, message: string) => new GridLedgerError(ErrorCodes.RESOURCE_INVALID, message, { field });

function intIn(input: Record<string, unknown>, field: string, min: number, max: number): number {
  const v = input[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw invalid(field, `${field} must be an integer in [${min}, ${max}]`);
  return v;
}

function idOf(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) throw invalid(field, `${field} must be an id`);
  return v;
}

/** A registration or a change of limits, checked field by field (RESOURCE_INVALID with details.field). */
export function parseRegistration(input: unknown): ResourceRegistration {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('resource', 'the resource must be an object');
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(REGISTRATION_FIELDS as readonly string[]).includes(k)) throw invalid(k, `unknown field ${k}`);
  const kind = o.kind;
  if (kind !== 'battery' && kind !== 'ev') throw invalid('kind', 'kind must be battery or ev');
  const capacityWh = intIn(o, 'capacityWh', 1, MAX_RESOURCE_CAPACITY_WH);
  const minSocWh = intIn(o, 'minSocWh', 0, capacityWh);
  const socWh = intIn(o, 'socWh', 0, capacityWh);
  let departureAt: string | null = null;
  let targetWh: number | null = null;
  if (kind === 'ev') {
    if (typeof o.departureAt !== 'string' || parseInstant(o.departureAt) === undefined)
      throw invalid('departureAt', 'an EV needs departureAt, a UTC instant');
    departureAt = o.departureAt;
    targetWh = intIn(o, 'targetWh', 0, capacityWh);
  } else if ((o.departureAt ?? null) !== null || (o.targetWh ?? null) !== null) {
    throw invalid(o.departureAt != null ? 'departureAt' : 'targetWh', 'a battery has no departure and no target');
  }
  return {
    resourceId: idOf(o, 'resourceId'),
    communityId: idOf(o, 'communityId'),
    kind,
    meterId: idOf(o, 'meterId'),
    maxPowerW: intIn(o, 'maxPowerW', 1, MAX_RESOURCE_POWER_W),
    capacityWh,
    minSocWh,
    socWh,
    departureAt,
    targetWh,
  };
}

/** Seconds since the epoch of an instant known to be valid. */
export const secondsOf = (instant: string): number => parseInstant(instant) as number;
export { formatInstant };
