/**
 * Batteries on the ledger (docs/storage.md): a battery provider registers its own, with a meter of
 * its own in the battery's community and a zone of the community's grid model (when it has one);
 * anyone with a role lists and searches them; the provider (or the Community's device bridge)
 * reports the state of charge.
 */
import { Context } from 'fabric-contract-api';
import {
  batteryAssetFault,
  canonicalJson,
  ErrorCodes,
  GridLedgerError,
  PPM,
  SearchHit,
  searchBatteries,
  storageInteger,
  storageId,
  storageInvalid,
  validateBattery,
  validateSearch,
} from '@gridledger/core';
import { actorOf, Caller, requireRole } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { loadMeter, loadParticipant } from '../registry';
import { loadAsset } from '../energy/assets';
import { requireKnownZone } from '../grid/store';
import { readCache, ReadCache } from '../read-cache';
import {
  BatteryRecord,
  batteryKey,
  dayKeysOver,
  loadBattery,
  putStateOfCharge,
  reservationsOver,
  StateOfCharge,
  stateOfCharge,
} from './store';

const STORAGE_INPUT_INVALID = ErrorCodes.STORAGE_INPUT_INVALID;

/**
 * Who a registration is for: a battery provider registers for itself; an operator for a battery
 * provider of its own MSP, named by `providerId` (as it registers meters for participants).
 */
async function providerOf(ctx: Context, caller: Caller, named: unknown): Promise<string> {
  if (caller.role === 'battery-provider') {
    if (caller.participantId === undefined || (named !== undefined && named !== caller.participantId)) {
      throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'a battery provider registers batteries for itself only');
    }
    return caller.participantId;
  }
  const providerId = storageId(named, 'providerId');
  const participant = await loadParticipant(ctx, providerId);
  if (participant.role !== 'battery-provider') throw storageInvalid('providerId', `participant ${providerId} is not a battery provider`);
  if (participant.mspId !== caller.mspId) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `participant ${providerId} belongs to ${participant.mspId}`, { providerId });
  }
  return providerId;
}

/** The terms of registerBattery (and `providerId` from an operator); a retry with the same terms returns the battery (`replayed`). */
export async function registerBattery(ctx: Context, request: string): Promise<{ battery: BatteryRecord; replayed: boolean }> {
  const caller = requireRole(ctx, ['battery-provider', 'operator'], 'registering a battery');
  const { providerId: named, ...input } = parseObjectArgument(request, 'the battery');
  const terms = validateBattery(input);
  const provider = await providerOf(ctx, caller, named);
  const existing = await getRecord<BatteryRecord>(ctx, batteryKey(ctx, terms.batteryId));
  if (existing !== undefined) {
    const { providerId, registeredAt: _at, txId: _tx, assetLink, ...stored } = existing;
    // A battery linked after its registration: a retry of the registration without the asset still matches.
    if (assetLink !== undefined && terms.assetId === undefined) delete stored.assetId;
    if (providerId === provider && canonicalJson(stored) === canonicalJson(terms)) return { battery: existing, replayed: true };
    throw new GridLedgerError(ErrorCodes.BATTERY_EXISTS, `battery ${terms.batteryId} is registered already`, {
      batteryId: terms.batteryId,
    });
  }
  const meter = await loadMeter(ctx, terms.meterId);
  if (meter.participantId !== provider) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `meter ${terms.meterId} is not the provider's`, { meterId: terms.meterId });
  }
  if (!meter.active || meter.communityId !== terms.communityId) {
    throw storageInvalid('meterId', `meter ${terms.meterId} must be active and in community ${terms.communityId}`);
  }
  await requireKnownZone(ctx, terms.communityId, terms.zone, txSeconds(ctx));
  const battery: BatteryRecord = { ...terms, providerId: provider, registeredAt: txInstant(ctx), txId: ctx.stub.getTxID() };
  if (terms.assetId !== undefined) await claimAsset(ctx, battery, terms.assetId);
  await putRecord(ctx, batteryKey(ctx, terms.batteryId), battery);
  await putRecord(ctx, key(ctx, KeyTypes.batteryAt, terms.communityId, terms.zone, terms.batteryId), { batteryId: terms.batteryId });
  setEvent(ctx, 'BatteryRegistered', {
    batteryId: terms.batteryId,
    providerId: provider,
    communityId: terms.communityId,
    zone: terms.zone,
  });
  return { battery, replayed: false };
}

