/**
 * The grid model of each community on the ledger (docs/grid.md): every change of the utility is a
 * version in force from its effectiveFrom until the next one's, chained like the market parameters
 * (gridModel~community~effectiveFrom with the one before, gridModelLatest~community), and kept with
 * its author and time (gridModelChange~community~number). Changes are rare and each community's
 * keys are written only by its utility's changes: no hot key.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, GridZone, parseInstant } from '@gridledger/core';
import { key, KeyTypes } from '../keys';
import { getRecord } from '../ledger';

/** A version of a community's grid model: in force from `effectiveFrom` until the next version's. */
export interface GridModelVersion {
  communityId: string;
  effectiveFrom: string;
  zones: GridZone[];
  /** The version before (null for the community's first). */
  previousFrom: string | null;
  /** The change that wrote this version (numbered from 1 per community). */
  number: number;
  changedBy: string;
  mspId: string;
  changedAt: string;
  txId: string;
}

export const latestModelKey = (ctx: Context, communityId: string): string => key(ctx, KeyTypes.gridModelLatest, communityId);
export const modelKey = (ctx: Context, communityId: string, effectiveFrom: string): string =>
  key(ctx, KeyTypes.gridModel, communityId, effectiveFrom);

export const latestModel = (ctx: Context, communityId: string): Promise<GridModelVersion | undefined> =>
  getRecord<GridModelVersion>(ctx, latestModelKey(ctx, communityId));

/** The version in force for an interval starting at `seconds`: the latest, walked back one point read per version; undefined: none. */
export async function modelAt(ctx: Context, communityId: string, seconds: number): Promise<GridModelVersion | undefined> {
  let version = await latestModel(ctx, communityId);
  while (version !== undefined && parseInstant(version.effectiveFrom)! > seconds) {
    version =
      version.previousFrom === null ? undefined : await getRecord<GridModelVersion>(ctx, modelKey(ctx, communityId, version.previousFrom));
  }
  return version;
}

/**
 * A site or asset of a community with a grid model must name one of its zones (ZONE_UNKNOWN): a
 * zone of the latest version or of the one in force now. A community without a model takes any.
 */
export async function requireKnownZone(ctx: Context, communityId: string, zone: string, nowSeconds: number): Promise<void> {
  const latest = await latestModel(ctx, communityId);
  if (latest === undefined || latest.zones.some((z) => z.zoneId === zone)) return;
  const now = await modelAt(ctx, communityId, nowSeconds);
  if (now?.zones.some((z) => z.zoneId === zone)) return;
  throw new GridLedgerError(ErrorCodes.ZONE_UNKNOWN, `zone ${zone} is not a zone of the grid model of community ${communityId}`, {
    zone,
    communityId,
  });
}
