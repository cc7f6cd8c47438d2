/**
 * The grid model's Fabric contract (namespace `grid`, docs/grid.md): the utility sets a
 * community's radial network of zones and feeders from a future interval; anyone with a role reads
 * the model in force at an interval; the operator, the utility and the regulator read every version
 * with its author. The rules are the core's (validateGridZones, gridEffectiveFrom).
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { ErrorCodes, formatInstant, GridLedgerError, gridEffectiveFrom, parseInstant, validateGridZones } from '@gridledger/core';
import { actorOf, requireRole, requireUtility } from '../access';
import { checkFields, checkId, instantOf, parseObjectArgument } from '../args';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { respond } from '../respond';
import { paramsFor } from '../market/params';
import { GridModelVersion, latestModel, latestModelKey, modelAt, modelKey } from './store';
import { changeIslandMode, getIsland } from './island';
import { listSheddings, orderShedding } from './shedding';
import { getIntervalZones } from './interval-zones';

/** `{ zones, effectiveFrom }` by the utility of UtilityMSP: a new version from a future interval of the community's market. */
async function setModel(ctx: Context, communityId: string, request: string): Promise<GridModelVersion> {
  const caller = requireUtility(ctx, 'changing the grid model');
  checkId(communityId, 'communityId');
  const input = parseObjectArgument(request, 'the grid model');
  checkFields(input, ['zones', 'effectiveFrom']);
  const zones = validateGridZones(input.zones);
  const now = txSeconds(ctx);
  const named = typeof input.effectiveFrom === 'string' ? parseInstant(input.effectiveFrom) : undefined;
  const from = formatInstant(gridEffectiveFrom(input.effectiveFrom, now, await paramsFor(ctx, communityId, named ?? now)));
  const latest = await latestModel(ctx, communityId);
  // Two changes from the same interval: the later replaces the earlier (both stay in the change history).
  const previousFrom = latest === undefined ? null : latest.effectiveFrom === from ? latest.previousFrom : latest.effectiveFrom;
  if (previousFrom !== null && parseInstant(previousFrom)! > parseInstant(from)!) {
    throw new GridLedgerError(
      ErrorCodes.GRID_MODEL_INVALID,
      `a version from ${previousFrom} is set already: a change takes effect after it`,
      {
        field: 'effectiveFrom',
      },
    );
  }
  const version: GridModelVersion = {
    communityId,
    effectiveFrom: from,
    zones,
    previousFrom,
    number: (latest?.number ?? 0) + 1,
    changedBy: actorOf(ctx, caller),
    mspId: caller.mspId,
    changedAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, modelKey(ctx, communityId, from), version);
  await putRecord(ctx, latestModelKey(ctx, communityId), version);
  await putRecord(ctx, key(ctx, KeyTypes.gridModelChange, communityId, seqKeyPart(version.number)), version);
  setEvent(ctx, 'GridModelChanged', version);
  return version;
}

/** The version in force for the interval at `at` ('' for now), or GRID_MODEL_NOT_FOUND. */
async function getModel(ctx: Context, communityId: string, at: string): Promise<GridModelVersion> {
  requireRole(ctx, 'any', 'reading the grid model');
  checkId(communityId, 'communityId');
  const seconds = at ? instantOf(at, 'at') : txSeconds(ctx);
  const version = await modelAt(ctx, communityId, seconds);
  if (version === undefined)
    throw new GridLedgerError(
      ErrorCodes.GRID_MODEL_NOT_FOUND,
      `community ${communityId} has no grid model in force at ${formatInstant(seconds)}`,
      {
        communityId,
      },
    );
  return version;
}

/** Every change of the community's model, oldest first, with its author and time. */
async function listVersions(ctx: Context, communityId: string): Promise<{ versions: GridModelVersion[] }> {
  requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading the versions of the grid model');
  checkId(communityId, 'communityId');
  return { versions: await listRecords<GridModelVersion>(ctx, KeyTypes.gridModelChange, [communityId]) };
}

@Info({ title: 'grid', description: "The community's grid model: zones, feeders, limits and losses, versioned" })
export class GridContract extends Contract {
  constructor() {
    super('grid');
  }

  @Transaction()
  @Returns('string')
  async setModel(ctx: Context, communityId: string, request: string): Promise<string> {
    return respond(ctx, 'setModel', () => setModel(ctx, communityId, request));
  }

  @Transaction(false)
  @Returns('string')
  async getModel(ctx: Context, communityId: string, at: string): Promise<string> {
    return respond(ctx, 'getModel', () => getModel(ctx, communityId, at));
  }

  @Transaction(false)
  @Returns('string')
  async listVersions(ctx: Context, communityId: string): Promise<string> {
    return respond(ctx, 'listVersions', () => listVersions(ctx, communityId));
  }

  @Transaction()
  @Returns('string')
  async changeIsland(ctx: Context, communityId: string, request: string): Promise<string> {
    return respond(ctx, 'changeIsland', () => changeIslandMode(ctx, communityId, request));
  }

  @Transaction(false)
  @Returns('string')
  async getIsland(ctx: Context, communityId: string, at: string): Promise<string> {
    return respond(ctx, 'getIsland', () => getIsland(ctx, communityId, at));
  }

  @Transaction()
  @Returns('string')
  async orderShedding(ctx: Context, communityId: string, request: string): Promise<string> {
    return respond(ctx, 'orderShedding', () => orderShedding(ctx, communityId, request));
  }

  @Transaction(false)
  @Returns('string')
  async listSheddings(ctx: Context, communityId: string): Promise<string> {
    return respond(ctx, 'listSheddings', () => listSheddings(ctx, communityId));
  }

  @Transaction(false)
  @Returns('string')
  async getIntervalZones(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getIntervalZones', () => getIntervalZones(ctx, communityId, intervalStart));
  }
}