/**
 * The battery's certificates' storage asset (docs/storage.md, "Certificates"): a storage asset
 * verified by the regulator, of the battery's provider, on the battery's meter, and no other
 * battery's. Writes the asset's link to the battery (batteryAsset~assetId).
 */
async function claimAsset(ctx: Context, battery: BatteryRecord, assetId: string): Promise<void> {
  const asset = await loadAsset(ctx, assetId);
  const reason = batteryAssetFault(battery, { ...asset, verified: asset.verification !== null });
  if (reason !== undefined) {
    throw new GridLedgerError(
      ErrorCodes.BATTERY_ASSET_INVALID,
      `asset ${assetId} is not a regulator-verified storage asset of ${battery.providerId} on meter ${battery.meterId} (${reason})`,
      { assetId, reason },
    );
  }
  const k = key(ctx, KeyTypes.batteryAsset, assetId);
  const other = await getRecord<{ batteryId: string }>(ctx, k);
  if (other !== undefined && other.batteryId !== battery.batteryId) {
    throw new GridLedgerError(ErrorCodes.BATTERY_ASSET_LINKED, `asset ${assetId} is battery ${other.batteryId}'s`, {
      assetId,
      batteryId: other.batteryId,
    });
  }
  await putRecord(ctx, k, { batteryId: battery.batteryId });
}

/** The battery a storage asset is linked to, if any. */
export const batteryOfAsset = async (ctx: Context, assetId: string): Promise<BatteryRecord | undefined> => {
  const link = await getRecord<{ batteryId: string }>(ctx, key(ctx, KeyTypes.batteryAsset, assetId));
  return link === undefined ? undefined : loadBattery(ctx, link.batteryId);
};

/**
 * `{ assetId }` for a battery registered without one: its provider, or an operator of the
 * provider's MSP. Once: the same asset again returns the battery (`replayed`), another is
 * BATTERY_ASSET_LINKED.
 */
export async function linkBatteryAsset(
  ctx: Context,
  batteryId: string,
  request: string,
): Promise<{ battery: BatteryRecord; replayed: boolean }> {
  const caller = requireRole(ctx, ['battery-provider', 'operator'], "linking a battery's storage asset");
  const battery = await loadBattery(ctx, checkId(batteryId, 'batteryId', STORAGE_INPUT_INVALID));
  const input = parseObjectArgument(request, 'the link');
  if (Object.keys(input).some((f) => f !== 'assetId')) throw storageInvalid('assetId', 'the request is { assetId }');
  const assetId = storageId(input.assetId, 'assetId');
  if (
    caller.role === 'battery-provider'
      ? caller.participantId !== battery.providerId
      : (await loadParticipant(ctx, battery.providerId)).mspId !== caller.mspId
  ) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "a battery's provider or an operator of its organization links its asset", {
      batteryId,
    });
  }
  if (battery.assetId === assetId) return { battery, replayed: true };
  if (battery.assetId !== undefined) {
    throw new GridLedgerError(ErrorCodes.BATTERY_ASSET_LINKED, `battery ${batteryId} names asset ${battery.assetId}`, {
      batteryId,
      assetId: battery.assetId,
    });
  }
  const linked: BatteryRecord = {
    ...battery,
    assetId,
    assetLink: { linkedAt: txInstant(ctx), linkedBy: actorOf(ctx, caller), txId: ctx.stub.getTxID() },
  };
  await claimAsset(ctx, linked, assetId);
  await putRecord(ctx, batteryKey(ctx, batteryId), linked);
  setEvent(ctx, 'BatteryAssetLinked', { batteryId, assetId, providerId: battery.providerId });
  return { battery: linked, replayed: false };
}

