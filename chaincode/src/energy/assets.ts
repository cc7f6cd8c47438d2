import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  AssetRecordEntry,
  AssetRegistration,
  ConsumerPreferences,
  ErrorCodes,
  GridLedgerError,
  MeteredAsset,
  MeterRecord,
  SiteRegistration,
  validateAsset,
  validateAssetRecord,
  validatePreferences,
  validateSite,
} from '@gridledger/core';
import { actorOf, Caller, requireOwnRecords, requireRegulator, requireRole } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { respond } from '../respond';
import { loadMeter, loadParticipant } from '../registry';
import { openIssuer } from '../certificates/store';
import { requireKnownZone } from '../grid/store';
import { indexAsset } from '../lists/indexes';

export interface SiteRecord extends SiteRegistration {
  mspId: string;
  registeredAt: string;
  registeredBy: string;
}

/** A maintenance or inspection record as kept: `number` counts the asset's records from 1, in commit order. */
export type RecordedEntry = AssetRecordEntry & { number: number; txId: string; recordedAt: string };

export interface AssetRecord extends AssetRegistration {
  mspId: string;
  registeredAt: string;
  registeredBy: string;
  /** Set by the regulator; only a verified asset may back certificates. */
  verification: { verifiedBy: string; verifiedAt: string; txId: string } | null;
  /** The latest maintenance or inspection entry (every entry is kept under its own key). */
  lastRecord: RecordedEntry | null;
}

/** A prosumer or consumer acts for itself; an operator for participants of its own MSP. */
async function authorizeFor(ctx: Context, caller: Caller, participantId: string, action: string): Promise<void> {
  if ((caller.role === 'prosumer' || caller.role === 'consumer') && caller.participantId !== participantId) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `a ${caller.role} may ${action} for itself only`, { participantId });
  }
  const participant = await loadParticipant(ctx, participantId);
  if (participant.mspId !== caller.mspId) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      `participant ${participantId} belongs to ${participant.mspId}, not ${caller.mspId}`,
      { participantId },
    );
  }
}

/** One version of an asset record, as the history of the asset answers it. */
interface AssetVersion {
  txId: string;
  timestamp: number;
  isDelete: false;
  value: AssetRecord;
}

/**
 * Writes the asset record and its next version, assetVersion~asset~number: the asset's history.
 * The peers keep no history database (it grows with every write of every key, readings too, and
 * its compaction with it: docs/bounded-state.md), so the history is records of its own. Every
 * writer of an asset also writes its record, so counting the versions adds no conflict.
 */
async function putAsset(ctx: Context, record: AssetRecord): Promise<void> {
  const number = (await listRecords<AssetVersion>(ctx, KeyTypes.assetVersion, [record.assetId])).length + 1;
  const version: AssetVersion = { txId: ctx.stub.getTxID(), timestamp: txSeconds(ctx), isDelete: false, value: record };
  await putRecord(ctx, key(ctx, KeyTypes.assetVersion, record.assetId, seqKeyPart(number)), version);
  await putRecord(ctx, key(ctx, KeyTypes.asset, record.assetId), record);
}

export async function loadAsset(ctx: Context, assetId: string): Promise<AssetRecord> {
  const asset = await getRecord<AssetRecord>(ctx, key(ctx, KeyTypes.asset, assetId));
  if (asset === undefined) throw new GridLedgerError(ErrorCodes.ASSET_NOT_FOUND, `no asset ${assetId} is registered`, { assetId });
  return asset;
}

/** Sites with their connection capacity, generation assets, consumer preferences. */
@Info({ title: 'assets', description: 'Sites, generation assets and consumer preferences' })
export class AssetsContract extends Contract {
  constructor() {
    super('assets');
  }

