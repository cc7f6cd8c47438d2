/**
 * The evidence behind an issuance (docs/certificates.md, "Provenance"): the asset and its
 * verification, the meter and its registered public key, and the meter's readings of the hour.
 * Readings are whole (import and signature) only for whom seesHousehold allows, on a member's
 * peer; everyone else, the public included, gets their public part with the import's salted hash.
 * Once the hour is archived (docs/bounded-state.md) its readings are in the block store only: the
 * evidence then names the hour's archive record (count, Merkle root, last archive transaction), or
 * says `rolling` when the meter's later readings took them out of the state (energy/reading-chain.ts).
 */
import { Context } from 'fabric-contract-api';
import { parseInstant, PublicReading, StoredReading } from '@gridledger/core';
import { ArchivedHour, archivedHoursOf, hourPastHorizon } from '../energy/archive';
import { loadMeteringParams } from '../energy/grid';
import { KeyTypes, readingHourOf } from '../keys';
import { listRecords } from '../paging';
import { loadMeter } from '../registry';
import { loadAsset } from '../energy/assets';
import { publicPart, readingView, SharedReading } from '../energy/privacy';

export interface Evidence {
  asset: { assetId: string; participantId?: string; meterId: string; source: string; verification: unknown };
  meter: { meterId: string; publicKeyPem: string };
  readings: (PublicReading | StoredReading)[];
  /** When the hour's readings are archived: where they went. */
  archive?: ArchivedHour;
  /** No readings and no archive record, the hour past every horizon: the meter's later readings took them (its chain proves them). */
  rolling?: true;
}

/** The evidence of an asset's hour; `publicOnly` gives every reader the public parts alone. */
export async function evidenceOf(ctx: Context, assetId: string, hourStart: string, publicOnly: boolean): Promise<Evidence> {
  const asset = await loadAsset(ctx, assetId);
  const meter = await loadMeter(ctx, asset.meterId);
  const readings = [];
  for (const shared of await listRecords<SharedReading>(ctx, KeyTypes.reading, [readingHourOf(hourStart), asset.meterId]))
    readings.push(publicOnly ? publicPart(shared) : await readingView(ctx, shared, asset.participantId));
  // Only an hour without live readings can be archived: the archive record is read then only.
  const [archive] = readings.length === 0 ? await archivedHoursOf(ctx, [parseInstant(hourStart)!]) : [];
  const rolling =
    readings.length === 0 && archive === undefined && hourPastHorizon(ctx, readingHourOf(hourStart), await loadMeteringParams(ctx));
  return {
    asset: {
      assetId: asset.assetId,
      ...(publicOnly ? {} : { participantId: asset.participantId }),
      meterId: asset.meterId,
      source: asset.source,
      verification: asset.verification,
    },
    meter: { meterId: meter.meterId, publicKeyPem: meter.publicKeyPem },
    readings,
    ...(archive !== undefined ? { archive } : {}),
    ...(rolling ? { rolling: true as const } : {}),
  };
}