export async function getBattery(ctx: Context, batteryId: string): Promise<BatteryRecord & { stateOfCharge: StateOfCharge | null }> {
  requireRole(ctx, 'any', 'reading a battery');
  const battery = await loadBattery(ctx, checkId(batteryId, 'batteryId', STORAGE_INPUT_INVALID));
  return { ...battery, stateOfCharge: (await stateOfCharge(ctx, batteryId)) ?? null };
}

/** The batteries of a community (of one zone when `zone` is not ''), by zone and id; `cache` fetches their records in one read. */
async function batteriesIn(ctx: Context, communityId: string, zone: string, cache?: ReadCache): Promise<BatteryRecord[]> {
  const ids = await listRecords<{ batteryId: string }>(ctx, KeyTypes.batteryAt, zone === '' ? [communityId] : [communityId, zone]);
  await cache?.prefetch(ids.map(({ batteryId }) => batteryKey(ctx, batteryId)));
  const out: BatteryRecord[] = [];
  for (const { batteryId } of ids) out.push(await loadBattery(cache?.ctx ?? ctx, batteryId));
  return out;
}

export async function listBatteries(ctx: Context, communityId: string): Promise<{ batteries: BatteryRecord[] }> {
  requireRole(ctx, 'any', 'listing batteries');
  return { batteries: await batteriesIn(ctx, checkId(communityId, 'communityId', STORAGE_INPUT_INVALID), '') };
}

/** `{ communityId?, zone?, minFreeWh?, from?, to?, max prices?, latitudeMicro?, longitudeMicro?, radiusM?, limit? }`. */
export async function findBatteries(ctx: Context, request: string): Promise<{ hits: SearchHit[] }> {
  requireRole(ctx, 'any', 'searching batteries');
  const search = validateSearch(parseObjectArgument(request, 'the search'));
  // The batteries' records and their days' reservations are fetched ahead, a thousand keys a round trip.
  const cache = readCache(ctx);
  const batteries =
    search.communityId !== undefined
      ? await batteriesIn(ctx, search.communityId, search.zone ?? '', cache)
      : await listRecords<BatteryRecord>(ctx, KeyTypes.battery, []);
  const window = search.window;
  if (window !== undefined) await cache.prefetch(batteries.flatMap((b) => dayKeysOver(ctx, b.batteryId, window)));
  const candidates = [];
  for (const battery of batteries) {
    candidates.push({
      battery,
      reservations: window === undefined ? [] : await reservationsOver(cache.ctx, battery.batteryId, window),
    });
  }
  return { hits: searchBatteries(search, candidates) };
}

/** `{ socWh }` by the battery's provider, or the Community's device bridge or operator, as of the transaction's time. */
export async function reportStateOfCharge(ctx: Context, batteryId: string, request: string): Promise<StateOfCharge> {
  const caller = requireRole(ctx, ['battery-provider', 'meter-bridge', 'operator'], 'reporting a state of charge');
  const battery = await loadBattery(ctx, checkId(batteryId, 'batteryId', STORAGE_INPUT_INVALID));
  const own = caller.role === 'battery-provider' && caller.participantId === battery.providerId;
  const community = caller.role !== 'battery-provider' && caller.mspId === 'CommunityMSP';
  if (!own && !community) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      "the battery's provider, the Community's bridge or operator reports its state of charge",
      {
        batteryId,
      },
    );
  }
  const input = parseObjectArgument(request, 'the state of charge');
  if (Object.keys(input).some((f) => f !== 'socWh')) throw storageInvalid('socWh', 'the request is { socWh }');
  const socWh = storageInteger(input.socWh, 'socWh', 0, battery.capacityWh);
  const soc: StateOfCharge = {
    batteryId,
    socWh,
    socPpm: Number((BigInt(socWh) * BigInt(PPM)) / BigInt(battery.capacityWh)),
    reportedAt: txInstant(ctx),
    reportedBy: actorOf(ctx, caller),
    txId: ctx.stub.getTxID(),
  };
  await putStateOfCharge(ctx, soc);
  // The provider names whose battery it is (event-visibility: a household sees its own batteries' reports only).
  setEvent(ctx, 'BatteryStateOfCharge', { ...soc, providerId: battery.providerId });
  return soc;
}