  /** `{ siteId, participantId, connectionCapacityW, zone, feeder? }`, by the participant or an operator of its MSP. */
  @Transaction()
  @Returns('string')
  async registerSite(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'registerSite', async () => {
      const caller = requireRole(ctx, ['prosumer', 'consumer', 'operator'], 'registering a site');
      const site = validateSite(parseObjectArgument(request, 'the site'));
      await authorizeFor(ctx, caller, site.participantId, 'register sites');
      const siteKey = key(ctx, KeyTypes.site, site.siteId);
      if ((await getRecord(ctx, siteKey)) !== undefined)
        throw new GridLedgerError(ErrorCodes.ASSET_EXISTS, `site ${site.siteId} is already registered`, { siteId: site.siteId });
      const record: SiteRecord = { ...site, mspId: caller.mspId, registeredAt: txInstant(ctx), registeredBy: actorOf(ctx, caller) };
      await putRecord(ctx, siteKey, record);
      await putRecord(ctx, key(ctx, KeyTypes.siteByParticipant, site.participantId, site.siteId), { siteId: site.siteId });
      return record;
    });
  }

  /** Attaches a meter of the site's participant to the site: its import is then limited by the connection capacity. */
  @Transaction()
  @Returns('string')
  async attachMeter(ctx: Context, meterId: string, siteId: string): Promise<string> {
    return respond(ctx, 'attachMeter', async () => {
      const caller = requireRole(ctx, ['prosumer', 'consumer', 'operator'], 'attaching a meter to a site');
      const site = await getRecord<SiteRecord>(ctx, key(ctx, KeyTypes.site, checkId(siteId, 'siteId')));
      if (site === undefined) throw new GridLedgerError(ErrorCodes.ASSET_NOT_FOUND, `no site ${siteId} is registered`, { siteId });
      const meter = await loadMeter(ctx, checkId(meterId, 'meterId'));
      if (meter.participantId !== site.participantId) {
        throw new GridLedgerError(ErrorCodes.ASSET_INVALID, `meter ${meterId} and site ${siteId} belong to different participants`, {
          field: 'siteId',
        });
      }
      await authorizeFor(ctx, caller, site.participantId, 'attach meters');
      await requireKnownZone(ctx, meter.communityId, site.zone, txSeconds(ctx));
      const record: MeterRecord = { ...meter, siteId: site.siteId, zone: site.zone, importCapacityW: site.connectionCapacityW };
      await putRecord(ctx, key(ctx, KeyTypes.meter, meter.meterId), record);
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async listSites(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'listSites', async () => {
      requireOwnRecords(requireRole(ctx, 'any', 'listing sites'), checkId(participantId, 'participantId'), 'list sites');
      const ids = await listRecords<{ siteId: string }>(ctx, KeyTypes.siteByParticipant, [participantId]);
      const out: SiteRecord[] = [];
      for (const { siteId } of ids) out.push((await getRecord<SiteRecord>(ctx, key(ctx, KeyTypes.site, siteId)))!);
      return out;
    });
  }

  /**
   * A generation asset behind one of the participant's meters. The meter's export limit becomes
   * the sum of its assets' capacities.
   */
  @Transaction()
  @Returns('string')
  async registerAsset(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'registerAsset', async () => {
      const caller = requireRole(ctx, ['prosumer', 'operator'], 'registering an asset');
      const asset = validateAsset(parseObjectArgument(request, 'the asset'));
      await authorizeFor(ctx, caller, asset.participantId, 'register assets');
      const assetKey = key(ctx, KeyTypes.asset, asset.assetId);
      if ((await getRecord(ctx, assetKey)) !== undefined)
        throw new GridLedgerError(ErrorCodes.ASSET_EXISTS, `asset ${asset.assetId} is already registered`, { assetId: asset.assetId });
      const meter = await loadMeter(ctx, asset.meterId);
      if (meter.participantId !== asset.participantId) {
        throw new GridLedgerError(ErrorCodes.ASSET_INVALID, `meter ${asset.meterId} does not belong to ${asset.participantId}`, {
          field: 'meterId',
        });
      }
      if (meter.kind === 'consumption')
        throw new GridLedgerError(ErrorCodes.ASSET_INVALID, `meter ${asset.meterId} is a consumption meter`, { field: 'meterId' });
      await requireKnownZone(ctx, meter.communityId, asset.zone, txSeconds(ctx));
      const record: AssetRecord = {
        ...asset,
        mspId: caller.mspId,
        registeredAt: txInstant(ctx),
        registeredBy: actorOf(ctx, caller),
        verification: null,
        lastRecord: null,
      };
      await putAsset(ctx, record);
      await putRecord(ctx, key(ctx, KeyTypes.assetByParticipant, asset.participantId, asset.assetId), { assetId: asset.assetId });
      const metered: MeteredAsset = { assetId: asset.assetId, meterId: asset.meterId, source: asset.source, capacityW: asset.capacityW };
      await putRecord(ctx, key(ctx, KeyTypes.assetByMeter, asset.meterId, asset.assetId), metered);
      const others = await listRecords<MeteredAsset>(ctx, KeyTypes.assetByMeter, [asset.meterId]);
      const exportCapacityW = others.reduce((s, a) => s + a.capacityW, 0) + asset.capacityW;
      await putRecord(ctx, key(ctx, KeyTypes.meter, meter.meterId), { ...meter, exportCapacityW });
      await indexAsset(ctx, meter.communityId, asset.assetId, false);
      setEvent(ctx, 'AssetRegistered', record);
      return record;
    });
  }

  /** The regulator verifies an asset (a RegulatorMSP identity with role regulator) and opens its certificate issuance cursor. */
  @Transaction()
  @Returns('string')
  async verifyAsset(ctx: Context, assetId: string): Promise<string> {
    return respond(ctx, 'verifyAsset', async () => {
      const caller = requireRegulator(ctx, 'verifying an asset');
      const asset = await loadAsset(ctx, checkId(assetId, 'assetId'));
      if (asset.verification !== null) return asset;
      const record: AssetRecord = {
        ...asset,
        verification: { verifiedBy: actorOf(ctx, caller), verifiedAt: txInstant(ctx), txId: ctx.stub.getTxID() },
      };
      await putAsset(ctx, record);
      await indexAsset(ctx, (await loadMeter(ctx, asset.meterId)).communityId, asset.assetId, true);
      // The issuance cursor, with the key-level policy that makes every issuance need the Regulator's peer.
      await openIssuer(ctx, asset.assetId, actorOf(ctx, caller));
      setEvent(ctx, 'AssetVerified', { assetId: asset.assetId, participantId: asset.participantId, verification: record.verification });
      return record;
    });
  }

  /** `{ kind: maintenance|inspection, performedOn, note, documentHash? }` by the asset's producer or an operator of its MSP. */
  @Transaction()
  @Returns('string')
  async addAssetRecord(ctx: Context, assetId: string, entry: string): Promise<string> {
    return respond(ctx, 'addAssetRecord', async () => {
      const caller = requireRole(ctx, ['prosumer', 'operator'], 'recording maintenance');
      const asset = await loadAsset(ctx, checkId(assetId, 'assetId'));
      await authorizeFor(ctx, caller, asset.participantId, 'record maintenance');
      const txId = ctx.stub.getTxID();
      // Numbered by the asset record, which each one rewrites: the transaction's timestamp is the
      // submitter's, in whole seconds, and its id is random, so neither orders two records.
      const number = (asset.lastRecord?.number ?? 0) + 1;
      const lastRecord: RecordedEntry = {
        ...validateAssetRecord(parseObjectArgument(entry, 'the record')),
        number,
        txId,
        recordedAt: txInstant(ctx),
      };
      await putRecord(ctx, key(ctx, KeyTypes.assetRecord, asset.assetId, seqKeyPart(number)), lastRecord);
      const record: AssetRecord = { ...asset, lastRecord };
      await putAsset(ctx, record);
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async getAsset(ctx: Context, assetId: string): Promise<string> {
    return respond(ctx, 'getAsset', async () => {
      const caller = requireRole(ctx, 'any', 'reading an asset');
      const asset = await loadAsset(ctx, checkId(assetId, 'assetId'));
      requireOwnRecords(caller, asset.participantId, 'read assets');
      return { ...asset, records: await listRecords<RecordedEntry>(ctx, KeyTypes.assetRecord, [asset.assetId]) };
    });
  }

  /**
   * Every version of the asset record, oldest first, with the transaction that wrote it. Versions
   * written before the history moved to records of its own (a ledger from before the change) are
   * not listed: they stay in the block store.
   */
  @Transaction(false)
  @Returns('string')
  async getAssetHistory(ctx: Context, assetId: string): Promise<string> {
    return respond(ctx, 'getAssetHistory', async () => {
      const caller = requireRole(ctx, 'any', 'reading an asset history');
      requireOwnRecords(caller, (await loadAsset(ctx, checkId(assetId, 'assetId'))).participantId, 'read asset histories');
      return listRecords<AssetVersion>(ctx, KeyTypes.assetVersion, [assetId]);
    });
  }

  @Transaction(false)
  @Returns('string')
  async listAssets(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'listAssets', async () => {
      requireOwnRecords(requireRole(ctx, 'any', 'listing assets'), checkId(participantId, 'participantId'), 'list assets');
      const ids = await listRecords<{ assetId: string }>(ctx, KeyTypes.assetByParticipant, [participantId]);
      const out: AssetRecord[] = [];
      for (const { assetId } of ids) out.push(await loadAsset(ctx, assetId));
      return out;
    });
  }

  /** `{ sources: [...], locality }` for later matching, by the participant or an operator of its MSP. */
  @Transaction()
  @Returns('string')
  async setPreferences(ctx: Context, participantId: string, preferences: string): Promise<string> {
    return respond(ctx, 'setPreferences', async () => {
      const caller = requireRole(ctx, ['prosumer', 'consumer', 'operator'], 'setting preferences');
      await authorizeFor(ctx, caller, checkId(participantId, 'participantId'), 'set preferences');
      const record: ConsumerPreferences & { participantId: string; updatedAt: string } = {
        participantId,
        ...validatePreferences(parseObjectArgument(preferences, 'the preferences')),
        updatedAt: txInstant(ctx),
      };
      await putRecord(ctx, key(ctx, KeyTypes.preferences, participantId), record);
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async getPreferences(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'getPreferences', async () => {
      requireOwnRecords(requireRole(ctx, 'any', 'reading preferences'), checkId(participantId, 'participantId'), 'read preferences');
      const record = await getRecord(ctx, key(ctx, KeyTypes.preferences, participantId));
      if (record === undefined)
        throw new GridLedgerError(ErrorCodes.ASSET_NOT_FOUND, `${participantId} has no preferences`, { participantId });
      return record;
    });
  }
}
